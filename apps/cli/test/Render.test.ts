import { describe, expect, it } from "@effect/vitest"
import type { AccountFinding, AccountView, Review } from "@idgraph/graph"
import { csvField, escapeHtml, markdownCell, renderCsv, renderTextTable, terminalSafe } from "../src/render/Format.js"
import { resolutionAsText } from "../src/render/ResolutionRender.js"
import { renderReview, reviewAsCsv, reviewAsHtml, reviewAsMarkdown, reviewCounts } from "../src/render/ReviewRender.js"
import { summaryAsText } from "../src/render/SummaryRender.js"

const EVIL_NAME = "<script>alert(1)</script>"
const EVIL_FAMILY = "x'}) DETACH DELETE n //"

const account = (overrides: Partial<AccountView> = {}): AccountView => ({
  uid: "keap:t1:1",
  system: "keap",
  tenant: "t1",
  tenantUid: "keap:t1",
  externalId: "1",
  email: "ann@example.com",
  emailRaw: " Ann@Example.com",
  givenName: "Ann",
  familyName: "Lee",
  admin: true,
  partner: false,
  status: "active",
  active: true,
  globalUserId: "900",
  infusionsoftId: "ab1",
  createdAt: "2020-01-01T00:00:00.000Z",
  firstSeenAt: "2026-01-01T00:00:00.000Z",
  lastSeenAt: "2026-01-02T00:00:00.000Z",
  removedAt: null,
  ...overrides,
})

const finding = (
  kind: AccountFinding["kind"],
  view: AccountView,
  others: ReadonlyArray<AccountView> = [],
): AccountFinding => ({
  kind,
  account: view,
  identity: {
    uid: "idn_1",
    primaryEmail: view.email,
    displayName: [view.givenName, view.familyName].join(" "),
    systems: ["keap"],
    tenants: ["keap:t1"],
    accountCount: 1 + others.length,
    activeAccountCount: 1,
  },
  otherAccounts: others,
  detail: `${kind} because <b>reasons</b>`,
})

const evil = account({
  uid: "keap:t1:2",
  externalId: "2",
  givenName: EVIL_NAME,
  familyName: EVIL_FAMILY,
  emailRaw: "evil@example.com",
})

const review: Review = {
  generatedAt: "2026-12-03T10:00:00.000Z",
  authoritativeSystem: "okta",
  staleDays: 14,
  activeAdmins: [finding("active-admin", account()), finding("active-admin", evil)],
  orphanedAccounts: [finding("orphaned-account", evil, [account({ uid: "keap:t2:9", tenant: "t2", active: false })])],
  staleInvitations: [],
  duplicateAccounts: [],
  sharedIdentifiers: [
    {
      identifier: "email:sales@example.com",
      kind: "email",
      value: "sales@example.com",
      holders: [account(), evil, account({ uid: "keap:t1:3" })],
    },
  ],
  unlinkedAccounts: [],
}

describe("Format", () => {
  it("escapes the five HTML characters", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    )
  })
  it("quotes CSV fields that need it and neutralises formulas", () => {
    expect(csvField("plain")).toBe("plain")
    expect(csvField('a,"b"')).toBe('"a,""b"""')
    expect(csvField("line\nbreak")).toBe('"line\nbreak"')
    expect(csvField("=HYPERLINK(1)")).toBe("'=HYPERLINK(1)")
    expect(renderCsv({ headers: ["a", "b"], rows: [["1", "x,y"]] })).toBe('a,b\r\n1,"x,y"\r\n')
  })
  it("escapes Markdown table cells", () => {
    expect(markdownCell("a|b <i>*c*</i>")).toBe("a\\|b &lt;i&gt;\\*c\\*&lt;/i&gt;")
  })
  it("keeps control characters out of the terminal", () => {
    expect(terminalSafe("ok\u001b[31mred")).toBe("ok?[31mred")
    const table = renderTextTable({ headers: ["A", "Long header"], rows: [["xyz", "1"]] })
    expect(table.split("\n")).toEqual(["A    Long header", "---  -----------", "xyz  1"])
  })
})

describe("ReviewRender", () => {
  it("counts findings per section", () => {
    expect(reviewCounts(review).map((count) => count.count)).toEqual([1, 2, 0, 0, 0, 1])
  })

  it("renders hostile names as text in HTML", () => {
    const html = reviewAsHtml(review)
    expect(html).not.toContain(EVIL_NAME)
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html).toContain("x&#39;}) DETACH DELETE n //")
    expect(html).toContain("because &lt;b&gt;reasons&lt;/b&gt;")
    // The only script is the page's own sorter.
    expect(html.match(/<script>/g)).toHaveLength(1)
    // Self-contained: nothing fetched from elsewhere.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
    expect(html).toContain("@media print")
    expect(html).toContain('class="sortable"')
    expect(html).toContain('href="#orphaned-accounts"')
    expect(html).toContain("keap:t2:9")
  })

  it("writes one CSV row per account finding", () => {
    const csv = reviewAsCsv(review)
    const lines = csv.trimEnd().split("\r\n")
    expect(lines).toHaveLength(1 + 3)
    expect(lines[0]).toContain("Finding,Account,System")
    expect(csv).toContain(EVIL_NAME)
  })

  it("escapes Markdown and JSON round-trips", () => {
    const md = reviewAsMarkdown(review)
    expect(md).not.toContain(EVIL_NAME)
    expect(md).toContain("## Active admins (2)")
    expect(JSON.parse(renderReview(review, "json"))).toEqual(review)
  })

  it("names every section in the terminal table", () => {
    const text = renderReview(review, "table")
    for (const title of ["Orphaned accounts", "Active admins", "Stale invitations", "Shared identifiers"]) {
      expect(text).toContain(title)
    }
    expect(text).toContain("keap:t1:2")
  })
})

describe("ResolutionRender and SummaryRender", () => {
  it("shows a resolution's accounts, and says when nothing matches", () => {
    const text = resolutionAsText({
      key: "ann@example.com",
      matchedBy: ["email"],
      identities: [
        {
          uid: "idn_1",
          primaryEmail: "ann@example.com",
          displayName: "Ann Lee",
          systems: ["keap", "okta"],
          tenants: ["keap:t1", "okta:idp"],
          accountCount: 2,
          activeAccountCount: 2,
          accounts: [account(), account({ uid: "okta:idp:p1", system: "okta", tenant: "idp" })],
        },
      ],
    })
    expect(text).toContain("Identity idn_1: Ann Lee <ann@example.com>")
    expect(text).toContain("okta:idp:p1")
    expect(resolutionAsText({ key: "nobody", matchedBy: [], identities: [] })).toContain("Nothing in the graph matches")
  })

  it("shows per-tenant counts and errors", () => {
    const text = summaryAsText({
      startedAt: "x",
      finishedAt: "y",
      dryRun: false,
      exitCode: 5,
      tenants: [
        {
          system: "keap",
          tenant: "t1",
          status: "completed",
          runId: "run_1",
          seen: 50,
          countsKnown: true,
          created: 3,
          updated: 2,
          unchanged: 45,
          reactivated: 0,
          removed: 1,
          quarantined: 0,
          apiCalls: 1,
          throttled: 0,
          durationMs: 1234,
          warnings: [],
          error: null,
          exitCode: 0,
        },
        {
          system: "keap",
          tenant: "t2",
          status: "failed",
          runId: null,
          seen: 7,
          countsKnown: false,
          created: 0,
          updated: 0,
          unchanged: 0,
          reactivated: 0,
          removed: 0,
          quarantined: 0,
          apiCalls: 2,
          throttled: 0,
          durationMs: 10,
          warnings: [],
          error: "re-authorise",
          exitCode: 3,
        },
      ],
    })
    expect(text).toMatch(/keap:t1\s+completed\s+50\s+3\s+2\s+45\s+1\s+0\s+1\s+0\s+1\.2 s/)
    expect(text).toContain("keap:t2: re-authorise")
    // A failed run's loaded counts are unknown: shown as "-", never as a misleading 0.
    expect(text).toMatch(/keap:t2\s+failed\s+7\s+-\s+-\s+-\s+0\s/)
  })
})
