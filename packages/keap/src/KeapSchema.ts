/**
 * Wire schemas of the Keap REST API (v1 and v2): what Keap sends and accepts, decoded with effect `Schema`.
 *
 * Tolerant where Keap drifts: ids arrive as int64 or string and always decode to strings; statuses are any string
 * (`Active`, `ACTIVE`, `NotAUser`, ...) and are normalised later; unknown extra fields are ignored; `null` is read as
 * absent. Strict where it matters: a user without an `id` does not decode, a token response without tokens does not
 * decode.
 *
 * The Keap sandbox encodes its responses with these same schemas, so names here are stable: add, do not rename.
 *
 * @since 0.1.0
 */
import { ParseResult, Schema } from "effect"

// ---------------------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------------------

const DIGITS = /^-?\d+$/

const NonEmptyIdString = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0, { message: () => "an id must not be empty" }),
)

/** An int64 id on the wire as a JSON number, decoded to its decimal string. Encodes back to a number. */
const IdFromNumber = Schema.transformOrFail(Schema.Number.pipe(Schema.int()), NonEmptyIdString, {
  strict: true,
  decode: (n) => ParseResult.succeed(String(n)),
  encode: (s, _, ast) =>
    DIGITS.test(s) && Number.isSafeInteger(Number(s))
      ? ParseResult.succeed(Number(s))
      : ParseResult.fail(new ParseResult.Type(ast, s, `id ${JSON.stringify(s)} is not an int64`)),
})

/**
 * A Keap id as v2 sends it: a string (`"123"`), or an int64 from older builds. Always a string once decoded;
 * encodes as a string.
 */
export const KeapId = Schema.Union(NonEmptyIdString, IdFromNumber).annotations({
  identifier: "KeapId",
  description: "a Keap id: string or int64 on the wire, a string once decoded",
})

/**
 * A Keap id as v1 sends it: an int64 (`123`), or a string from some gateways. Always a string once decoded;
 * encodes as a number when it is numeric (as v1 does), else as the string.
 */
export const KeapInt64Id = Schema.Union(IdFromNumber, NonEmptyIdString).annotations({
  identifier: "KeapInt64Id",
  description: "a Keap v1 id: int64 or string on the wire, a string once decoded",
})

/** An optional wire field: absent, `null` or a value; decodes to absent or the value. */
const opt = <S extends Schema.Schema.Any>(schema: S) => Schema.optionalWith(schema, { nullable: true })

// ---------------------------------------------------------------------------------------------------------------
// Shared sub-structures
// ---------------------------------------------------------------------------------------------------------------

/** A postal address (v1 and v2 shapes merged; every field optional). */
export const Address = Schema.Struct({
  country: opt(Schema.String),
  country_code: opt(Schema.String),
  field: opt(Schema.String),
  line1: opt(Schema.String),
  line2: opt(Schema.String),
  locality: opt(Schema.String),
  postal_code: opt(Schema.String),
  region: opt(Schema.String),
  region_code: opt(Schema.String),
  zip_code: opt(Schema.String),
  zip_four: opt(Schema.String),
}).annotations({ identifier: "Address" })
export type Address = typeof Address.Type

/** A phone number slot (`PHONE1`..`PHONE5`). */
export const PhoneNumber = Schema.Struct({
  extension: opt(Schema.String),
  field: opt(Schema.String),
  number: opt(Schema.String),
  number_e164: opt(Schema.String),
  type: opt(Schema.String),
}).annotations({ identifier: "PhoneNumber" })
export type PhoneNumber = typeof PhoneNumber.Type

/** A fax number slot (`FAX1`, `FAX2`). */
export const FaxNumber = Schema.Struct({
  field: opt(Schema.String),
  number: opt(Schema.String),
  type: opt(Schema.String),
}).annotations({ identifier: "FaxNumber" })
export type FaxNumber = typeof FaxNumber.Type

/** One of a v2 user's e-mail addresses (`EMAIL1`..`EMAIL3`). */
export const EmailAddress = Schema.Struct({
  email: opt(Schema.String),
  field: opt(Schema.String),
  opt_in_reason: opt(Schema.String),
  is_opt_in: opt(Schema.Boolean),
  email_opt_status: opt(Schema.String),
}).annotations({ identifier: "EmailAddress" })
export type EmailAddress = typeof EmailAddress.Type

// ---------------------------------------------------------------------------------------------------------------
// Users, v1
// ---------------------------------------------------------------------------------------------------------------

/** The statuses v1 documents. The `status` field accepts any string; these are the ones Keap's spec lists. */
export const RestUserStatus = Schema.Literal("Active", "Invited", "Inactive")
export type RestUserStatus = typeof RestUserStatus.Type

/** A v1 user (`RestUser`). Only `id` is required. v1 documents no `admin`; some responses carry one anyway. */
export const RestUser = Schema.Struct({
  id: KeapInt64Id,
  global_user_id: opt(KeapInt64Id),
  infusionsoft_id: opt(KeapId),
  given_name: opt(Schema.String),
  family_name: opt(Schema.String),
  middle_name: opt(Schema.String),
  preferred_name: opt(Schema.String),
  email_address: opt(Schema.String),
  company_name: opt(Schema.String),
  job_title: opt(Schema.String),
  website: opt(Schema.String),
  time_zone: opt(Schema.String),
  address: opt(Address),
  phone_numbers: opt(Schema.Array(PhoneNumber)),
  fax_numbers: opt(Schema.Array(FaxNumber)),
  partner: opt(Schema.Boolean),
  admin: opt(Schema.Boolean),
  status: opt(Schema.String),
  date_created: opt(Schema.String),
  last_updated: opt(Schema.String),
  created_by: opt(KeapInt64Id),
  last_updated_by: opt(KeapInt64Id),
}).annotations({ identifier: "RestUser" })
export type RestUser = typeof RestUser.Type

/** The v1 list envelope (`Users`): `next`/`previous` are absolute URLs, `count` the total Keap reports. */
export const Users = Schema.Struct({
  count: opt(Schema.Number),
  next: opt(Schema.String),
  previous: opt(Schema.String),
  users: Schema.Array(RestUser),
}).annotations({ identifier: "Users" })
export type Users = typeof Users.Type

/** Body of `POST /v1/users` (`CreateUser`). Creating a user sends an invitation e-mail that cannot be suppressed. */
export const CreateUserRequest = Schema.Struct({
  email: Schema.String,
  given_name: Schema.String,
  family_name: Schema.optional(Schema.String),
  admin: Schema.optional(Schema.Boolean),
  partner: Schema.optional(Schema.Boolean),
}).annotations({ identifier: "CreateUserRequest" })
export type CreateUserRequest = typeof CreateUserRequest.Type

/** `GET /v1/oauth/connect/userinfo`: the user a token or key acts as. */
export const UserInfoV1 = Schema.Struct({
  sub: KeapId,
  email: opt(Schema.String),
  given_name: opt(Schema.String),
  family_name: opt(Schema.String),
  middle_name: opt(Schema.String),
  preferred_name: opt(Schema.String),
  global_user_id: opt(KeapInt64Id),
  infusionsoft_id: opt(KeapId),
  is_admin: opt(Schema.Boolean),
}).annotations({ identifier: "UserInfoV1" })
export type UserInfoV1 = typeof UserInfoV1.Type

// ---------------------------------------------------------------------------------------------------------------
// Users, v2
// ---------------------------------------------------------------------------------------------------------------

/** The statuses v2 documents, plus the spellings of older v2 builds. The `status` field accepts any string. */
export const UserStatus = Schema.Literal(
  "ACTIVE",
  "INVITED",
  "INACTIVE",
  "NOT_A_USER",
  "Active",
  "Invited",
  "Inactive",
  "NotAUser",
)
export type UserStatus = typeof UserStatus.Type

/** A v2 user (`User`). `id` is required; ids decode to strings whatever their wire type. Carries `admin`. */
export const User = Schema.Struct({
  id: KeapId,
  global_user_id: opt(KeapId),
  keap_id: opt(KeapId),
  given_name: opt(Schema.String),
  family_name: opt(Schema.String),
  middle_name: opt(Schema.String),
  nickname: opt(Schema.String),
  spouse_name: opt(Schema.String),
  suffix: opt(Schema.String),
  title: opt(Schema.String),
  company_name: opt(Schema.String),
  website: opt(Schema.String),
  time_zone: opt(Schema.String),
  address: opt(Address),
  phone_numbers: opt(Schema.Array(PhoneNumber)),
  fax_numbers: opt(Schema.Array(FaxNumber)),
  email_addresses: opt(Schema.Array(EmailAddress)),
  admin: opt(Schema.Boolean),
  partner: opt(Schema.Boolean),
  status: opt(Schema.String),
  create_time: opt(Schema.String),
  update_time: opt(Schema.String),
  created_by: opt(KeapId),
  updated_by: opt(KeapId),
}).annotations({ identifier: "User" })
export type User = typeof User.Type

/** The v2 list envelope. `next_page_token` absent, `null` or `""` means the last page. */
export const ListUsersPaginatedResponse = Schema.Struct({
  users: Schema.Array(User),
  next_page_token: opt(Schema.String),
}).annotations({ identifier: "ListUsersPaginatedResponse" })
export type ListUsersPaginatedResponse = typeof ListUsersPaginatedResponse.Type

/** The fields `PATCH /v2/users/{id}` accepts in `update_mask`. `admin` is not among them in Keap's spec. */
export const UpdateUserMaskField = Schema.Literal(
  "address",
  "company_name",
  "email_address",
  "family_name",
  "fax_numbers",
  "given_name",
  "job_title",
  "phone_numbers",
  "time_zone",
  "website",
)
export type UpdateUserMaskField = typeof UpdateUserMaskField.Type

/** One e-mail address in a v2 update. */
export const EmailAddressRequest = Schema.Struct({
  email: Schema.String,
  field: Schema.optional(Schema.String),
  opt_in_reason: Schema.optional(Schema.String),
}).annotations({ identifier: "EmailAddressRequest" })
export type EmailAddressRequest = typeof EmailAddressRequest.Type

/**
 * Body of `PATCH /v2/users/{id}` (`UpdateUserRequest`). `admin` is not in Keap's spec; it is here because some
 * accounts accept it, and the client sends it only when asked to change the admin flag.
 */
export const UpdateUserRequest = Schema.Struct({
  given_name: Schema.optional(Schema.String),
  family_name: Schema.optional(Schema.String),
  company_name: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  website: Schema.optional(Schema.String),
  time_zone: Schema.optional(Schema.String),
  email_address: Schema.optional(EmailAddressRequest),
  address: Schema.optional(Address),
  phone_numbers: Schema.optional(Schema.Array(PhoneNumber)),
  fax_numbers: Schema.optional(Schema.Array(FaxNumber)),
  admin: Schema.optional(Schema.Boolean),
}).annotations({ identifier: "UpdateUserRequest" })
export type UpdateUserRequest = typeof UpdateUserRequest.Type

/** `GET /v2/oauth/connect/userinfo`. */
export const UserInfoV2 = Schema.Struct({
  sub: KeapId,
  id: opt(KeapId),
  keap_id: opt(KeapId),
  email: opt(Schema.String),
  given_name: opt(Schema.String),
  family_name: opt(Schema.String),
  middle_name: opt(Schema.String),
  preferred_name: opt(Schema.String),
  is_admin: opt(Schema.Boolean),
  tenant_id: opt(Schema.String),
}).annotations({ identifier: "UserInfoV2" })
export type UserInfoV2 = typeof UserInfoV2.Type

/** A user group (`GET /v2/userGroups`). Keap exposes no membership. */
export const UserGroup = Schema.Struct({
  id: KeapId,
  name: opt(Schema.String),
}).annotations({ identifier: "UserGroup" })
export type UserGroup = typeof UserGroup.Type

/** The v2 user-group list envelope. */
export const ListUserGroupsResponse = Schema.Struct({
  user_groups: Schema.Array(UserGroup),
  next_page_token: opt(Schema.String),
}).annotations({ identifier: "ListUserGroupsResponse" })
export type ListUserGroupsResponse = typeof ListUserGroupsResponse.Type

// ---------------------------------------------------------------------------------------------------------------
// OAuth token endpoint
// ---------------------------------------------------------------------------------------------------------------

const NumberOrNumericString = Schema.Union(Schema.Number, Schema.NumberFromString)

/**
 * A successful answer of `POST /token` (code exchange or refresh). Tokens decode to `Redacted` so that they never
 * print. A response without either token does not decode: a missing rotated refresh token would lock us out.
 */
export const TokenResponse = Schema.Struct({
  access_token: Schema.Redacted(Schema.String.pipe(Schema.minLength(1))),
  refresh_token: Schema.Redacted(Schema.String.pipe(Schema.minLength(1))),
  token_type: opt(Schema.String),
  expires_in: NumberOrNumericString,
  scope: opt(Schema.String),
}).annotations({ identifier: "TokenResponse" })
export type TokenResponse = typeof TokenResponse.Type

/** An error answer of `POST /token`: `invalid_grant`, `invalid_request`, `invalid_client`, ... */
export const TokenErrorResponse = Schema.Struct({
  error: Schema.String,
  error_description: opt(Schema.String),
}).annotations({ identifier: "TokenErrorResponse" })
export type TokenErrorResponse = typeof TokenErrorResponse.Type

/** The form body of a code exchange (`grant_type=authorization_code`). */
export const AuthorizationCodeGrant = Schema.Struct({
  grant_type: Schema.Literal("authorization_code"),
  client_id: Schema.String,
  client_secret: Schema.String,
  code: Schema.String,
  redirect_uri: Schema.String,
}).annotations({ identifier: "AuthorizationCodeGrant" })
export type AuthorizationCodeGrant = typeof AuthorizationCodeGrant.Type

/** The form body of a refresh (`grant_type=refresh_token`); client credentials go in HTTP Basic. */
export const RefreshTokenGrant = Schema.Struct({
  grant_type: Schema.Literal("refresh_token"),
  refresh_token: Schema.String,
}).annotations({ identifier: "RefreshTokenGrant" })
export type RefreshTokenGrant = typeof RefreshTokenGrant.Type

// ---------------------------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------------------------

/** v2 error body, also Keap's 429 shape (`code` may be a number or a string such as `"429"`). */
export const V2ErrorBody = Schema.Struct({
  code: opt(Schema.Union(Schema.Number, Schema.String)),
  message: opt(Schema.String),
  status: opt(Schema.String),
  details: opt(Schema.Array(Schema.Unknown)),
}).annotations({ identifier: "V2ErrorBody" })
export type V2ErrorBody = typeof V2ErrorBody.Type

/** v1 error body: a serialised Java throwable; only `message` is useful. */
export const V1ErrorBody = Schema.Struct({
  message: opt(Schema.String),
  localizedMessage: opt(Schema.String),
}).annotations({ identifier: "V1ErrorBody" })
export type V1ErrorBody = typeof V1ErrorBody.Type

/** The API gateway's fault body (401 invalid token, 429 quota violation). */
export const GatewayFaultBody = Schema.Struct({
  fault: Schema.Struct({
    faultstring: opt(Schema.String),
    detail: opt(Schema.Struct({ errorcode: opt(Schema.String) })),
  }),
}).annotations({ identifier: "GatewayFaultBody" })
export type GatewayFaultBody = typeof GatewayFaultBody.Type

/** Any error body Keap sends. Decode with this, then read it with `keapErrorSummary`. */
export const KeapErrorBody = Schema.Union(
  GatewayFaultBody,
  TokenErrorResponse,
  // v1 and v2 bodies cannot be told apart (every field is optional), so one struct reads both.
  Schema.Struct({ ...V2ErrorBody.fields, ...V1ErrorBody.fields }),
).annotations({ identifier: "KeapErrorBody" })
export type KeapErrorBody = typeof KeapErrorBody.Type

/** The gist of an error body: Keap's code (gateway `errorcode`, OAuth `error`, v2 `code`) and its message. */
export const keapErrorSummary = (body: KeapErrorBody): { readonly code?: string; readonly message?: string } => {
  const compact = (code: string | undefined, message: string | undefined) => ({
    ...(code === undefined ? {} : { code }),
    ...(message === undefined ? {} : { message }),
  })
  if ("fault" in body) return compact(body.fault.detail?.errorcode, body.fault.faultstring)
  if ("error" in body) return compact(body.error, body.error_description)
  // v2 and v1 bodies: both carry `message`; only v2 carries `code`.
  const loose = body as V2ErrorBody & V1ErrorBody
  return compact(loose.code === undefined ? undefined : String(loose.code), loose.message ?? loose.localizedMessage)
}

// ---------------------------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------------------------

/** Header names of Keap's quota and throttle reporting (lower case, as Keap sends them). */
export const KeapHeaders = {
  apiKey: "x-keap-api-key",
  tenantId: "x-keap-tenant-id",
  productQuotaLimit: "x-keap-product-quota-limit",
  productQuotaTimeUnit: "x-keap-product-quota-time-unit",
  productQuotaInterval: "x-keap-product-quota-interval",
  productQuotaAvailable: "x-keap-product-quota-available",
  productQuotaUsed: "x-keap-product-quota-used",
  productQuotaExpiryTime: "x-keap-product-quota-expiry-time",
  productThrottleLimit: "x-keap-product-throttle-limit",
  productThrottleTimeUnit: "x-keap-product-throttle-time-unit",
  productThrottleInterval: "x-keap-product-throttle-interval",
  productThrottleAvailable: "x-keap-product-throttle-available",
  productThrottleUsed: "x-keap-product-throttle-used",
  tenantThrottleLimit: "x-keap-tenant-throttle-limit",
  tenantThrottleTimeUnit: "x-keap-tenant-throttle-time-unit",
  tenantThrottleInterval: "x-keap-tenant-throttle-interval",
  tenantThrottleAvailable: "x-keap-tenant-throttle-available",
  tenantThrottleUsed: "x-keap-tenant-throttle-used",
} as const
