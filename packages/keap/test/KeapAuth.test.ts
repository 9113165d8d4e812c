import * as fs from "node:fs/promises"
import { describe, expect, it } from "@effect/vitest"
import { KeapSandbox } from "@idgraph/keap-sandbox"
import { Effect, Either, Layer, Logger, LogLevel, Redacted } from "effect"
import { authorizeUrl, KeapAuth } from "../src/KeapAuth.js"
import { KeapClient } from "../src/KeapClient.js"
import type { KeapTenantConfig } from "../src/KeapConfig.js"
import { KeapNodeLive } from "../src/KeapLayer.js"
import { readTokens, writeTokens } from "../src/KeapTokenStore.js"
import { apiKeyTenant, oauthTenant, sandboxAndClient, tempDir } from "./fixtures/sandbox.js"

const DAY_MS = 86_400_000

/** Every secret a tenant's auth involves: none may appear in a message or a log line. */
const secretsOf = (tenant: KeapTenantConfig) =>
  Effect.gen(function* () {
    if (tenant.auth._tag === "apiKey") return [Redacted.value(tenant.auth.apiKey)]
    const stored = yield* readTokens(tenant.auth.tokenStorePath)
    return [
      Redacted.value(tenant.auth.client.clientSecret),
      ...(stored === null ? [] : [Redacted.value(stored.accessToken), Redacted.value(stored.refreshToken)]),
    ]
  })

const expectNoSecret = (text: string, secrets: ReadonlyArray<string>) => {
  for (const secret of secrets) expect(text).not.toContain(secret)
}

const modeOf = (file: string) => Effect.promise(() => fs.stat(file)).pipe(Effect.map((stat) => stat.mode & 0o777))

describe("KeapAuth against the sandbox", () => {
  it("builds Keap's authorise URL and refuses without a redirect URI", () => {
    const tenant: KeapTenantConfig = {
      name: "ab123",
      auth: {
        _tag: "oauth",
        client: { clientId: Redacted.make("my-client"), clientSecret: Redacted.make("shh") },
        tokenStorePath: "/tmp/x.json",
      },
    }
    expect(Either.isLeft(authorizeUrl(tenant))).toBe(true)
    const url = new URL(Either.getOrThrow(authorizeUrl(tenant, { redirectUri: "https://me/cb", state: "s1" })))
    expect(`${url.origin}${url.pathname}`).toBe("https://accounts.infusionsoft.com/app/oauth/authorize")
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: "my-client",
      redirect_uri: "https://me/cb",
      response_type: "code",
      scope: "full",
      state: "s1",
    })
    expect(url.toString()).not.toContain("shh")
  })

  it.scopedLive("exchanges a code, stores the tokens with mode 0600 and reports their status without them", () =>
    Effect.gen(function* () {
      const sandbox = yield* KeapSandbox
      const tenant = yield* oauthTenant(sandbox, 0, yield* tempDir)
      if (tenant.auth._tag !== "oauth") return yield* Effect.dieMessage("expected an OAuth tenant")
      expect(yield* modeOf(tenant.auth.tokenStorePath)).toBe(0o600)
      const status = yield* (yield* KeapAuth).tokenStatus(tenant)
      expect(status).toMatchObject({ tenant: tenant.name, kind: "oauth", stored: true, expired: false, refreshes: 0 })
      expect(status.scope).toBe(`full|${tenant.name}.infusionsoft.com`)
      expectNoSecret(JSON.stringify(status), yield* secretsOf(tenant))
      const client = yield* (yield* KeapClient).forTenant(tenant)
      // The token acts as the tenant's owner, who authorised it.
      const me = yield* client.userInfoV2
      expect(me.tenant_id).toBe(tenant.name)
      expect(me.is_admin).toBe(true)
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20 }))),
  )

  it.scopedLive(
    "refreshes exactly once for many concurrent requests during an expiry, and stores the rotated token first",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const tenant = yield* oauthTenant(sandbox, 0, yield* tempDir)
        if (tenant.auth._tag !== "oauth") return yield* Effect.dieMessage("expected an OAuth tenant")
        const file = tenant.auth.tokenStorePath
        const before = (yield* readTokens(file))!
        const secretsBefore = yield* secretsOf(tenant)
        const client = yield* (yield* KeapClient).forTenant(tenant)
        const ids = (yield* sandbox.control.listUsers(tenant.name)).slice(0, 12).map((user) => String(user.id))
        const logs: Array<string> = []
        const capture = Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ message }) => logs.push(JSON.stringify(message))),
        )

        // 1. Keap-side expiry: the sandbox's clock passes the token's 24 h; our copy still looks valid, so every
        //    request meets a 401 at once, and they must share one refresh.
        yield* sandbox.control.advanceClock(DAY_MS + 60_000)
        const users = yield* Effect.forEach(ids, (id) => client.getUser(id), { concurrency: "unbounded" }).pipe(
          Effect.provide(capture),
          Logger.withMinimumLogLevel(LogLevel.All),
        )
        expect(users.map((user) => user.id)).toEqual(ids)
        let stats = yield* sandbox.stats
        expect(stats.clients[0]).toMatchObject({ tokenRefreshes: 1, failedRefreshes: 0 })
        const after = (yield* readTokens(file))!
        expect(Redacted.value(after.refreshToken)).not.toBe(Redacted.value(before.refreshToken))
        expect(yield* modeOf(file)).toBe(0o600)
        expect((yield* client.stats).unauthorised).toBe(ids.length)
        expect((yield* (yield* KeapAuth).tokenStatus(tenant)).refreshes).toBe(1)

        // 2. Local expiry, in a fresh process's services: the stored token is past its time, so requests refresh
        //    before sending; still exactly one refresh.
        yield* writeTokens(file, { ...after, expiresAt: Date.now() - 1000 })
        yield* Effect.gen(function* () {
          const fresh = yield* (yield* KeapClient).forTenant(tenant)
          yield* Effect.forEach(ids, (id) => fresh.getUser(id), { concurrency: "unbounded" })
          expect((yield* fresh.stats).unauthorised).toBe(0)
        }).pipe(
          Effect.provide(Layer.fresh(KeapNodeLive)),
          Effect.provide(capture),
          Logger.withMinimumLogLevel(LogLevel.All),
        )
        stats = yield* sandbox.stats
        expect(stats.clients[0]).toMatchObject({ tokenRefreshes: 2, failedRefreshes: 0 })

        const secrets = [...secretsBefore, ...(yield* secretsOf(tenant))]
        expect(logs.some((line) => line.includes("refreshed"))).toBe(true)
        expectNoSecret(logs.join("\n"), secrets)
      }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20 }))),
  )

  it.scopedLive("two processes sharing one token file during an expiry refresh once and both carry on", () =>
    Effect.gen(function* () {
      const sandbox = yield* KeapSandbox
      const tenant = yield* oauthTenant(sandbox, 0, yield* tempDir)
      const [someone] = yield* sandbox.control.listUsers(tenant.name)
      // Each "process" has its own services (sessions, budgets), as two CLI runs would; they share only the file.
      const process = Effect.gen(function* () {
        const client = yield* (yield* KeapClient).forTenant(tenant)
        yield* client.getUser(String(someone!.id))
        return yield* client.stats
      }).pipe(Effect.provide(Layer.fresh(KeapNodeLive)))
      yield* Effect.all([process, process])
      yield* sandbox.control.advanceClock(DAY_MS + 60_000)
      const [first, second] = yield* Effect.all([process, process], { concurrency: 2 })
      expect(first!.unauthorised + second!.unauthorised).toBeGreaterThan(0)
      const stats = yield* sandbox.stats
      expect(stats.clients[0]?.tokenRefreshes).toBe(1)
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20 }))),
  )

  for (const invalidRefreshTokenError of ["invalid_grant", "invalid_request"] as const) {
    it.scopedLive(
      `a revoked refresh token (${invalidRefreshTokenError}) ends in KeapAuthError with the file intact`,
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = yield* oauthTenant(sandbox, 1, yield* tempDir)
          if (tenant.auth._tag !== "oauth") return yield* Effect.dieMessage("expected an OAuth tenant")
          const file = tenant.auth.tokenStorePath
          const bytes = yield* Effect.promise(() => fs.readFile(file, "utf8"))
          expect(yield* sandbox.control.revokeRefreshTokens).toBeGreaterThan(0)
          yield* sandbox.control.advanceClock(DAY_MS + 60_000)
          const client = yield* (yield* KeapClient).forTenant(tenant)
          const [someone] = yield* sandbox.control.listUsers(tenant.name)
          const error = yield* Effect.flip(client.getUser(String(someone!.id)))
          expect(error._tag).toBe("KeapAuthError")
          if (error._tag !== "KeapAuthError") return
          expect(error.reason).toBe("ReauthorizationRequired")
          expect(error.message).toContain("must re-authorise")
          expect(error.message).toContain(file)
          expectNoSecret(`${error.message} ${JSON.stringify(error)}`, yield* secretsOf(tenant))
          expect(yield* Effect.promise(() => fs.readFile(file, "utf8"))).toBe(bytes)
          // Final: asking again does not hammer the token endpoint with the dead token more than once per request.
          const stats = yield* sandbox.stats
          expect(stats.clients[0]?.failedRefreshes).toBe(1)
        }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20, invalidRefreshTokenError }))),
    )
  }

  it.live("an API key Keap rejects is a final KeapAuthError that never shows the key", () =>
    Effect.gen(function* () {
      const sandbox = yield* KeapSandbox
      const tenant: KeapTenantConfig = {
        ...apiKeyTenant(sandbox, 0),
        auth: { _tag: "apiKey", apiKey: Redacted.make("KeapAK-not-a-real-key-0123456789") },
      }
      const client = yield* (yield* KeapClient).forTenant(tenant)
      const error = yield* Effect.flip(client.userInfoV1)
      expect(error._tag).toBe("KeapAuthError")
      expect(error._tag === "KeapAuthError" && error.reason).toBe("InvalidApiKey")
      expectNoSecret(`${error.message} ${JSON.stringify(error)} ${String(error)}`, ["KeapAK-not-a-real-key-0123456789"])
      expect((yield* client.stats).apiCalls).toBe(1)
      // The real key works, through either header Keap accepts.
      const good = yield* (yield* KeapClient).forTenant(apiKeyTenant(sandbox, 0))
      expect((yield* good.userInfoV1).sub).toBeTruthy()
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20 }))),
  )
})
