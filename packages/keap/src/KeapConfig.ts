/**
 * How a tenant is reached: its name, its credential and Keap's endpoints. Decodable from JSON (secrets arrive as
 * strings and decode to `Redacted`), so the CLI can read a config file with `Schema.decodeUnknown(KeapTenantConfig)`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** Keap's production API base; the API lives under `<base>/crm/rest/v1` and `<base>/crm/rest/v2`. */
export const DEFAULT_BASE_URL = "https://api.infusionsoft.com"
/** Keap's production authorise page. */
export const DEFAULT_AUTHORIZE_URL = "https://accounts.infusionsoft.com/app/oauth/authorize"

/** The three windows of a credential's rate limit. */
export const RateLimits = Schema.Struct({
  perSecond: Schema.Number.pipe(Schema.positive()),
  perMinute: Schema.Number.pipe(Schema.positive()),
  perDay: Schema.Number.pipe(Schema.positive()),
})
export type RateLimits = typeof RateLimits.Type

/** Keap's limits for an OAuth client (counted across every tenant the app reaches). */
export const OAUTH_LIMITS: RateLimits = { perSecond: 25, perMinute: 1500, perDay: 150_000 }
/** Keap's limits for a Personal Access Token or Service Account Key (counted per tenant). */
export const API_KEY_LIMITS: RateLimits = { perSecond: 10, perMinute: 240, perDay: 30_000 }

/** An OAuth2 client registered with Keap. Tenants that use the same client share one rate budget. */
export const KeapOAuthClient = Schema.Struct({
  clientId: Schema.Redacted(Schema.String.pipe(Schema.minLength(1))),
  clientSecret: Schema.Redacted(Schema.String.pipe(Schema.minLength(1))),
  /** The redirect URI registered with the client, used by the authorise URL and the code exchange. */
  redirectUri: Schema.optional(Schema.String),
})
export type KeapOAuthClient = typeof KeapOAuthClient.Type

/** OAuth2: tokens live in a file of their own (mode 0600), one per tenant. */
export const KeapOAuthAuth = Schema.TaggedStruct("oauth", {
  client: KeapOAuthClient,
  tokenStorePath: Schema.String.pipe(Schema.minLength(1)),
})
export type KeapOAuthAuth = typeof KeapOAuthAuth.Type

/** A Personal Access Token or Service Account Key (`KeapAK...`), sent as `X-Keap-API-Key`. */
export const KeapApiKeyAuth = Schema.TaggedStruct("apiKey", {
  apiKey: Schema.Redacted(Schema.String.pipe(Schema.minLength(1))),
})
export type KeapApiKeyAuth = typeof KeapApiKeyAuth.Type

/** A tenant's credential. */
export const KeapAuthConfig = Schema.Union(KeapOAuthAuth, KeapApiKeyAuth)
export type KeapAuthConfig = typeof KeapAuthConfig.Type

/** Which listing an extraction uses. v2 is the default: only v2 carries `admin`. */
export const KeapApiVersion = Schema.Literal("v2", "v1")
export type KeapApiVersion = typeof KeapApiVersion.Type

/** One Keap tenant (a Keap account) to extract or administer. */
export const KeapTenantConfig = Schema.Struct({
  /** The tenant's name in the graph (`keap:<name>`): the Keap app name such as `ab123` is a good choice. */
  name: Schema.String.pipe(Schema.pattern(/^\S{1,128}$/)),
  auth: KeapAuthConfig,
  /** API base URL; defaults to `DEFAULT_BASE_URL`. */
  baseUrl: Schema.optional(Schema.String),
  /** Authorise page URL; defaults to `DEFAULT_AUTHORIZE_URL`. */
  authorizeUrl: Schema.optional(Schema.String),
  /** Listing API version; defaults to `v2`. */
  apiVersion: Schema.optional(KeapApiVersion),
  /** Override the credential's limits (e.g. a raised quota, or a sandbox). */
  limits: Schema.optional(Schema.partial(RateLimits)),
  /** Requests in flight at once for this credential; defaults to 8. */
  maxInFlight: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.positive())),
})
export type KeapTenantConfig = typeof KeapTenantConfig.Type

/** The API base of a tenant without a trailing slash. */
export const baseUrlOf = (tenant: Pick<KeapTenantConfig, "baseUrl">): string =>
  (tenant.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "")

/** The limits that apply to a tenant's credential, after overrides. */
export const limitsOf = (tenant: Pick<KeapTenantConfig, "auth" | "limits">): RateLimits => ({
  ...(tenant.auth._tag === "oauth" ? OAUTH_LIMITS : API_KEY_LIMITS),
  ...Object.fromEntries(Object.entries(tenant.limits ?? {}).filter(([, value]) => value !== undefined)),
})
