/**
 * The sandbox's control API (`/__sandbox/...`), as typed functions over HTTP. Works against an in-process sandbox
 * (`KeapSandbox.control`) and against a standalone one (`makeSandboxControl(baseUrl)`).
 *
 * The control API is the sandbox's own, never Keap's: camelCase JSON, no credentials, no limits, no faults.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import type { SandboxUserStatus } from "./Dataset.js"
import type { ApiKeyCredential, OAuthClientCredentials, RateLimits } from "./SandboxOptions.js"

/** Faults injected into Keap API responses until changed or cleared. Rates are probabilities in [0, 1]. */
export interface FaultSettings {
  /** Answer 5xx instead of serving (`status` default 503), at most `count` times when given. */
  readonly serverErrors?: { readonly rate: number; readonly status?: number; readonly count?: number }
  /** Delay every response by `ms` (plus up to `jitterMs`). */
  readonly latency?: { readonly ms: number; readonly jitterMs?: number }
  /** Destroy the connection without answering, at most `count` times when given. */
  readonly connectionResets?: { readonly rate: number; readonly count?: number }
  /** Answer 200 with the JSON body cut in half, at most `count` times when given. */
  readonly truncatedBodies?: { readonly rate: number; readonly count?: number }
  /** Answer 429 to every API request for this long from now, whatever the budgets say. */
  readonly rateLimitStorm?: { readonly durationMs: number }
  /** Also inject into `POST /token` (default: only `/crm/rest`). */
  readonly includeTokenEndpoint?: boolean
}

/** Traffic of one rate budget: an OAuth client (`oauth:<clientId>`) or a tenant's API keys (`apiKey:<tenantId>`). */
export interface CredentialStats {
  readonly credential: string
  readonly kind: "oauth" | "apiKey"
  /** Requests answered after authentication, 429s included. */
  readonly requests: number
  /** 429s answered (limits and storms). */
  readonly throttled: number
  /** The most requests admitted in any sliding one-second window. */
  readonly maxAdmittedPerSecond: number
  /** The most requests admitted in any sliding one-minute window. */
  readonly maxAdmittedPerMinute: number
  /** Requests per tenant. */
  readonly byTenant: Readonly<Record<string, number>>
}

/** Token endpoint activity of one OAuth client. */
export interface ClientStats {
  readonly clientId: string
  readonly codeExchanges: number
  /** Successful refreshes. */
  readonly tokenRefreshes: number
  /** Refreshes answered with an error (dead, reused or unknown refresh token). */
  readonly failedRefreshes: number
}

/** `GET /__sandbox/stats`. */
export interface SandboxStats {
  readonly credentials: ReadonlyArray<CredentialStats>
  readonly clients: ReadonlyArray<ClientStats>
  /** 401s answered. */
  readonly unauthorized: number
  readonly faultsInjected: {
    readonly serverErrors: number
    readonly connectionResets: number
    readonly truncatedBodies: number
    readonly stormRejections: number
  }
}

/** A user as the control API shows it. */
export interface SandboxUser {
  readonly id: number
  readonly globalUserId: number
  readonly keapId: string
  readonly givenName: string
  readonly familyName: string | null
  readonly email: string
  readonly status: SandboxUserStatus
  readonly admin: boolean
  readonly partner: boolean
  readonly createdAt: string
  readonly updatedAt: string
}

/** A user to add through the control API (no invitation; any status). */
export interface NewSandboxUser {
  readonly email: string
  readonly givenName?: string
  readonly familyName?: string
  /** Default `Active`. */
  readonly status?: SandboxUserStatus
  readonly admin?: boolean
  readonly partner?: boolean
  /** Default: the global id of an existing user with the same address in any tenant, else a new one. */
  readonly globalUserId?: number
}

/** Changes to a user through the control API. */
export interface SandboxUserChange {
  readonly email?: string
  readonly status?: SandboxUserStatus
  readonly admin?: boolean
  readonly partner?: boolean
  readonly givenName?: string
  readonly familyName?: string
}

/** A tenant as the control API shows it. */
export interface SandboxTenantInfo {
  readonly id: string
  readonly name: string
  readonly seatLimit: number
  readonly seatsUsed: number
  readonly users: number
  readonly apiKeys: ReadonlyArray<ApiKeyCredential>
}

/** `GET /__sandbox/info`: how the sandbox was started, with every credential it accepts. */
export interface SandboxInfo {
  readonly seed: number
  readonly oauthClients: ReadonlyArray<OAuthClientCredentials>
  readonly tenants: ReadonlyArray<SandboxTenantInfo>
  readonly limits: RateLimits | "off"
  readonly legacyUserEndpoints: boolean
  readonly v1AdminField: boolean
  readonly v2Shape: "current" | "legacy"
}

/** `GET /__sandbox/clock`. */
export interface SandboxClockState {
  /** Sandbox time, ISO-8601. */
  readonly now: string
  readonly offsetMs: number
}

/** A control API call failed (connection, status or body). */
export class SandboxControlError extends Data.TaggedError("SandboxControlError")<{
  readonly message: string
  readonly status?: number
}> {}

/** Typed access to `/__sandbox/...`. */
export interface SandboxControl {
  readonly info: Effect.Effect<SandboxInfo, SandboxControlError>
  readonly tenants: Effect.Effect<ReadonlyArray<SandboxTenantInfo>, SandboxControlError>
  readonly listUsers: (tenantId: string) => Effect.Effect<ReadonlyArray<SandboxUser>, SandboxControlError>
  readonly getUser: (tenantId: string, userId: number) => Effect.Effect<SandboxUser, SandboxControlError>
  readonly addUser: (tenantId: string, user: NewSandboxUser) => Effect.Effect<SandboxUser, SandboxControlError>
  readonly changeUser: (
    tenantId: string,
    userId: number,
    change: SandboxUserChange,
  ) => Effect.Effect<SandboxUser, SandboxControlError>
  readonly removeUser: (tenantId: string, userId: number) => Effect.Effect<void, SandboxControlError>
  /** An invited user accepts: `Invited` -> `Active`. */
  readonly acceptInvitation: (tenantId: string, userId: number) => Effect.Effect<SandboxUser, SandboxControlError>
  readonly setSeatLimit: (tenantId: string, seatLimit: number) => Effect.Effect<SandboxTenantInfo, SandboxControlError>
  readonly clock: Effect.Effect<SandboxClockState, SandboxControlError>
  /** Move sandbox time forward (token and code expiry). */
  readonly advanceClock: (ms: number) => Effect.Effect<SandboxClockState, SandboxControlError>
  /** Replace the injected faults. */
  readonly setFaults: (faults: FaultSettings) => Effect.Effect<FaultSettings, SandboxControlError>
  readonly clearFaults: Effect.Effect<void, SandboxControlError>
  /** Kill every refresh token now; answers how many died. */
  readonly revokeRefreshTokens: Effect.Effect<number, SandboxControlError>
  readonly stats: Effect.Effect<SandboxStats, SandboxControlError>
  readonly resetStats: Effect.Effect<void, SandboxControlError>
  /** Back to the seed data; clears faults, stats and the clock offset (tokens survive). */
  readonly reset: Effect.Effect<void, SandboxControlError>
}

/** The control API of the sandbox at `baseUrl` (e.g. `http://127.0.0.1:8789`). */
export const makeSandboxControl = (baseUrl: string): SandboxControl => {
  const root = `${baseUrl.replace(/\/+$/, "")}/__sandbox`
  const call = <A>(method: string, path: string, body?: unknown): Effect.Effect<A, SandboxControlError> =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(`${root}${path}`, {
          method,
          signal,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        })
        const text = await response.text()
        return { status: response.status, text }
      },
      catch: (cause) => new SandboxControlError({ message: `control API ${method} ${path} failed: ${String(cause)}` }),
    }).pipe(
      Effect.flatMap(({ status, text }) => {
        if (status >= 400) {
          return Effect.fail(
            new SandboxControlError({ message: `control API ${method} ${path} answered ${status}: ${text}`, status }),
          )
        }
        if (text.length === 0) return Effect.succeed(undefined as A)
        return Effect.try({
          try: () => JSON.parse(text) as A,
          catch: () => new SandboxControlError({ message: `control API ${method} ${path} sent invalid JSON`, status }),
        })
      }),
    )
  const tenantPath = (tenantId: string) => `/tenants/${encodeURIComponent(tenantId)}`
  return {
    info: call("GET", "/info"),
    tenants: call("GET", "/tenants"),
    listUsers: (tenantId) => call("GET", `${tenantPath(tenantId)}/users`),
    getUser: (tenantId, userId) => call("GET", `${tenantPath(tenantId)}/users/${userId}`),
    addUser: (tenantId, user) => call("POST", `${tenantPath(tenantId)}/users`, user),
    changeUser: (tenantId, userId, change) => call("PATCH", `${tenantPath(tenantId)}/users/${userId}`, change),
    removeUser: (tenantId, userId) => call("DELETE", `${tenantPath(tenantId)}/users/${userId}`),
    acceptInvitation: (tenantId, userId) => call("POST", `${tenantPath(tenantId)}/users/${userId}/accept`),
    setSeatLimit: (tenantId, seatLimit) => call("PATCH", tenantPath(tenantId), { seatLimit }),
    clock: call("GET", "/clock"),
    advanceClock: (ms) => call("POST", "/clock/advance", { ms }),
    setFaults: (faults) => call("PUT", "/faults", faults),
    clearFaults: call("DELETE", "/faults"),
    revokeRefreshTokens: Effect.map(
      call<{ readonly revoked: number }>("POST", "/oauth/revoke-refresh-tokens"),
      (body) => body.revoked,
    ),
    stats: call("GET", "/stats"),
    resetStats: call("DELETE", "/stats"),
    reset: call("POST", "/reset"),
  }
}
