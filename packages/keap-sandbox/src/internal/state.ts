/**
 * All mutable sandbox state in one place: the tenants' users, OAuth grants and tokens, API keys, rate budgets,
 * injected faults and statistics. HTTP handlers read and change it synchronously, so each request sees a consistent
 * state without locks (Node runs them one at a time between awaits).
 */
import { randomBytes } from "node:crypto"
import { type Dataset, generateDataset } from "../Dataset.js"
import type { FaultSettings, SandboxStats } from "../SandboxControl.js"
import {
  type ApiKeyCredential,
  defaultApiKeys,
  defaultOAuthClient,
  type KeapSandboxOptions,
  type OAuthClientCredentials,
  type RateLimits,
  type RateWindowLimits,
  resolveRateLimits,
  sandboxDefaults,
} from "../SandboxOptions.js"
import { AdmissionLog } from "./admission.js"
import { SandboxClock } from "./clock.js"
import { makePrng, type Prng } from "./prng.js"
import { TenantStore } from "./store.js"

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly seed: number
  readonly port: number
  readonly host: string
  readonly limits: RateLimits
  readonly enforceLimits: boolean
  readonly legacyUserEndpoints: boolean
  readonly v1AdminField: boolean
  readonly v2Shape: "current" | "legacy"
  readonly accessTokenTtlMs: number
  readonly refreshTokenTtlMs: number
  readonly invalidRefreshTokenError: "invalid_grant" | "invalid_request"
}

/** A rate budget: what Keap counts requests against. */
export class Budget {
  readonly log = new AdmissionLog()
  readonly byTenant = new Map<string, number>()
  constructor(
    readonly key: string,
    readonly kind: "oauth" | "apiKey",
    readonly windows: RateWindowLimits,
  ) {}
}

/** Who a Keap API request acts as, once authenticated. */
export interface Principal {
  readonly kind: "oauth" | "apiKey"
  readonly budget: Budget
  readonly tenant: TenantStore
  readonly userId: number
}

interface Grant {
  readonly clientId: string
  readonly tenantId: string
  readonly userId: number
  readonly expiresAt: number
}

interface AuthorizationCode extends Grant {
  readonly redirectUri: string
}

interface ClientCounters {
  codeExchanges: number
  tokenRefreshes: number
  failedRefreshes: number
}

const CODE_TTL_MS = 10 * 60_000

/** A fresh unguessable token. */
const newToken = (bytes: number) => randomBytes(bytes).toString("base64url")

/** Why a bearer credential was refused, for the 401 body. */
export type AuthFailure = "missing" | "invalid" | "expired"

export class SandboxState {
  readonly options: ResolvedOptions
  readonly clock = new SandboxClock()
  readonly dataset: Dataset
  readonly tenants = new Map<string, TenantStore>()
  readonly tenantOrder: ReadonlyArray<TenantStore>
  readonly clients = new Map<string, OAuthClientCredentials>()
  readonly apiKeys = new Map<string, ApiKeyCredential>()
  private readonly codes = new Map<string, AuthorizationCode>()
  private readonly accessTokens = new Map<string, Grant>()
  private readonly refreshTokens = new Map<string, Grant>()
  readonly budgets = new Map<string, Budget>()
  readonly tenantLogs = new Map<string, AdmissionLog>()
  private readonly clientCounters = new Map<string, ClientCounters>()
  /** `http://host:port` once listening: the fallback origin of absolute URLs. */
  baseUrl = ""
  unauthorized = 0
  faults: FaultSettings = {}
  private faultBudget = { serverErrors: Infinity, connectionResets: Infinity, truncatedBodies: Infinity }
  stormUntil = 0
  readonly faultCounters = { serverErrors: 0, connectionResets: 0, truncatedBodies: 0, stormRejections: 0 }
  readonly faultPrng: Prng
  private nextGlobalUserId: number

  constructor(input: KeapSandboxOptions) {
    const seed = input.seed ?? sandboxDefaults.seed
    this.dataset =
      input.dataset ??
      generateDataset(
        seed,
        input.tenants ?? sandboxDefaults.tenants,
        input.usersPerTenant ?? sandboxDefaults.usersPerTenant,
      )
    this.options = {
      seed,
      port: input.port ?? 0,
      host: input.host ?? sandboxDefaults.host,
      limits: resolveRateLimits(input.limits === "off" ? {} : input.limits),
      enforceLimits: input.limits !== "off",
      legacyUserEndpoints: input.legacyUserEndpoints ?? false,
      v1AdminField: input.v1AdminField ?? false,
      v2Shape: input.v2Shape ?? "current",
      accessTokenTtlMs: (input.accessTokenTtlSeconds ?? sandboxDefaults.accessTokenTtlSeconds) * 1000,
      refreshTokenTtlMs: (input.refreshTokenTtlSeconds ?? sandboxDefaults.refreshTokenTtlSeconds) * 1000,
      invalidRefreshTokenError: input.invalidRefreshTokenError ?? "invalid_grant",
    }
    this.faultPrng = makePrng(seed, 99)
    for (const seedTenant of this.dataset.tenants) this.tenants.set(seedTenant.id, new TenantStore(seedTenant))
    this.tenantOrder = [...this.tenants.values()]
    for (const client of input.clients ?? [defaultOAuthClient]) this.clients.set(client.clientId, client)
    const keys = input.apiKeys ?? this.tenantOrder.flatMap((tenant) => defaultApiKeys(tenant.id))
    for (const key of keys) {
      const tenant = this.tenants.get(key.tenantId)
      if (tenant === undefined) throw new Error(`API key for unknown tenant ${key.tenantId}`)
      this.apiKeys.set(key.key, { ...key, userId: key.userId ?? tenant.owner()?.id ?? 1 })
    }
    let maxGlobal = 0
    for (const tenant of this.tenantOrder)
      for (const user of tenant.all()) maxGlobal = Math.max(maxGlobal, user.globalUserId)
    this.nextGlobalUserId = maxGlobal + 1
  }

  /** A global user id for a new address: the existing one when the address already has a Keap login. */
  globalUserIdFor(email: string): number {
    for (const tenant of this.tenantOrder) {
      const existing = tenant.findByEmail(email)
      if (existing !== undefined) return existing.globalUserId
    }
    return this.nextGlobalUserId++
  }

  // -------------------------------------------------------------------------------------------------------------
  // OAuth
  // -------------------------------------------------------------------------------------------------------------

  private counters(clientId: string): ClientCounters {
    let counters = this.clientCounters.get(clientId)
    if (counters === undefined) {
      counters = { codeExchanges: 0, tokenRefreshes: 0, failedRefreshes: 0 }
      this.clientCounters.set(clientId, counters)
    }
    return counters
  }

  issueCode(clientId: string, tenantId: string, userId: number, redirectUri: string): string {
    const code = newToken(24)
    this.codes.set(code, { clientId, tenantId, userId, redirectUri, expiresAt: this.clock.now() + CODE_TTL_MS })
    return code
  }

  private issued = 0

  /** Forget dead grants now and then, so that long runs do not accumulate them. */
  private sweep(now: number) {
    if (++this.issued % 1000 !== 0) return
    for (const map of [this.codes, this.accessTokens, this.refreshTokens] as const) {
      for (const [token, grant] of map) if (grant.expiresAt <= now) map.delete(token)
    }
  }

  private issueTokens(grant: Omit<Grant, "expiresAt">) {
    const now = this.clock.now()
    this.sweep(now)
    const accessToken = newToken(32)
    const refreshToken = newToken(32)
    this.accessTokens.set(accessToken, { ...grant, expiresAt: now + this.options.accessTokenTtlMs })
    this.refreshTokens.set(refreshToken, { ...grant, expiresAt: now + this.options.refreshTokenTtlMs })
    return {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: Math.floor(this.options.accessTokenTtlMs / 1000),
      refresh_token: refreshToken,
      scope: `full|${grant.tenantId}.infusionsoft.com`,
    }
  }

  /** A code exchange; codes are single use. */
  exchangeCode(clientId: string, code: string, redirectUri: string) {
    const grant = this.codes.get(code)
    if (grant === undefined || grant.clientId !== clientId || grant.expiresAt <= this.clock.now()) {
      return { _tag: "error", description: "Invalid authorization code" } as const
    }
    if (grant.redirectUri !== redirectUri) return { _tag: "error", description: "Redirect URI mismatch" } as const
    this.codes.delete(code)
    this.counters(clientId).codeExchanges++
    const { clientId: owner, tenantId, userId } = grant
    return { _tag: "ok", tokens: this.issueTokens({ clientId: owner, tenantId, userId }) } as const
  }

  /** A refresh: the old refresh token dies on use, whatever happens next. */
  refresh(clientId: string, refreshToken: string) {
    const grant = this.refreshTokens.get(refreshToken)
    if (grant === undefined || grant.clientId !== clientId || grant.expiresAt <= this.clock.now()) {
      this.counters(clientId).failedRefreshes++
      return { _tag: "error" } as const
    }
    this.refreshTokens.delete(refreshToken)
    this.counters(clientId).tokenRefreshes++
    const { tenantId, userId } = grant
    return { _tag: "ok", tokens: this.issueTokens({ clientId, tenantId, userId }) } as const
  }

  revokeRefreshTokens(): number {
    const revoked = this.refreshTokens.size
    this.refreshTokens.clear()
    return revoked
  }

  // -------------------------------------------------------------------------------------------------------------
  // Gateway: authentication and rate limits
  // -------------------------------------------------------------------------------------------------------------

  budget(key: string, kind: "oauth" | "apiKey"): Budget {
    let budget = this.budgets.get(key)
    if (budget === undefined) {
      budget = new Budget(key, kind, kind === "oauth" ? this.options.limits.oauthClient : this.options.limits.apiKey)
      this.budgets.set(key, budget)
    }
    return budget
  }

  tenantLog(tenantId: string): AdmissionLog {
    let log = this.tenantLogs.get(tenantId)
    if (log === undefined) {
      log = new AdmissionLog()
      this.tenantLogs.set(tenantId, log)
    }
    return log
  }

  private apiKeyPrincipal(key: string): Principal | undefined {
    const credential = this.apiKeys.get(key)
    if (credential === undefined) return undefined
    const tenant = this.tenants.get(credential.tenantId)!
    return {
      kind: "apiKey",
      budget: this.budget(`apiKey:${tenant.id}`, "apiKey"),
      tenant,
      userId: credential.userId ?? 1,
    }
  }

  /** Resolve the credential of a Keap API request: `X-Keap-API-Key`, or a Bearer access token or API key. */
  authenticate(apiKeyHeader: string | undefined, authorization: string | undefined): Principal | AuthFailure {
    if (apiKeyHeader !== undefined && apiKeyHeader.length > 0) return this.apiKeyPrincipal(apiKeyHeader) ?? "invalid"
    if (authorization === undefined) return "missing"
    const match = /^bearer\s+(.+)$/i.exec(authorization.trim())
    if (match === null) return "invalid"
    const token = match[1]!
    const grant = this.accessTokens.get(token)
    if (grant !== undefined) {
      if (grant.expiresAt <= this.clock.now()) return "expired"
      const tenant = this.tenants.get(grant.tenantId)!
      return { kind: "oauth", budget: this.budget(`oauth:${grant.clientId}`, "oauth"), tenant, userId: grant.userId }
    }
    return this.apiKeyPrincipal(token) ?? "invalid"
  }

  // -------------------------------------------------------------------------------------------------------------
  // Faults
  // -------------------------------------------------------------------------------------------------------------

  setFaults(faults: FaultSettings) {
    this.faults = faults
    this.faultBudget = {
      serverErrors: faults.serverErrors?.count ?? Infinity,
      connectionResets: faults.connectionResets?.count ?? Infinity,
      truncatedBodies: faults.truncatedBodies?.count ?? Infinity,
    }
    this.stormUntil = faults.rateLimitStorm === undefined ? 0 : Date.now() + faults.rateLimitStorm.durationMs
  }

  /** Roll for a fault of a kind; counts it when it fires. */
  rollFault(kind: "serverErrors" | "connectionResets" | "truncatedBodies"): boolean {
    const setting = this.faults[kind]
    if (setting === undefined || setting.rate <= 0 || this.faultBudget[kind] <= 0) return false
    if (setting.rate < 1 && !this.faultPrng.chance(setting.rate)) return false
    this.faultBudget[kind]--
    this.faultCounters[kind]++
    return true
  }

  stormActive(): boolean {
    return this.stormUntil > Date.now()
  }

  // -------------------------------------------------------------------------------------------------------------
  // Stats and reset
  // -------------------------------------------------------------------------------------------------------------

  stats(): SandboxStats {
    return {
      credentials: [...this.budgets.values()].map((budget) => ({
        credential: budget.key,
        kind: budget.kind,
        requests: budget.log.requests,
        throttled: budget.log.throttled,
        maxAdmittedPerSecond: budget.log.maxPerSecond,
        maxAdmittedPerMinute: budget.log.maxPerMinute,
        byTenant: Object.fromEntries(budget.byTenant),
      })),
      clients: [...this.clients.keys()].map((clientId) => ({ clientId, ...this.counters(clientId) })),
      unauthorized: this.unauthorized,
      faultsInjected: { ...this.faultCounters },
    }
  }

  resetStats() {
    this.budgets.clear()
    this.tenantLogs.clear()
    this.clientCounters.clear()
    this.unauthorized = 0
    this.faultCounters.serverErrors = 0
    this.faultCounters.connectionResets = 0
    this.faultCounters.truncatedBodies = 0
    this.faultCounters.stormRejections = 0
  }

  /** Back to the seed data, no faults, fresh stats, no clock offset. Tokens and keys survive. */
  reset() {
    for (const seedTenant of this.dataset.tenants) this.tenants.get(seedTenant.id)?.load(seedTenant)
    this.setFaults({})
    this.resetStats()
    this.clock.reset()
  }
}
