import { describe, expect, layer } from "@effect/vitest"
import { GatewayFaultBody, V2ErrorBody } from "@idgraph/keap"
import { Effect, Redacted } from "effect"
import { KeapSandbox } from "../src/KeapSandbox.js"
import { type Answer, apiKeyHeaders, bearer, decodeBody, quotaHeaderNames, send } from "./support/http.js"

const clients = ["burst", "steady", "keys-vs-oauth", "cross-tenant"].map((name) => ({
  clientId: `client-${name}`,
  clientSecret: `secret-${name}`,
}))

const statusCounts = (answers: ReadonlyArray<Answer>) => ({
  ok: answers.filter((answer) => answer.status === 200).length,
  throttled: answers.filter((answer) => answer.status === 429).length,
})

const expectQuotaViolation = (answer: Answer) => {
  expect(answer.status).toBe(429)
  expect(answer.headers.get("retry-after")).toBeNull()
  for (const name of quotaHeaderNames) expect(answer.headers.get(name), name).not.toBeNull()
  const body = decodeBody(GatewayFaultBody, answer)
  expect(body.fault.detail?.errorcode).toBe("policies.ratelimit.QuotaViolation")
  expect(body.fault.faultstring).toContain("Rate limit quota violation")
}

const credentialStats = (sandbox: KeapSandbox["Type"], credential: string) =>
  Effect.map(sandbox.stats, (stats) => stats.credentials.find((entry) => entry.credential === credential)!)

layer(KeapSandbox.layer({ seed: 11, tenants: 2, usersPerTenant: 12, clients }), { excludeTestServices: true })(
  "Keap's default limits",
  (it) => {
    it.effect("a burst over 25/s from one OAuth client gets 429s with the quota fault and no Retry-After", () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const tokens = yield* sandbox.authorize({ client: clients[0]! })
        const headers = bearer(Redacted.value(tokens.accessToken))
        const answers = yield* Effect.all(
          Array.from({ length: 60 }, () => send(`${sandbox.apiBaseUrl}/v1/users?limit=1`, { headers })),
          { concurrency: "unbounded" },
        )
        const counts = statusCounts(answers)
        expect(counts.ok + counts.throttled).toBe(60)
        expect(counts.throttled).toBeGreaterThan(0)
        expectQuotaViolation(answers.find((answer) => answer.status === 429)!)
        const ok = answers.find((answer) => answer.status === 200)!
        expect(ok.headers.get("x-keap-product-throttle-limit")).toBe("1500")
        expect(ok.headers.get("x-keap-product-quota-limit")).toBe("150000")
        const stats = yield* credentialStats(sandbox, `oauth:${clients[0]!.clientId}`)
        expect(stats.maxAdmittedPerSecond).toBe(25)
        expect(stats.throttled).toBe(counts.throttled)
        expect(stats.requests).toBe(60)
      }),
    )

    it.effect("traffic at 24/s for three seconds gets no 429", () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const tokens = yield* sandbox.authorize({ client: clients[1]! })
        const headers = bearer(Redacted.value(tokens.accessToken))
        const spacingMs = 1000 / 24
        const statuses: Array<number> = []
        let last = 0
        for (let i = 0; i < 72; i++) {
          // Never closer than 1/24 s to the previous request, even after a slow answer.
          const wait = last + spacingMs - performance.now()
          if (wait > 0) yield* Effect.sleep(wait)
          last = performance.now()
          statuses.push((yield* send(`${sandbox.apiBaseUrl}/v2/users?page_size=1`, { headers })).status)
        }
        expect(statuses.filter((status) => status !== 200)).toEqual([])
        const stats = yield* credentialStats(sandbox, `oauth:${clients[1]!.clientId}`)
        expect(stats.throttled).toBe(0)
        expect(stats.maxAdmittedPerSecond).toBeLessThanOrEqual(25)
        expect(stats.maxAdmittedPerMinute).toBe(72)
      }),
    )

    it.effect("API keys have their own 10/s budget per tenant, apart from the OAuth client's", () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const [first, second] = sandbox.tenants
        const url = `${sandbox.apiBaseUrl}/v1/users?limit=1`
        const burst = yield* Effect.all(
          Array.from({ length: 16 }, () => send(url, { headers: apiKeyHeaders(first!.personalAccessToken!) })),
          { concurrency: "unbounded" },
        )
        expect(statusCounts(burst).throttled).toBeGreaterThan(0)
        expect(burst.find((answer) => answer.status === 200)!.headers.get("x-keap-product-throttle-limit")).toBe("240")
        // The SAK of the same tenant shares the tenant's budget...
        const sak = yield* send(url, { headers: bearer(first!.serviceAccountKey!) })
        expectQuotaViolation(sak)
        // ...while another tenant's key and an OAuth client on the same tenant have budgets of their own.
        expect((yield* send(url, { headers: apiKeyHeaders(second!.personalAccessToken!) })).status).toBe(200)
        const tokens = yield* sandbox.authorize({ client: clients[2]!, tenantId: first!.id })
        expect((yield* send(url, { headers: bearer(Redacted.value(tokens.accessToken)) })).status).toBe(200)
        const stats = yield* credentialStats(sandbox, `apiKey:${first!.id}`)
        expect(stats.maxAdmittedPerSecond).toBe(10)
      }),
    )

    it.effect("an OAuth client's budget is shared across every tenant it reaches", () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const [first, second] = sandbox.tenants
        const a = yield* sandbox.authorize({ client: clients[3]!, tenantId: first!.id })
        const b = yield* sandbox.authorize({ client: clients[3]!, tenantId: second!.id })
        const url = `${sandbox.apiBaseUrl}/v1/users?limit=1`
        const answers = yield* Effect.all(
          Array.from({ length: 32 }, (_, i) =>
            send(url, { headers: bearer(Redacted.value((i % 2 === 0 ? a : b).accessToken)) }),
          ),
          { concurrency: "unbounded" },
        )
        expect(statusCounts(answers).throttled).toBeGreaterThan(0)
        const stats = yield* credentialStats(sandbox, `oauth:${clients[3]!.clientId}`)
        expect(stats.byTenant).toEqual({ [first!.id]: 16, [second!.id]: 16 })
        expect(stats.maxAdmittedPerSecond).toBe(25)
      }),
    )
  },
)

layer(
  KeapSandbox.layer({
    seed: 12,
    tenants: 2,
    usersPerTenant: 10,
    limits: {
      oauthClient: { perSecond: 1000, perMinute: 12 },
      apiKey: { perSecond: 1000, perDay: 8 },
      body: "quotaExceeded",
    },
  }),
  { excludeTestServices: true },
)("configured limits", (it) => {
  describe("windows", () => {
    it.effect("the minute window: request 13 of a minute is refused, with the throttle headers counting down", () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const tokens = yield* sandbox.authorize()
        const headers = bearer(Redacted.value(tokens.accessToken))
        const answers: Array<Answer> = []
        for (let i = 0; i < 13; i++) answers.push(yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=1`, { headers }))
        expect(answers.slice(0, 12).every((answer) => answer.status === 200)).toBe(true)
        expect(answers[0]!.headers.get("x-keap-product-throttle-available")).toBe("11")
        expect(answers[11]!.headers.get("x-keap-product-throttle-available")).toBe("0")
        expect(answers[11]!.headers.get("x-keap-product-throttle-used")).toBe("12")
        const refused = answers[12]!
        expect(refused.status).toBe(429)
        expect(decodeBody(V2ErrorBody, refused)).toEqual({
          code: "429",
          message: "Quota Exceeded",
          status: "Request Throttled",
        })
      }),
    )

    it.effect("the day window: an API key's 9th request of the day is refused until 00:00 UTC", () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const key = sandbox.tenants[1]!.serviceAccountKey!
        const answers: Array<Answer> = []
        for (let i = 0; i < 9; i++) {
          answers.push(yield* send(`${sandbox.apiBaseUrl}/v2/users?page_size=1`, { headers: apiKeyHeaders(key) }))
        }
        expect(answers.slice(0, 8).every((answer) => answer.status === 200)).toBe(true)
        expect(answers[7]!.headers.get("x-keap-product-quota-used")).toBe("8")
        expect(answers[7]!.headers.get("x-keap-product-quota-available")).toBe("0")
        expect(answers[8]!.status).toBe(429)
        const expiry = Number(answers[8]!.headers.get("x-keap-product-quota-expiry-time"))
        expect(expiry % 86_400_000).toBe(0)
        expect(expiry - Date.now()).toBeGreaterThan(0)
        expect(expiry - Date.now()).toBeLessThanOrEqual(86_400_000)
      }),
    )
  })
})
