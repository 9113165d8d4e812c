/**
 * What the graph's queries return: plain, serialisable values that a CLI can render as a table, JSON, CSV,
 * Markdown or HTML.
 *
 * @since 0.1.0
 */

/** Limits a query to some tenants and/or systems. Omitted fields do not restrict; the product passes none. */
export interface Scope {
  /** Tenant uids (`<system>:<tenant>`). */
  readonly tenantUids?: ReadonlyArray<string>
  readonly systems?: ReadonlyArray<string>
}

/** One account as reviewers see it. */
export interface AccountView {
  readonly uid: string
  readonly system: string
  readonly tenant: string
  readonly tenantUid: string
  readonly externalId: string
  readonly email: string | null
  readonly emailRaw: string | null
  readonly givenName: string | null
  readonly familyName: string | null
  readonly admin: boolean | null
  readonly partner: boolean | null
  readonly status: string
  /** Present in its source at the last complete run (false once removed). */
  readonly active: boolean
  readonly globalUserId: string | null
  readonly infusionsoftId: string | null
  /** From the source. */
  readonly createdAt: string | null
  readonly firstSeenAt: string | null
  readonly lastSeenAt: string | null
  readonly removedAt: string | null
}

/** One identity (a person) without its accounts. */
export interface IdentityView {
  readonly uid: string
  readonly primaryEmail: string | null
  readonly displayName: string | null
  readonly systems: ReadonlyArray<string>
  readonly tenants: ReadonlyArray<string>
  readonly accountCount: number
  readonly activeAccountCount: number
}

/** An identity with every account it has, across systems. */
export interface ResolvedIdentity extends IdentityView {
  readonly accounts: ReadonlyArray<AccountView>
}

/** How a key matched in `resolve`. */
export type ResolveMatch = "email" | "account" | "keap_global_user_id" | "identity"

/** The answer to `resolve(key)`: usually one identity; several when the key is a shared identifier. */
export interface Resolution {
  readonly key: string
  readonly matchedBy: ReadonlyArray<ResolveMatch>
  readonly identities: ReadonlyArray<ResolvedIdentity>
}

/** What changed since a run (by later runs). */
export interface Changes {
  readonly sinceRunId: string
  /** The runs after it, oldest first. */
  readonly runs: ReadonlyArray<{ readonly runId: string; readonly tenantUid: string; readonly status: string }>
  readonly created: ReadonlyArray<AccountView>
  readonly updated: ReadonlyArray<AccountView>
  readonly removed: ReadonlyArray<AccountView>
  readonly reactivated: ReadonlyArray<AccountView>
  /** Identity uids merged into another since the run finished. */
  readonly mergedIdentities: ReadonlyArray<{ readonly uid: string; readonly into: string }>
}

/** Headline counts of the graph. */
export interface GraphSummary {
  readonly tenants: number
  readonly accounts: number
  readonly activeAccounts: number
  /** Live identities (not merged away). */
  readonly identities: number
  readonly peopleInSeveralTenants: number
  readonly peopleInSeveralSystems: number
  readonly sharedIdentifiers: number
}
