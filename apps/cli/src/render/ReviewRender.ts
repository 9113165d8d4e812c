/**
 * The access review as a terminal table, JSON, CSV, Markdown or one self-contained HTML page. Pure functions of a
 * `Review` value: the graph computes findings, this only presents them.
 *
 * @since 0.1.0
 */
import type { AccountFinding, AccountView, IdentityView, Review, SharedIdentifierFinding } from "@idgraph/graph"
import { escapeHtml, flag, renderCsv, renderMarkdownTable, renderTextTable, type Table, text } from "./Format.js"

/** The output formats of `idgraph review`. */
export const ReviewFormats = ["table", "json", "csv", "md", "html"] as const
export type ReviewFormat = (typeof ReviewFormats)[number]

/** One section of the review, in the order reviewers read them. */
export interface ReviewSection {
  readonly id: string
  readonly title: string
  /** What the finding means and what to do about it. */
  readonly explanation: string
  readonly findings: ReadonlyArray<AccountFinding>
}

/** The account sections of a review, in reading order. */
export const reviewSections = (review: Review): ReadonlyArray<ReviewSection> => [
  {
    id: "orphaned-accounts",
    title: "Orphaned accounts",
    explanation: review.authoritativeSystem
      ? `Active accounts whose person has no active account in ${review.authoritativeSystem}: they may have left. Deactivate or confirm.`
      : "No authoritative system was given (--authoritative), so orphaned accounts cannot be found.",
    findings: review.orphanedAccounts,
  },
  {
    id: "active-admins",
    title: "Active admins",
    explanation: "Every active account with admin rights. Confirm each still needs them.",
    findings: review.activeAdmins,
  },
  {
    id: "stale-invitations",
    title: "Stale invitations",
    explanation: `Invitations pending for more than ${review.staleDays} days. Each holds a seat; withdraw or chase.`,
    findings: review.staleInvitations,
  },
  {
    id: "duplicate-accounts",
    title: "Duplicate accounts",
    explanation: "One person with several accounts in the same tenant. Keep one.",
    findings: review.duplicateAccounts,
  },
  {
    id: "unlinked-accounts",
    title: "Unlinked accounts",
    explanation: "Accounts that link to nobody else: no usable e-mail or id shared with another account.",
    findings: review.unlinkedAccounts,
  },
]

const name = (account: AccountView): string =>
  [account.givenName, account.familyName].filter((part) => part !== null && part.length > 0).join(" ")

const identityLabel = (identity: IdentityView | null): string =>
  identity === null
    ? "-"
    : `${identity.displayName ?? identity.primaryEmail ?? identity.uid}${
        identity.primaryEmail !== null && identity.displayName !== null ? ` <${identity.primaryEmail}>` : ""
      }`

const otherLabel = (account: AccountView): string =>
  `${account.uid} (${account.status}${account.active ? "" : ", removed"})`

const FINDING_HEADERS = [
  "Finding",
  "Account",
  "System",
  "Tenant",
  "Name",
  "E-mail",
  "Status",
  "Admin",
  "Active",
  "Identity",
  "Other accounts",
  "Why",
] as const

const findingRow = (finding: AccountFinding): ReadonlyArray<string> => [
  finding.kind,
  finding.account.uid,
  finding.account.system,
  finding.account.tenant,
  text(name(finding.account)),
  text(finding.account.emailRaw ?? finding.account.email),
  finding.account.status,
  flag(finding.account.admin),
  flag(finding.account.active),
  identityLabel(finding.identity),
  finding.otherAccounts.length === 0 ? "-" : finding.otherAccounts.map(otherLabel).join("; "),
  finding.detail,
]

const sharedRow = (finding: SharedIdentifierFinding): ReadonlyArray<string> => [
  finding.kind,
  finding.value,
  String(finding.holders.length),
  finding.holders.map((holder) => holder.uid).join("; "),
]

const SHARED_HEADERS = ["Kind", "Identifier", "Holders", "Accounts"] as const

/** Every account finding of a review as one flat table (CSV, and the base of the terminal view). */
export const findingsTable = (review: Review): Table => ({
  headers: FINDING_HEADERS,
  rows: reviewSections(review).flatMap((section) => section.findings.map(findingRow)),
})

/** Counts per finding kind, in reading order. */
export const reviewCounts = (review: Review): ReadonlyArray<{ readonly title: string; readonly count: number }> => [
  ...reviewSections(review).map((section) => ({ title: section.title, count: section.findings.length })),
  { title: "Shared identifiers", count: review.sharedIdentifiers.length },
]

const header = (review: Review): ReadonlyArray<string> => [
  `Access review generated ${review.generatedAt}`,
  `Authoritative system: ${review.authoritativeSystem ?? "none (no orphan check)"}; stale after ${review.staleDays} days`,
]

/** The review for a terminal: counts, then one compact table per section. */
export const reviewAsText = (review: Review): string => {
  const lines: Array<string> = [...header(review), ""]
  lines.push(
    renderTextTable({
      headers: ["Finding", "Count"],
      rows: reviewCounts(review).map((c) => [c.title, String(c.count)]),
    }),
  )
  for (const section of reviewSections(review)) {
    lines.push("", `## ${section.title} (${section.findings.length})`, section.explanation)
    if (section.findings.length === 0) continue
    lines.push(
      renderTextTable({
        headers: ["Account", "Name", "E-mail", "Status", "Admin", "Identity", "Other accounts"],
        rows: section.findings.map((finding) => [
          finding.account.uid,
          text(name(finding.account)),
          text(finding.account.emailRaw?.trim() ?? finding.account.email),
          finding.account.status,
          flag(finding.account.admin),
          identityLabel(finding.identity),
          String(finding.otherAccounts.length),
        ]),
      }),
    )
  }
  lines.push("", `## Shared identifiers (${review.sharedIdentifiers.length})`)
  if (review.sharedIdentifiers.length > 0) {
    lines.push(renderTextTable({ headers: SHARED_HEADERS, rows: review.sharedIdentifiers.map(sharedRow) }))
  }
  return lines.join("\n")
}

/** The review as JSON, exactly the graph's value. */
export const reviewAsJson = (review: Review): string => JSON.stringify(review, null, 2)

/** The review as CSV: one row per account finding (shared identifiers are in the other formats). */
export const reviewAsCsv = (review: Review): string => renderCsv(findingsTable(review))

/** The review as Markdown: a summary table and one table per section. */
export const reviewAsMarkdown = (review: Review): string => {
  const parts: Array<string> = ["# Access review", "", ...header(review).map((line) => `${line}  `), ""]
  parts.push(
    renderMarkdownTable({
      headers: ["Finding", "Count"],
      rows: reviewCounts(review).map((c) => [c.title, String(c.count)]),
    }),
  )
  for (const section of reviewSections(review)) {
    parts.push("", `## ${section.title} (${section.findings.length})`, "", section.explanation, "")
    parts.push(
      renderMarkdownTable({
        headers: FINDING_HEADERS.slice(1),
        rows: section.findings.map((f) => findingRow(f).slice(1)),
      }),
    )
  }
  parts.push("", `## Shared identifiers (${review.sharedIdentifiers.length})`, "")
  parts.push(renderMarkdownTable({ headers: SHARED_HEADERS, rows: review.sharedIdentifiers.map(sharedRow) }))
  return `${parts.join("\n")}\n`
}

const STYLE = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee8; --head: #f2f4f8; --accent: #2456c7; --warn: #b3261e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; padding: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 4px; padding-top: 8px; border-top: 2px solid var(--line); }
.meta, .explanation { color: var(--muted); margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
.card { display: block; min-width: 150px; padding: 10px 14px; border: 1px solid var(--line); border-radius: 8px; text-decoration: none; color: inherit; }
.card .count { display: block; font-size: 24px; font-weight: 600; }
.card.nonzero .count { color: var(--warn); }
.card .label { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
td:last-child { min-width: 16em; }
th button { all: unset; cursor: pointer; }
th button::after { content: " \\2195"; color: var(--muted); }
th[aria-sort="ascending"] button::after { content: " \\2191"; color: var(--accent); }
th[aria-sort="descending"] button::after { content: " \\2193"; color: var(--accent); }
tbody tr:nth-child(even) { background: #fafbfd; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; white-space: nowrap; }
.email { white-space: nowrap; }
.sub { color: var(--muted); font-size: 12px; }
td ul { margin: 0; padding-left: 16px; }
.none { color: var(--muted); font-style: italic; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; background: var(--head); font-size: 12px; }
.badge.removed, .badge.inactive { background: #fde7e6; }
.badge.active { background: #e5f4ea; }
.badge.invited { background: #fff4d6; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@page { size: landscape; margin: 12mm; }
@media print {
  code, .email { white-space: normal; overflow-wrap: anywhere; }
  body { padding: 0; font-size: 10pt; }
  .cards { gap: 6px; }
  .card { min-width: 0; padding: 4px 8px; }
  th button::after { content: ""; }
  table { font-size: 8.5pt; page-break-inside: auto; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; }
  h2 { page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  tbody tr:nth-child(even) { background: none; }
}
`

// Sorting is done on the text of the cells; numbers compare as numbers. No library: the page must work offline.
const SCRIPT = `
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    var button = th.querySelector("button");
    if (!button) return;
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].textContent.trim(), y = b.cells[column].textContent.trim();
        var nx = Number(x), ny = Number(y);
        var order = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
`

const badge = (status: string, active: boolean): string => {
  const label = active ? status : `${status}, removed`
  return `<span class="badge ${escapeHtml(active ? status : "removed")}">${escapeHtml(label)}</span>`
}

const htmlTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const head = headers.map((cell) => `<th scope="col"><button type="button">${escapeHtml(cell)}</button></th>`).join("")
  // Cells arrive already escaped (they may hold markup built here, such as lists and badges).
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`).join("\n")
  return `<table class="sortable"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

/** The identity cell: its name, its primary e-mail when it differs from the account's, and its systems. */
const identityHtml = (identity: IdentityView | null, accountEmail: string | null): string => {
  if (identity === null) return `<span class="none">none</span>`
  const title = escapeHtml(identity.displayName ?? identity.primaryEmail ?? identity.uid)
  const email =
    identity.primaryEmail === null || identity.primaryEmail === accountEmail
      ? ""
      : `<br><span class="email sub">${escapeHtml(identity.primaryEmail)}</span>`
  const systems =
    identity.systems.length === 0 ? "" : `<br><span class="sub">${escapeHtml(identity.systems.join(", "))}</span>`
  return `${title}${email}${systems}`
}

const othersHtml = (accounts: ReadonlyArray<AccountView>): string =>
  accounts.length === 0
    ? `<span class="none">none</span>`
    : `<ul>${accounts
        .map(
          (other) =>
            `<li><code>${escapeHtml(other.uid)}</code> ${badge(other.status, other.active)}${other.admin === true ? " admin" : ""}</li>`,
        )
        .join("")}</ul>`

const findingHtmlRow = (finding: AccountFinding): ReadonlyArray<string> => [
  `<code>${escapeHtml(finding.account.uid)}</code>`,
  escapeHtml(text(name(finding.account))),
  `<span class="email">${escapeHtml(text(finding.account.emailRaw?.trim() ?? finding.account.email))}</span>`,
  badge(finding.account.status, finding.account.active),
  escapeHtml(flag(finding.account.admin)),
  escapeHtml(text(finding.account.lastSeenAt?.slice(0, 10))),
  identityHtml(finding.identity, finding.account.email),
  othersHtml(finding.otherAccounts),
  escapeHtml(finding.detail),
]

/** The review as one self-contained HTML page: no external resources, sortable tables, print styles. */
export const reviewAsHtml = (review: Review): string => {
  const sections = reviewSections(review)
  const cards = reviewCounts(review)
    .map((count, index) => {
      const id = index < sections.length ? sections[index]!.id : "shared-identifiers"
      return `<a class="card${count.count > 0 ? " nonzero" : ""}" href="#${id}"><span class="count">${count.count}</span><span class="label">${escapeHtml(count.title)}</span></a>`
    })
    .join("\n")
  const body = sections
    .map((section) => {
      const table =
        section.findings.length === 0
          ? `<p class="none">No findings.</p>`
          : htmlTable(
              ["Account", "Name", "E-mail", "Status", "Admin", "Last seen", "Identity", "Other accounts", "Why"],
              section.findings.map(findingHtmlRow),
            )
      return `<section id="${section.id}"><h2>${escapeHtml(section.title)} (${section.findings.length})</h2><p class="explanation">${escapeHtml(section.explanation)}</p>${table}</section>`
    })
    .join("\n")
  const shared =
    review.sharedIdentifiers.length === 0
      ? `<p class="none">No findings.</p>`
      : htmlTable(
          ["Kind", "Identifier", "Holders", "Accounts"],
          review.sharedIdentifiers.map((finding) => [
            escapeHtml(finding.kind),
            `<code>${escapeHtml(finding.value)}</code>`,
            String(finding.holders.length),
            othersHtml(finding.holders),
          ]),
        )
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>idgraph access review ${escapeHtml(review.generatedAt.slice(0, 10))}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Access review</h1>
<p class="meta">Generated ${escapeHtml(review.generatedAt)} &middot; authoritative system: ${escapeHtml(review.authoritativeSystem ?? "none (no orphan check)")} &middot; invitations stale after ${review.staleDays} days</p>
<nav class="cards">
${cards}
</nav>
</header>
<main>
${body}
<section id="shared-identifiers"><h2>Shared identifiers (${review.sharedIdentifiers.length})</h2><p class="explanation">Identifiers held by several accounts of one tenant (shared mailboxes). They link nobody; each account behind one should belong to a named person.</p>${shared}</section>
</main>
<footer>Produced by idgraph. Click a column header to sort; print for a paper copy.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`
}

/** The review in the asked format. */
export const renderReview = (review: Review, format: ReviewFormat): string => {
  switch (format) {
    case "table":
      return reviewAsText(review)
    case "json":
      return reviewAsJson(review)
    case "csv":
      return reviewAsCsv(review)
    case "md":
      return reviewAsMarkdown(review)
    case "html":
      return reviewAsHtml(review)
  }
}
