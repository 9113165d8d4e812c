/**
 * Options of the Keap sandbox, their defaults, and the deterministic default credentials.
 *
 * @since 0.1.0
 */
import type { Dataset } from "./Dataset.js"

/** Per-credential windows: requests per second (spike), per minute, per day (resetting at 00:00 UTC). */
export interface RateWindowLimits {
  readonly perSecond: number
  readonly perMinute: number
  readonly perDay: number
}

/** Rate limits as Keap enforces them. */
export interface RateLimits {
  /** One OAuth client (key/secret), counted across every tenant it reaches. */
  readonly oauthClient: RateWindowLimits
  /** Personal Access Tokens and Service Account Keys, counted per tenant. */
  readonly apiKey: RateWindowLimits
  /** Every credential together, per tenant (reported in `x-keap-tenant-throttle-*`). */
  readonly tenant: { readonly perMinute: number; readonly perDay: number }
  /**
   * The 429 body: `quotaFault` is the gateway's `{"fault":{...QuotaViolation}}`; `quotaExceeded` is the other shape
   * seen, `{"code":"429","message":"Quota Exceeded",...}`.
   */
  readonly body: "quotaFault" | "quotaExceeded"
}

/** The limits KEAP.md documents. */
export const keapRateLimits: RateLimits = {
  oauthClient: { perSecond: 25, perMinute: 1500, perDay: 150_000 },
  apiKey: { perSecond: 10, perMinute: 240, perDay: 30_000 },
  tenant: { perMinute: 10_000, perDay: 250_000 },
  body: "quotaFault",
}

/** Overrides of some limits; the rest keep Keap's values. */
export interface RateLimitOverrides {
  readonly oauthClient?: Partial<RateWindowLimits>
  readonly apiKey?: Partial<RateWindowLimits>
  readonly tenant?: Partial<RateLimits["tenant"]>
  readonly body?: RateLimits["body"]
}

/** An OAuth client registered with the sandbox (it reaches every tenant). */
export interface OAuthClientCredentials {
  readonly clientId: string
  readonly clientSecret: string
}

/** A Personal Access Token (`pat`) or Service Account Key (`sak`), bound to one tenant. */
export interface ApiKeyCredential {
  readonly key: string
  readonly tenantId: string
  readonly kind: "pat" | "sak"
  /** The user the key acts as (userinfo); default: the tenant's owner. */
  readonly userId?: number
}

/** Options of `KeapSandbox.layer` and of `pnpm sandbox`. Every field has a default. */
export interface KeapSandboxOptions {
  /** Seed of the generated data (default 42). */
  readonly seed?: number
  /** Number of Keap accounts (default 3). */
  readonly tenants?: number
  /** Users per account (default 50). */
  readonly usersPerTenant?: number
  /** A dataset to serve instead of generating one from `seed`/`tenants`/`usersPerTenant`. */
  readonly dataset?: Dataset
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string
  /** `"off"` answers no 429s (traffic is still counted); otherwise overrides of Keap's limits. */
  readonly limits?: "off" | RateLimitOverrides
  /** Also serve `GET/PATCH/DELETE /v1/users/{id}`, which the brief documents and the v1 spec lacks (default off). */
  readonly legacyUserEndpoints?: boolean
  /** Add an `admin` field to v1 users, as the brief's example shows (default off: the v1 spec has none). */
  readonly v1AdminField?: boolean
  /** `legacy` renders v2 users as older v2 builds did: int64 ids, `Active`-style statuses (default `current`). */
  readonly v2Shape?: "current" | "legacy"
  /** OAuth clients; default: `defaultOAuthClient`. */
  readonly clients?: ReadonlyArray<OAuthClientCredentials>
  /** API keys; default: `defaultApiKeys(tenantId)` for every tenant. */
  readonly apiKeys?: ReadonlyArray<ApiKeyCredential>
  /** Access token lifetime (default 86400 s, 24 h). */
  readonly accessTokenTtlSeconds?: number
  /** Refresh token lifetime (default 45 days). */
  readonly refreshTokenTtlSeconds?: number
  /** The error a dead refresh token gets: `invalid_grant` (default) or `invalid_request` (also seen from Keap). */
  readonly invalidRefreshTokenError?: "invalid_grant" | "invalid_request"
}

/** The OAuth client the sandbox registers when none is given. */
export const defaultOAuthClient: OAuthClientCredentials = {
  clientId: "idgraph-sandbox-client",
  clientSecret: "idgraph-sandbox-secret",
}

/** The API keys the sandbox issues for a tenant when none are given: one PAT and one SAK. */
export const defaultApiKeys = (tenantId: string): ReadonlyArray<ApiKeyCredential> => [
  { kind: "pat", tenantId, key: `KeapAK-sandbox-pat-${tenantId}` },
  { kind: "sak", tenantId, key: `KeapAK-sandbox-sak-${tenantId}` },
]

/** Defaults of the numeric options. */
export const sandboxDefaults = {
  seed: 42,
  tenants: 3,
  usersPerTenant: 50,
  host: "127.0.0.1",
  accessTokenTtlSeconds: 86_400,
  refreshTokenTtlSeconds: 45 * 86_400,
} as const

/** Keap's limits with some overridden. */
export const resolveRateLimits = (overrides: RateLimitOverrides = {}): RateLimits => ({
  oauthClient: { ...keapRateLimits.oauthClient, ...overrides.oauthClient },
  apiKey: { ...keapRateLimits.apiKey, ...overrides.apiKey },
  tenant: { ...keapRateLimits.tenant, ...overrides.tenant },
  body: overrides.body ?? keapRateLimits.body,
})
