/**
 * `idgraph resolve` output: who a key belongs to, as a terminal table or JSON.
 *
 * @since 0.1.0
 */
import type { Resolution } from "@idgraph/graph"
import { flag, renderTextTable, text } from "./Format.js"

/** Output formats of `idgraph resolve`. */
export const ResolveFormats = ["table", "json"] as const
export type ResolveFormat = (typeof ResolveFormats)[number]

/** A resolution for a terminal: one block per identity, its accounts as a table. */
export const resolutionAsText = (resolution: Resolution): string => {
  if (resolution.identities.length === 0) return `Nothing in the graph matches ${JSON.stringify(resolution.key)}.`
  const blocks = resolution.identities.map((identity) => {
    const head = [
      `Identity ${identity.uid}: ${identity.displayName ?? "(no name)"} <${identity.primaryEmail ?? "no e-mail"}>`,
      `  systems: ${identity.systems.join(", ") || "-"}; tenants: ${identity.tenants.join(", ") || "-"}; accounts: ${identity.accountCount} (${identity.activeAccountCount} active)`,
    ]
    const table = renderTextTable({
      headers: ["Account", "E-mail", "Name", "Status", "Admin", "Active", "Global user id", "Last seen"],
      rows: identity.accounts.map((account) => [
        account.uid,
        text(account.emailRaw?.trim() ?? account.email),
        text([account.givenName, account.familyName].filter((part) => part !== null).join(" ")),
        account.status,
        flag(account.admin),
        flag(account.active),
        text(account.globalUserId),
        text(account.lastSeenAt),
      ]),
    })
    return [...head, table].join("\n")
  })
  const matched = `Matched ${JSON.stringify(resolution.key)} by ${resolution.matchedBy.join(", ")}`
  const shared =
    resolution.identities.length > 1
      ? `\n${resolution.identities.length} identities share this key: it is a shared identifier (e.g. a team mailbox).`
      : ""
  return `${matched}${shared}\n\n${blocks.join("\n\n")}`
}

/** A resolution as JSON (the graph's value). */
export const resolutionAsJson = (resolution: Resolution): string => JSON.stringify(resolution, null, 2)
