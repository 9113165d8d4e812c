import { describe, expect, layer } from "@effect/vitest"
import {
  GatewayFaultBody,
  ListUsersPaginatedResponse,
  TokenErrorResponse,
  TokenResponse,
  User,
  Users,
  V2ErrorBody,
} from "@idgraph/keap"
import { Effect, Either, Redacted } from "effect"
import { KeapSandbox } from "../src/KeapSandbox.js"
import { basic, bearer, decodeBody, form, rawBody, send } from "./support/http.js"

const refresh = (sandbox: KeapSandbox["Type"], refreshToken: string) => {
  const request = form({ grant_type: "refresh_token", refresh_token: refreshToken })
  return send(sandbox.tokenUrl, {
    ...request,
    headers: {
      ...request.headers,
      authorization: basic(sandbox.oauthClient.clientId, sandbox.oauthClient.clientSecret),
    },
  })
}

const DAY_MS = 86_400_000

layer(KeapSandbox.layer({ seed: 5, tenants: 2, usersPerTenant: 20, limits: "off" }), { excludeTestServices: true })(
  "SandboxControl",
  (it) => {
    describe("users", () => {
      it.effect("add, change, accept and remove users between runs; Keap's API sees each change", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[0]!
          const key = tenant.serviceAccountKey!
          const getV2 = (id: number) => send(`${sandbox.apiBaseUrl}/v2/users/${id}`, { headers: bearer(key) })
          const added = yield* sandbox.control.addUser(tenant.id, {
            email: "Late.Joiner@Northwind.example",
            givenName: "Late",
            familyName: "Joiner",
            status: "Invited",
          })
          expect(added.status).toBe("Invited")
          expect(decodeBody(User, yield* getV2(added.id)).status).toBe("INVITED")
          const accepted = yield* sandbox.control.acceptInvitation(tenant.id, added.id)
          expect(accepted.status).toBe("Active")
          expect(yield* sandbox.control.getUser(tenant.id, added.id)).toEqual(accepted)
          const again = yield* Effect.either(sandbox.control.acceptInvitation(tenant.id, added.id))
          expect(Either.isLeft(again) && again.left.status).toBe(409)
          yield* sandbox.control.changeUser(tenant.id, added.id, {
            email: "late.joiner@northwind.example",
            admin: true,
            status: "Inactive",
          })
          const changed = decodeBody(User, yield* getV2(added.id))
          expect(changed).toMatchObject({ admin: true, status: "INACTIVE" })
          expect(changed.email_addresses![0]!.email).toBe("late.joiner@northwind.example")
          const v1 = decodeBody(
            Users,
            yield* send(`${sandbox.apiBaseUrl}/v1/users?include_inactive=false`, { headers: bearer(key) }),
          )
          expect(v1.users.some((user) => user.id === String(added.id))).toBe(false)
          yield* sandbox.control.removeUser(tenant.id, added.id)
          expect((yield* getV2(added.id)).status).toBe(404)
          const invalid = yield* Effect.either(sandbox.control.changeUser(tenant.id, 1, { status: "Gone" as "Active" }))
          expect(Either.isLeft(invalid) && invalid.left.status).toBe(400)
        }),
      )

      it.effect("info lists the credentials and options a standalone client needs", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const info = yield* sandbox.control.info
          expect(info.oauthClients).toEqual([sandbox.oauthClient])
          expect(info.tenants.map((tenant) => tenant.apiKeys.map((key) => key.key))).toEqual(
            sandbox.tenants.map((tenant) => [tenant.personalAccessToken, tenant.serviceAccountKey]),
          )
          expect(info).toMatchObject({ seed: 5, limits: "off", legacyUserEndpoints: false, v2Shape: "current" })
        }),
      )

      it.effect("a new address already known in another tenant reuses its global_user_id", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const [first, second] = sandbox.tenants
          const existing = (yield* sandbox.control.listUsers(first!.id))[3]!
          const added = yield* sandbox.control.addUser(second!.id, { email: ` ${existing.email.toUpperCase()} ` })
          expect(added.globalUserId).toBe(existing.globalUserId)
          yield* sandbox.control.removeUser(second!.id, added.id)
        }),
      )
    })

    describe("clock and tokens", () => {
      it.effect("advancing the clock expires access tokens after 24 h and refresh tokens after 45 days", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tokens = yield* sandbox.authorize()
          const url = `${sandbox.apiBaseUrl}/v1/users?limit=1`
          expect((yield* send(url, { headers: bearer(Redacted.value(tokens.accessToken)) })).status).toBe(200)
          const before = yield* sandbox.control.clock
          const after = yield* sandbox.control.advanceClock(DAY_MS + 1000)
          expect(after.offsetMs - before.offsetMs).toBe(DAY_MS + 1000)
          const expired = yield* send(url, { headers: bearer(Redacted.value(tokens.accessToken)) })
          expect(expired.status).toBe(401)
          expect(decodeBody(GatewayFaultBody, expired).fault.detail?.errorcode).toBe(
            "keymanagement.service.access_token_expired",
          )
          const refreshed = yield* refresh(sandbox, Redacted.value(tokens.refreshToken))
          expect(refreshed.status).toBe(200)
          const next = decodeBody(TokenResponse, refreshed)
          expect((yield* send(url, { headers: bearer(Redacted.value(next.access_token)) })).status).toBe(200)
          yield* sandbox.control.advanceClock(46 * DAY_MS)
          const dead = yield* refresh(sandbox, Redacted.value(next.refresh_token))
          expect(decodeBody(TokenErrorResponse, dead).error).toBe("invalid_grant")
        }),
      )

      it.effect("authorization codes expire after 10 minutes of sandbox time", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const authorize = new URL(sandbox.authorizeUrl)
          authorize.search = new URLSearchParams({
            client_id: sandbox.oauthClient.clientId,
            redirect_uri: "http://127.0.0.1:9/cb",
            response_type: "code",
          }).toString()
          const redirect = yield* send(authorize.toString())
          const code = new URL(redirect.headers.get("location")!).searchParams.get("code")!
          yield* sandbox.control.advanceClock(11 * 60_000)
          const answer = yield* send(
            sandbox.tokenUrl,
            form({
              client_id: sandbox.oauthClient.clientId,
              client_secret: sandbox.oauthClient.clientSecret,
              code,
              grant_type: "authorization_code",
              redirect_uri: "http://127.0.0.1:9/cb",
            }),
          )
          expect(answer.status).toBe(400)
          expect(decodeBody(TokenErrorResponse, answer).error).toBe("invalid_grant")
        }),
      )

      it.effect("revoking every refresh token kills them at once", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tokens = yield* sandbox.authorize()
          const revoked = yield* sandbox.control.revokeRefreshTokens
          expect(revoked).toBeGreaterThanOrEqual(1)
          const answer = yield* refresh(sandbox, Redacted.value(tokens.refreshToken))
          expect(answer.status).toBe(400)
          expect(decodeBody(TokenErrorResponse, answer).error).toBe("invalid_grant")
        }),
      )

      it.effect("concurrent refreshes of one token: exactly one succeeds, and stats count it", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const clientStats = Effect.map(
            sandbox.stats,
            (stats) => stats.clients.find((client) => client.clientId === sandbox.oauthClient.clientId)!,
          )
          const tokens = yield* sandbox.authorize()
          const before = yield* clientStats
          const answers = yield* Effect.all(
            Array.from({ length: 5 }, () => refresh(sandbox, Redacted.value(tokens.refreshToken))),
            { concurrency: "unbounded" },
          )
          expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400, 400, 400, 400])
          const after = yield* clientStats
          expect(after.tokenRefreshes - before.tokenRefreshes).toBe(1)
          expect(after.failedRefreshes - before.failedRefreshes).toBe(4)
        }),
      )
    })

    describe("faults", () => {
      it.effect("5xx: a counted number of gateway errors, in the endpoint's shape for a 500", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const key = sandbox.tenants[1]!.serviceAccountKey!
          const url = `${sandbox.apiBaseUrl}/v2/users?page_size=1`
          const before = (yield* sandbox.stats).faultsInjected.serverErrors
          yield* sandbox.control.setFaults({ serverErrors: { rate: 1, count: 2, status: 503 } })
          const first = yield* send(url, { headers: bearer(key) })
          const second = yield* send(url, { headers: bearer(key) })
          const third = yield* send(url, { headers: bearer(key) })
          expect([first.status, second.status, third.status]).toEqual([503, 503, 200])
          expect(decodeBody(GatewayFaultBody, first).fault.faultstring).toContain("unavailable")
          expect(first.headers.get("x-keap-product-quota-limit")).not.toBeNull()
          yield* sandbox.control.setFaults({ serverErrors: { rate: 1, count: 1, status: 500 } })
          const internal = yield* send(url, { headers: bearer(key) })
          expect(internal.status).toBe(500)
          expect(decodeBody(V2ErrorBody, internal).code).toBe(500)
          expect((yield* sandbox.stats).faultsInjected.serverErrors - before).toBe(3)
          yield* sandbox.control.clearFaults
        }),
      )

      it.effect("latency delays answers", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          yield* sandbox.control.setFaults({ latency: { ms: 400 } })
          const started = performance.now()
          const answer = yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=1`, {
            headers: bearer(sandbox.tenants[0]!.serviceAccountKey!),
          })
          expect(answer.status).toBe(200)
          expect(performance.now() - started).toBeGreaterThanOrEqual(390)
          yield* sandbox.control.clearFaults
        }),
      )

      it.effect("connection resets: the request fails without an answer, then service resumes", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const url = `${sandbox.apiBaseUrl}/v1/users?limit=1`
          const headers = bearer(sandbox.tenants[0]!.serviceAccountKey!)
          yield* sandbox.control.setFaults({ connectionResets: { rate: 1, count: 1 } })
          const reset = yield* Effect.either(send(url, { headers }))
          expect(Either.isLeft(reset)).toBe(true)
          expect((yield* send(url, { headers })).status).toBe(200)
          expect((yield* sandbox.stats).faultsInjected.connectionResets).toBeGreaterThanOrEqual(1)
          yield* sandbox.control.clearFaults
        }),
      )

      it.effect("truncated bodies: a 200 whose JSON does not parse", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const url = `${sandbox.apiBaseUrl}/v2/users?page_size=3`
          const headers = bearer(sandbox.tenants[0]!.serviceAccountKey!)
          const whole = yield* send(url, { headers })
          yield* sandbox.control.setFaults({ truncatedBodies: { rate: 1, count: 1 } })
          const cut = yield* send(url, { headers })
          expect(cut.status).toBe(200)
          expect(whole.text.startsWith(cut.text)).toBe(true)
          expect(cut.text.length).toBeLessThan(whole.text.length)
          expect(() => JSON.parse(cut.text)).toThrow()
          expect(decodeBody(ListUsersPaginatedResponse, yield* send(url, { headers })).users).toHaveLength(3)
          yield* sandbox.control.clearFaults
        }),
      )

      it.effect("a 429 storm refuses everything for its window, then ends", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const url = `${sandbox.apiBaseUrl}/v1/users?limit=1`
          const headers = bearer(sandbox.tenants[1]!.personalAccessToken!)
          yield* sandbox.control.setFaults({ rateLimitStorm: { durationMs: 700 } })
          const during = yield* send(url, { headers })
          expect(during.status).toBe(429)
          expect(during.headers.get("retry-after")).toBeNull()
          expect(decodeBody(GatewayFaultBody, during).fault.detail?.errorcode).toBe("policies.ratelimit.QuotaViolation")
          yield* Effect.sleep(800)
          expect((yield* send(url, { headers })).status).toBe(200)
          expect((yield* sandbox.stats).faultsInjected.stormRejections).toBeGreaterThanOrEqual(1)
          yield* sandbox.control.clearFaults
        }),
      )

      it.effect("faults reach the token endpoint only when asked", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tokens = yield* sandbox.authorize()
          yield* sandbox.control.setFaults({ serverErrors: { rate: 1, count: 1, status: 502 } })
          const spared = yield* refresh(sandbox, Redacted.value(tokens.refreshToken))
          expect(spared.status).toBe(200)
          const next = decodeBody(TokenResponse, spared)
          yield* sandbox.control.setFaults({
            serverErrors: { rate: 1, count: 1, status: 502 },
            includeTokenEndpoint: true,
          })
          const hit = yield* refresh(sandbox, Redacted.value(next.refresh_token))
          expect(hit.status).toBe(502)
          // The failed attempt never reached the grant: the refresh token is still alive.
          expect((yield* refresh(sandbox, Redacted.value(next.refresh_token))).status).toBe(200)
          yield* sandbox.control.clearFaults
        }),
      )
    })

    describe("stats and reset", () => {
      it.effect("stats count requests per credential; reset restores the seed data", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[1]!
          yield* sandbox.control.resetStats
          for (let i = 0; i < 3; i++) {
            yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=1`, { headers: bearer(tenant.personalAccessToken!) })
          }
          yield* send(`${sandbox.apiBaseUrl}/v1/users`, { headers: bearer("wrong") })
          const stats = yield* sandbox.stats
          expect(stats.unauthorized).toBe(1)
          expect(stats.credentials).toEqual([
            {
              credential: `apiKey:${tenant.id}`,
              kind: "apiKey",
              requests: 3,
              throttled: 0,
              maxAdmittedPerSecond: stats.credentials[0]!.maxAdmittedPerSecond,
              maxAdmittedPerMinute: 3,
              byTenant: { [tenant.id]: 3 },
            },
          ])
          expect(stats.credentials[0]!.maxAdmittedPerSecond).toBeGreaterThanOrEqual(1)
          const seeded = yield* sandbox.control.listUsers(tenant.id)
          yield* sandbox.control.removeUser(tenant.id, seeded[0]!.id)
          yield* sandbox.control.reset
          expect(yield* sandbox.control.listUsers(tenant.id)).toEqual(seeded)
          expect((yield* sandbox.control.clock).offsetMs).toBe(0)
          const raw = rawBody(
            yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=1`, { headers: bearer(tenant.personalAccessToken!) }),
          )
          expect(raw.count).toBe(seeded.length)
        }),
      )
    })
  },
)
