/**
 * Authentication for Keap: OAuth2 (authorise URL, code exchange, refresh with HTTP Basic) and API keys (PAT/SAK).
 *
 * Refresh is single-flight per token store: concurrent requests that meet an expired or rejected token cause one
 * refresh, and the rotated refresh token is written to the store (atomically, mode 0600) before the new access token
 * is used. `invalid_grant` is final: a `KeapAuthError` that says a person must re-authorise, with the file untouched.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import * as path from "node:path"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Clock, Duration, Effect, Either, Redacted, Schedule, Schema } from "effect"
import { type Answer, errorSummary, exchange, plainClient } from "./internal/http.js"
import {
  baseUrlOf,
  DEFAULT_AUTHORIZE_URL,
  type KeapApiKeyAuth,
  type KeapOAuthAuth,
  type KeapTenantConfig,
} from "./KeapConfig.js"
import { KeapAuthError } from "./KeapError.js"
import { backoffDelay, defaultRetryPolicy, isTransientStatus } from "./KeapRetry.js"
import { TokenResponse } from "./KeapSchema.js"
import { readTokens, type StoredTokens, storedTokensFrom, type TokenStoreError, writeTokens } from "./KeapTokenStore.js"

/** What a person or the CLI may see about a tenant's tokens: never a token. */
export interface TokenStatus {
  readonly tenant: string
  readonly kind: "oauth" | "apiKey"
  /** OAuth only: the token file. */
  readonly tokenStorePath: string | null
  readonly stored: boolean
  /** Epoch ms at which the access token expires, when known. */
  readonly expiresAt: number | null
  readonly expired: boolean | null
  readonly obtainedAt: number | null
  readonly scope: string | null
  /** Refreshes done by this process for this store. */
  readonly refreshes: number
}

/** The credential headers of one request, and the token generation they came from (for the 401 path). */
export interface Authorised {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly generation: number
}

/** A tenant's credential as the client uses it. */
export interface TenantCredentials {
  readonly kind: "oauth" | "apiKey"
  /** A stable key of the credential for rate budgets, derived by hashing (never the secret). */
  readonly budgetKey: string
  /** A printable budget name. */
  readonly budgetLabel: string
  /** Add the credential to a request. */
  readonly authorise: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<Authorised, KeapAuthError>
  /** Keap answered 401 to a request of `generation`: refresh once (shared by every caller of that generation). */
  readonly unauthorised: (generation: number, detail: string) => Effect.Effect<void, KeapAuthError>
}

/** Refresh this long before the access token expires, so no request goes out with a token about to die. */
const EXPIRY_SKEW_MS = 5 * 60_000

const fingerprint = (value: string): string => createHash("sha256").update(value).digest("hex").slice(0, 12)

/** The credential key of an OAuth client: tenants that share a client share a budget. */
export const oauthBudgetKey = (auth: KeapOAuthAuth): string =>
  `oauth:${fingerprint(Redacted.value(auth.client.clientId))}`

/** The credential key of an API key: each key has its own budget. */
export const apiKeyBudgetKey = (auth: KeapApiKeyAuth): string => `apiKey:${fingerprint(Redacted.value(auth.apiKey))}`

/** The URL a person opens to authorise the integration for their Keap account. */
export const authorizeUrl = (
  tenant: KeapTenantConfig,
  options: { readonly redirectUri?: string; readonly state?: string } = {},
): Either.Either<string, KeapAuthError> => {
  if (tenant.auth._tag !== "oauth") {
    return Either.left(
      new KeapAuthError({ tenant: tenant.name, reason: "NotAuthorized", detail: "this tenant uses an API key" }),
    )
  }
  const redirectUri = options.redirectUri ?? tenant.auth.client.redirectUri
  if (redirectUri === undefined) {
    return Either.left(
      new KeapAuthError({ tenant: tenant.name, reason: "NotAuthorized", detail: "no redirect URI is configured" }),
    )
  }
  const url = new URL(tenant.authorizeUrl ?? DEFAULT_AUTHORIZE_URL)
  url.searchParams.set("client_id", Redacted.value(tenant.auth.client.clientId))
  url.searchParams.set("redirect_uri", redirectUri)
  url.searchParams.set("response_type", "code")
  url.searchParams.set("scope", "full")
  if (options.state !== undefined) url.searchParams.set("state", options.state)
  return Either.right(url.toString())
}

interface Session {
  readonly file: string
  tokens: StoredTokens | null
  generation: number
  refreshes: number
  readonly lock: Effect.Semaphore
}

const decodeTokenResponse = Schema.decodeUnknownEither(Schema.parseJson(TokenResponse))

const isInvalidGrant = (answer: Answer): boolean => {
  if (answer.status !== 400 && answer.status !== 401) return false
  const summary = errorSummary(answer)
  return (
    summary.code === "invalid_grant" ||
    (summary.code === "invalid_request" && /refresh token/i.test(summary.message)) ||
    /invalid refresh token/i.test(summary.message)
  )
}

/** The auth service: one session per token store for the life of the layer, shared by every client. */
export class KeapAuth extends Effect.Service<KeapAuth>()("idgraph/KeapAuth", {
  effect: Effect.gen(function* () {
    const http = plainClient(yield* HttpClient.HttpClient)
    const sessions = new Map<string, Session>()

    const sessionOf = (auth: KeapOAuthAuth): Session => {
      const file = path.resolve(auth.tokenStorePath)
      let session = sessions.get(file)
      if (session === undefined) {
        session = { file, tokens: null, generation: 0, refreshes: 0, lock: Effect.unsafeMakeSemaphore(1) }
        sessions.set(file, session)
      }
      return session
    }

    const storeError = (tenant: string, file: string) => (error: TokenStoreError) =>
      new KeapAuthError({ tenant, reason: "TokenStoreUnavailable", detail: error.message, tokenStorePath: file })

    /** POST a form to the token endpoint, retrying only what is transient. */
    const postToken = (
      tenant: KeapTenantConfig,
      file: string,
      form: Record<string, string>,
      basic?: { readonly id: string; readonly secret: string },
    ): Effect.Effect<Answer, KeapAuthError> => {
      let request = HttpClientRequest.post(`${baseUrlOf(tenant)}/token`).pipe(
        HttpClientRequest.bodyUrlParams(form),
        HttpClientRequest.acceptJson,
      )
      if (basic !== undefined) request = HttpClientRequest.basicAuth(request, basic.id, basic.secret)
      const attempt = (n: number): Effect.Effect<Answer, KeapAuthError> =>
        exchange(http, request, defaultRetryPolicy.requestTimeout).pipe(
          Effect.flatMap((answer) =>
            isTransientStatus(answer.status)
              ? Effect.fail({ transient: `HTTP ${answer.status}` })
              : Effect.succeed(answer),
          ),
          Effect.catchAll((failure) => {
            const detail = "transient" in failure ? failure.transient : failure.detail
            if (n >= defaultRetryPolicy.maxAttempts) {
              return Effect.fail(
                new KeapAuthError({
                  tenant: tenant.name,
                  reason: "TokenEndpointFailed",
                  detail: `${detail} after ${n} attempts`,
                  tokenStorePath: file,
                }),
              )
            }
            return Effect.flatMap(backoffDelay(defaultRetryPolicy, n), (delay) => Effect.delay(attempt(n + 1), delay))
          }),
        )
      return attempt(1)
    }

    /** Decode a token answer, or say why it is not one. */
    const tokensFrom = (
      tenant: KeapTenantConfig,
      file: string,
      answer: Answer,
    ): Effect.Effect<StoredTokens, KeapAuthError> =>
      Effect.gen(function* () {
        if (isInvalidGrant(answer)) {
          const summary = errorSummary(answer)
          return yield* new KeapAuthError({
            tenant: tenant.name,
            reason: "ReauthorizationRequired",
            detail: `${summary.code ?? `HTTP ${answer.status}`}: ${summary.message}`,
            tokenStorePath: file,
          })
        }
        if (answer.status !== 200) {
          const summary = errorSummary(answer)
          return yield* new KeapAuthError({
            tenant: tenant.name,
            reason: "TokenEndpointFailed",
            detail: `HTTP ${answer.status} ${summary.code ?? ""} ${summary.message}`.replace(/\s+/g, " ").trim(),
            tokenStorePath: file,
          })
        }
        const decoded = decodeTokenResponse(answer.body)
        if (Either.isLeft(decoded)) {
          return yield* new KeapAuthError({
            tenant: tenant.name,
            reason: "TokenEndpointFailed",
            detail: "the token endpoint answered 200 without an access token and a refresh token",
            tokenStorePath: file,
          })
        }
        return storedTokensFrom(decoded.right, yield* Clock.currentTimeMillis)
      })

    /** Write the new tokens (a few attempts: losing a rotated refresh token locks the integration out). */
    const persist = (tenant: KeapTenantConfig, file: string, tokens: StoredTokens) =>
      writeTokens(file, tokens).pipe(Effect.retry({ times: 3 }), Effect.mapError(storeError(tenant.name, file)))

    /** The refresh itself; the caller holds the session lock. */
    const refreshLocked = (tenant: KeapTenantConfig, auth: KeapOAuthAuth, session: Session) =>
      Effect.gen(function* () {
        const onDisk = yield* readTokens(session.file).pipe(Effect.mapError(storeError(tenant.name, session.file)))
        const now = yield* Clock.currentTimeMillis
        // Another process may have refreshed already: its tokens are newer than ours, and ours are dead.
        if (
          onDisk !== null &&
          session.tokens !== null &&
          onDisk.obtainedAt > session.tokens.obtainedAt &&
          onDisk.expiresAt - EXPIRY_SKEW_MS > now
        ) {
          session.tokens = onDisk
          session.generation++
          return
        }
        const current = session.tokens ?? onDisk
        if (current === null) {
          return yield* new KeapAuthError({
            tenant: tenant.name,
            reason: "ReauthorizationRequired",
            detail: "no tokens are stored for this tenant",
            tokenStorePath: session.file,
          })
        }
        const answer = yield* postToken(
          tenant,
          session.file,
          { grant_type: "refresh_token", refresh_token: Redacted.value(current.refreshToken) },
          { id: Redacted.value(auth.client.clientId), secret: Redacted.value(auth.client.clientSecret) },
        )
        const outcome = yield* tokensFrom(tenant, session.file, answer).pipe(
          Effect.map((tokens) => ({ tokens, adopted: false })),
          Effect.catchIf(
            (error) => error.reason === "ReauthorizationRequired",
            (error) =>
              // Another process may have used the same refresh token a moment before us: it is storing the rotated
              // one now, and then the integration is fine. Watch the file briefly before declaring the grant dead.
              readTokens(session.file).pipe(
                Effect.orElseSucceed(() => null),
                Effect.filterOrFail(
                  (latest): latest is StoredTokens =>
                    latest !== null && Redacted.value(latest.refreshToken) !== Redacted.value(current.refreshToken),
                  () => error,
                ),
                Effect.retry(Schedule.spaced(Duration.millis(100)).pipe(Schedule.upTo(Duration.seconds(2)))),
                Effect.map((latest) => ({ tokens: latest, adopted: true })),
              ),
          ),
        )
        // Durable first: only then may the new access token be used.
        if (!outcome.adopted) yield* persist(tenant, session.file, outcome.tokens)
        session.tokens = outcome.tokens
        session.generation++
        if (!outcome.adopted) session.refreshes++
        yield* Effect.logDebug(`Keap tenant ${tenant.name}: access token refreshed`)
      })

    const loadLocked = (tenant: KeapTenantConfig, session: Session) =>
      Effect.gen(function* () {
        if (session.tokens !== null) return session.tokens
        const onDisk = yield* readTokens(session.file).pipe(Effect.mapError(storeError(tenant.name, session.file)))
        if (onDisk === null) {
          return yield* new KeapAuthError({
            tenant: tenant.name,
            reason: "ReauthorizationRequired",
            detail: "no tokens are stored for this tenant",
            tokenStorePath: session.file,
          })
        }
        session.tokens = onDisk
        return onDisk
      })

    const oauthCredentials = (tenant: KeapTenantConfig, auth: KeapOAuthAuth): TenantCredentials => {
      const session = sessionOf(auth)
      const usable = (tokens: StoredTokens | null, now: number) =>
        tokens !== null && tokens.expiresAt - EXPIRY_SKEW_MS > now
      const accessToken: Effect.Effect<{ token: StoredTokens; generation: number }, KeapAuthError> = Effect.gen(
        function* () {
          const now = yield* Clock.currentTimeMillis
          if (usable(session.tokens, now)) return { token: session.tokens!, generation: session.generation }
          return yield* session.lock.withPermits(1)(
            Effect.gen(function* () {
              const tokens = yield* loadLocked(tenant, session)
              if (!usable(tokens, yield* Clock.currentTimeMillis)) yield* refreshLocked(tenant, auth, session)
              return { token: session.tokens!, generation: session.generation }
            }),
          )
        },
      )
      return {
        kind: "oauth",
        budgetKey: oauthBudgetKey(auth),
        budgetLabel: `oauth client ${oauthBudgetKey(auth).slice(6)}`,
        authorise: (request) =>
          Effect.map(accessToken, ({ token, generation }) => ({
            request: HttpClientRequest.bearerToken(request, Redacted.value(token.accessToken)),
            generation,
          })),
        unauthorised: (generation) =>
          session.lock.withPermits(1)(
            // Decided inside the lock: a caller whose generation is stale lost the race to a refresh that already
            // happened while it waited, and has nothing to do.
            Effect.suspend(() =>
              generation === session.generation ? refreshLocked(tenant, auth, session) : Effect.void,
            ),
          ),
      }
    }

    const apiKeyCredentials = (tenant: KeapTenantConfig, auth: KeapApiKeyAuth): TenantCredentials => ({
      kind: "apiKey",
      budgetKey: apiKeyBudgetKey(auth),
      budgetLabel: `api key ${apiKeyBudgetKey(auth).slice(7)}`,
      authorise: (request) =>
        Effect.succeed({
          request: HttpClientRequest.setHeader(request, "X-Keap-API-Key", Redacted.value(auth.apiKey)),
          generation: 0,
        }),
      unauthorised: (_generation, detail) =>
        Effect.fail(new KeapAuthError({ tenant: tenant.name, reason: "InvalidApiKey", detail })),
    })

    /** The credential of a tenant, as requests use it. */
    const credentialsFor = (tenant: KeapTenantConfig): TenantCredentials =>
      tenant.auth._tag === "oauth" ? oauthCredentials(tenant, tenant.auth) : apiKeyCredentials(tenant, tenant.auth)

    const requireOAuth = (tenant: KeapTenantConfig): Effect.Effect<KeapOAuthAuth, KeapAuthError> =>
      tenant.auth._tag === "oauth"
        ? Effect.succeed(tenant.auth)
        : Effect.fail(
            new KeapAuthError({ tenant: tenant.name, reason: "NotAuthorized", detail: "this tenant uses an API key" }),
          )

    /** What is known about a tenant's tokens. */
    const tokenStatus = (tenant: KeapTenantConfig): Effect.Effect<TokenStatus, KeapAuthError> =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (tenant.auth._tag === "apiKey") {
          return {
            tenant: tenant.name,
            kind: "apiKey",
            tokenStorePath: null,
            stored: true,
            expiresAt: null,
            expired: null,
            obtainedAt: null,
            scope: null,
            refreshes: 0,
          } as const
        }
        const session = sessionOf(tenant.auth)
        const tokens = yield* readTokens(session.file).pipe(Effect.mapError(storeError(tenant.name, session.file)))
        return {
          tenant: tenant.name,
          kind: "oauth",
          tokenStorePath: session.file,
          stored: tokens !== null,
          expiresAt: tokens?.expiresAt ?? null,
          expired: tokens === null ? null : tokens.expiresAt <= now,
          obtainedAt: tokens?.obtainedAt ?? null,
          scope: tokens?.scope ?? null,
          refreshes: session.refreshes,
        } as const
      })

    /** Exchange an authorisation code for tokens and store them (replacing any stored before). */
    const exchangeCode = (
      tenant: KeapTenantConfig,
      code: string,
      options: { readonly redirectUri?: string } = {},
    ): Effect.Effect<TokenStatus, KeapAuthError> =>
      Effect.gen(function* () {
        const auth = yield* requireOAuth(tenant)
        const session = sessionOf(auth)
        const redirectUri = options.redirectUri ?? auth.client.redirectUri
        if (redirectUri === undefined) {
          return yield* new KeapAuthError({
            tenant: tenant.name,
            reason: "NotAuthorized",
            detail: "no redirect URI is configured",
          })
        }
        yield* session.lock.withPermits(1)(
          Effect.gen(function* () {
            const answer = yield* postToken(tenant, session.file, {
              client_id: Redacted.value(auth.client.clientId),
              client_secret: Redacted.value(auth.client.clientSecret),
              code,
              grant_type: "authorization_code",
              redirect_uri: redirectUri,
            })
            const tokens = yield* tokensFrom(tenant, session.file, answer)
            yield* persist(tenant, session.file, tokens)
            session.tokens = tokens
            session.generation++
          }),
        )
        return yield* tokenStatus(tenant)
      })

    /** Refresh now, whatever the expiry (e.g. `idgraph auth refresh`). */
    const refresh = (tenant: KeapTenantConfig): Effect.Effect<TokenStatus, KeapAuthError> =>
      Effect.gen(function* () {
        const auth = yield* requireOAuth(tenant)
        const session = sessionOf(auth)
        yield* session.lock.withPermits(1)(
          Effect.gen(function* () {
            yield* loadLocked(tenant, session)
            yield* refreshLocked(tenant, auth, session)
          }),
        )
        return yield* tokenStatus(tenant)
      })

    return {
      credentialsFor,
      tokenStatus,
      exchangeCode,
      refresh,
      authorizeUrl: (tenant: KeapTenantConfig, options?: { readonly redirectUri?: string; readonly state?: string }) =>
        Either.match(authorizeUrl(tenant, options), { onLeft: Effect.fail, onRight: Effect.succeed }),
    } as const
  }),
}) {}
