/**
 * Identifiers: the keys by which accounts in different systems can be recognised as one person.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Identifier kinds every source may emit. Sources may add more (`employee_id`, `okta_id`, ...). */
export const KnownIdentifierKinds = ["email", "keap_global_user_id", "keap_infusionsoft_id"] as const

/**
 * Kinds that link accounts into one identity. Only these connect accounts: an `keap_infusionsoft_id` is
 * per-tenant and proves nothing across tenants.
 */
export const LinkingIdentifierKinds: ReadonlySet<string> = new Set(["email", "keap_global_user_id"])

/** Whether accounts sharing an identifier of this kind are the same person. */
export const isLinkingKind = (kind: string): boolean => LinkingIdentifierKinds.has(kind)

/** An identifier kind: lower-case snake case, so it can be embedded in a uid unambiguously. */
export const IdentifierKind = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_]*$/),
  Schema.annotations({ description: "identifier kind, lower snake case (email, keap_global_user_id, ...)" }),
)

/** One identifier of an account. The value is already canonical for its kind (e-mails lower-cased, trimmed). */
export const Identifier = Schema.Struct({
  kind: IdentifierKind,
  value: Schema.String.pipe(Schema.minLength(1)),
})
export type Identifier = typeof Identifier.Type

/** The graph key of an identifier node: `<kind>:<value>`. */
export const identifierUid = (identifier: Identifier): string => `${identifier.kind}:${identifier.value}`
