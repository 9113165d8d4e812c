/**
 * The access review: the findings security teams ask of the graph, as structured values.
 *
 * @since 0.1.0
 */
import type { AccountView, IdentityView, Scope } from "./Views.js"

/** Options of a review. */
export interface ReviewOptions {
  /**
   * The source that says who still works here (an HR or IdP system, e.g. `okta`). Without it there are no
   * orphaned-account findings.
   */
  readonly authoritativeSystem?: string
  /** Invitations pending longer than this many days are stale. Default 14. */
  readonly staleDays?: number
  readonly scope?: Scope
  /** The review's "now" (tests); default the current time. */
  readonly now?: Date
}

/** The kinds of account finding. */
export type FindingKind =
  | "active-admin"
  | "orphaned-account"
  | "stale-invitation"
  | "duplicate-account"
  | "unlinked-account"

/** One account that needs a reviewer's eye, with its identity and the identity's other accounts. */
export interface AccountFinding {
  readonly kind: FindingKind
  readonly account: AccountView
  readonly identity: IdentityView | null
  readonly otherAccounts: ReadonlyArray<AccountView>
  /** One sentence saying why it fired. */
  readonly detail: string
}

/** An identifier held by too many accounts of one tenant to link anything (a shared mailbox). */
export interface SharedIdentifierFinding {
  readonly identifier: string
  readonly kind: string
  readonly value: string
  readonly holders: ReadonlyArray<AccountView>
}

/** Everything a review found. */
export interface Review {
  readonly generatedAt: string
  readonly authoritativeSystem: string | null
  readonly staleDays: number
  readonly activeAdmins: ReadonlyArray<AccountFinding>
  readonly orphanedAccounts: ReadonlyArray<AccountFinding>
  readonly staleInvitations: ReadonlyArray<AccountFinding>
  readonly duplicateAccounts: ReadonlyArray<AccountFinding>
  readonly sharedIdentifiers: ReadonlyArray<SharedIdentifierFinding>
  readonly unlinkedAccounts: ReadonlyArray<AccountFinding>
}
