/**
 * The port between sources and the graph: one account in one tenant of one system, already normalised.
 * `keap` produces these, the accounts-file source produces these, `graph` consumes them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Identifier } from "./Identifier.js"

/** Normalised account status, the same for every source. */
export const AccountStatus = Schema.Literal("active", "invited", "inactive", "not_a_user", "unknown")
export type AccountStatus = typeof AccountStatus.Type

const SystemName = Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9_-]*$/), Schema.maxLength(64))
const NonEmpty = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512))
const NullableString = Schema.NullOr(Schema.String)

/** An account as every source hands it to the graph. */
export const AccountRecord = Schema.Struct({
  /** The SaaS system, lower case: `keap`, `okta`, `google`, ... Also the per-system graph label. */
  system: SystemName,
  /** The tenant within the system (a Keap account id, an Okta org). */
  tenant: NonEmpty,
  /** The account's id in its system, always a string. */
  externalId: NonEmpty,
  /** Canonical e-mail (see `canonicalEmail`), or null when the account has none usable. */
  email: NullableString,
  /** The e-mail exactly as the source sent it, for reviewers. */
  emailRaw: NullableString,
  givenName: NullableString,
  familyName: NullableString,
  /** Admin flag; null when the source cannot tell (Keap v1 has no admin field). */
  admin: Schema.NullOr(Schema.Boolean),
  /** Partner (external) user; null when unknown. */
  partner: Schema.NullOr(Schema.Boolean),
  status: AccountStatus,
  /** The status string exactly as the source sent it. */
  statusRaw: NullableString,
  /** ISO-8601 instants from the source, or null. */
  createdAt: NullableString,
  updatedAt: NullableString,
  /** Keap's cross-tenant user id (`global_user_id`), when the source is Keap. */
  globalUserId: NullableString,
  /** Keap's per-tenant `infusionsoft_id` (v1) / `keap_id` (v2). */
  infusionsoftId: NullableString,
  /** Every identifier of the account, including the e-mail and Keap ids above. */
  identifiers: Schema.Array(Identifier),
})
export type AccountRecord = typeof AccountRecord.Type

/** The graph key of an account: `<system>:<tenant>:<externalId>`. */
export const accountUid = (record: Pick<AccountRecord, "system" | "tenant" | "externalId">): string =>
  `${record.system}:${record.tenant}:${record.externalId}`

/** The graph key of a tenant: `<system>:<tenant>`. */
export const tenantUid = (record: Pick<AccountRecord, "system" | "tenant">): string =>
  `${record.system}:${record.tenant}`

/** The per-system label of an account node (`keap` -> `KeapUser`, `google-workspace` -> `GoogleWorkspaceUser`). */
export const systemLabel = (system: string): string =>
  `${system
    .split(/[-_]/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("")}User`

/**
 * Status to the normalised enum. Accepts Keap v1 (`Active`), v2 (`ACTIVE`), older v2 (`NotAUser`) and common IdP
 * spellings; anything else is `unknown` rather than a failure, since a new status must not stop a run.
 */
export const normaliseStatus = (raw: string | null | undefined): AccountStatus => {
  if (raw === null || raw === undefined) return "unknown"
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s_-]/g, "")
  switch (key) {
    case "active":
    case "enabled":
      return "active"
    case "invited":
    case "pending":
    case "staged":
    case "provisioned":
      return "invited"
    case "inactive":
    case "disabled":
    case "deactivated":
    case "suspended":
    case "deprovisioned":
      return "inactive"
    case "notauser":
      return "not_a_user"
    default:
      return "unknown"
  }
}

/**
 * The standard identifiers of an account from its keys, de-duplicated: the canonical e-mail, Keap's global user id
 * and infusionsoft id, then any extra identifiers a source knows.
 */
export const standardIdentifiers = (keys: {
  readonly email: string | null
  readonly globalUserId?: string | null
  readonly infusionsoftId?: string | null
  readonly extra?: ReadonlyArray<Identifier>
}): ReadonlyArray<Identifier> => {
  const identifiers: Array<Identifier> = []
  const seen = new Set<string>()
  const add = (kind: string, value: string | null | undefined) => {
    if (value === null || value === undefined || value.length === 0) return
    const key = `${kind}:${value}`
    if (seen.has(key)) return
    seen.add(key)
    identifiers.push({ kind, value })
  }
  add("email", keys.email)
  add("keap_global_user_id", keys.globalUserId)
  add("keap_infusionsoft_id", keys.infusionsoftId)
  for (const identifier of keys.extra ?? []) add(identifier.kind, identifier.value)
  return identifiers
}
