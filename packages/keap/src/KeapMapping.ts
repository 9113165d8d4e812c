/**
 * Keap users to `AccountRecord`s: the pure transform step. Decoding and mapping never throw; a user that cannot be
 * decoded becomes a `QuarantinedUser` with its reason, and the caller counts it and carries on.
 *
 * @since 0.1.0
 */
import { AccountRecord, canonicalEmail, normaliseStatus, standardIdentifiers } from "@idgraph/identity"
import { Either, Option, ParseResult, Schema } from "effect"
import { RestUser, User } from "./KeapSchema.js"

/** The system name of every Keap account. */
export const KEAP_SYSTEM = "keap"

/** A user that was left out of a run, and why. Holds no secret; may hold the user's id. */
export interface QuarantinedUser {
  readonly tenant: string
  readonly api: "v1" | "v2"
  /** The user's id when the raw record had a usable one. */
  readonly externalId: string | null
  readonly reason: string
}

const MAX_REASON = 500

const nonEmpty = (value: string | undefined): string | null => {
  if (value === undefined) return null
  const trimmed = value.trim()
  return trimmed.length === 0 ? null : trimmed
}

/**
 * A Keap timestamp as an ISO-8601 instant. Keap v1 sends `2019-04-12T20:43:05.000+0000`, which `Date` parses only
 * once the offset has its colon. Unparseable values give null rather than a guess.
 */
export const isoInstant = (raw: string | undefined): string | null => {
  const value = nonEmpty(raw)
  if (value === null) return null
  const withColon = value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")
  const millis = Date.parse(withColon)
  return Number.isNaN(millis) ? null : new Date(millis).toISOString()
}

const keysOf = (emailRaw: string | null, globalUserId: string | null, infusionsoftId: string | null) => {
  const email = Option.getOrNull(canonicalEmail(emailRaw))
  return {
    email,
    emailRaw,
    globalUserId,
    infusionsoftId,
    identifiers: standardIdentifiers({ email, globalUserId, infusionsoftId }),
  }
}

/** A v2 user's primary e-mail: the `EMAIL1` slot, else the first address that is not empty. */
export const primaryEmailOf = (user: User): string | null => {
  const addresses = user.email_addresses ?? []
  const primary = addresses.find((address) => address.field === "EMAIL1" && nonEmpty(address.email) !== null)
  const chosen = primary ?? addresses.find((address) => nonEmpty(address.email) !== null)
  return chosen?.email === undefined ? null : chosen.email
}

/** A decoded v2 user as an `AccountRecord` of `tenant`. */
export const fromUser = (tenant: string, user: User): AccountRecord => ({
  system: KEAP_SYSTEM,
  tenant,
  externalId: user.id,
  ...keysOf(primaryEmailOf(user), nonEmpty(user.global_user_id), nonEmpty(user.keap_id)),
  givenName: nonEmpty(user.given_name),
  familyName: nonEmpty(user.family_name),
  admin: user.admin ?? null,
  partner: user.partner ?? null,
  status: normaliseStatus(user.status),
  statusRaw: user.status ?? null,
  createdAt: isoInstant(user.create_time),
  updatedAt: isoInstant(user.update_time),
})

/** A decoded v1 user as an `AccountRecord` of `tenant`. v1 has no `admin` field, so it is null unless sent. */
export const fromRestUser = (tenant: string, user: RestUser): AccountRecord => ({
  system: KEAP_SYSTEM,
  tenant,
  externalId: user.id,
  ...keysOf(user.email_address ?? null, nonEmpty(user.global_user_id), nonEmpty(user.infusionsoft_id)),
  givenName: nonEmpty(user.given_name),
  familyName: nonEmpty(user.family_name),
  admin: user.admin ?? null,
  partner: user.partner ?? null,
  status: normaliseStatus(user.status),
  statusRaw: user.status ?? null,
  createdAt: isoInstant(user.date_created),
  updatedAt: isoInstant(user.last_updated),
})

const decodeUser = Schema.decodeUnknownEither(User, { errors: "all" })
const decodeRestUser = Schema.decodeUnknownEither(RestUser, { errors: "all" })
const validateRecord = Schema.validateEither(AccountRecord, { errors: "all" })

const rawIdOf = (raw: unknown): string | null => {
  if (typeof raw !== "object" || raw === null || !("id" in raw)) return null
  const id = (raw as { readonly id: unknown }).id
  return (typeof id === "string" && id.trim().length > 0) || (typeof id === "number" && Number.isInteger(id))
    ? String(id)
    : null
}

const reasonOf = (error: ParseResult.ParseError): string => {
  const text = ParseResult.TreeFormatter.formatErrorSync(error)
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}...` : text
}

const finish =
  (tenant: string, api: "v1" | "v2", raw: unknown) =>
  (decoded: Either.Either<AccountRecord, ParseResult.ParseError>): Either.Either<AccountRecord, QuarantinedUser> =>
    Either.mapLeft(
      Either.flatMap(decoded, (record) => validateRecord(record)),
      (error) => ({ tenant, api, externalId: rawIdOf(raw), reason: reasonOf(error) }),
    )

/** Decode one raw v2 user and map it; a user that fails either step is quarantined. Never throws. */
export const mapRawUser = (tenant: string, raw: unknown): Either.Either<AccountRecord, QuarantinedUser> =>
  finish(tenant, "v2", raw)(Either.map(decodeUser(raw), (user) => fromUser(tenant, user)))

/** Decode one raw v1 user and map it; a user that fails either step is quarantined. Never throws. */
export const mapRawRestUser = (tenant: string, raw: unknown): Either.Either<AccountRecord, QuarantinedUser> =>
  finish(tenant, "v1", raw)(Either.map(decodeRestUser(raw), (user) => fromRestUser(tenant, user)))
