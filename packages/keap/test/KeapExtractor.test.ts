import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "@effect/vitest"
import type { AccountRecord } from "@idgraph/identity"
import { KeapSandbox, type SandboxUser } from "@idgraph/keap-sandbox"
import { Chunk, Effect, Either, Redacted, Stream } from "effect"
import type { KeapApiVersion, KeapTenantConfig } from "../src/KeapConfig.js"
import { type ExtractOptions, extractTenant } from "../src/KeapExtractor.js"
import { KeapNodeLive } from "../src/KeapLayer.js"
import { apiKeyTenant, sandboxAndClient } from "./fixtures/sandbox.js"

const USERS = 500

/** Extract a tenant and compare with what the sandbox holds: every user once, nothing invented, fields right. */
const extractExactly = (tenant: KeapTenantConfig, options: ExtractOptions) =>
  Effect.gen(function* () {
    const sandbox = yield* KeapSandbox
    const extraction = yield* extractTenant(tenant, options)
    const records = Chunk.toReadonlyArray(yield* Stream.runCollect(extraction.records))
    const truth = yield* sandbox.control.listUsers(tenant.name)
    const ids = records.map((record) => record.externalId)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(truth.map((user) => String(user.id)).sort())
    const byId = new Map<string, SandboxUser>(truth.map((user) => [String(user.id), user]))
    for (const record of records) {
      const user = byId.get(record.externalId)!
      expect(record.tenant).toBe(tenant.name)
      expect(record.emailRaw).toBe(user.email)
      expect(record.email).toBe(user.email.trim().toLowerCase())
      expect(record.globalUserId).toBe(String(user.globalUserId))
      expect(record.infusionsoftId).toBe(user.keapId)
      expect(record.statusRaw?.toLowerCase().replace(/_/g, "")).toBe(user.status.toLowerCase())
      expect(record.admin).toBe(options.api === "v1" ? null : user.admin)
      expect(record.partner).toBe(user.partner)
    }
    const stats = yield* extraction.stats
    expect(stats.state).toBe("complete")
    expect(stats.records).toBe(truth.length)
    expect(stats.quarantined).toEqual([])
    return { records, stats }
  })

describe("KeapExtractor against the sandbox", () => {
  it.live(
    "extracts 3 tenants x 500 users exactly, in v2 and in v1 mode",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        for (const api of ["v2", "v1"] as const satisfies ReadonlyArray<KeapApiVersion>) {
          const results = yield* Effect.forEach(
            [0, 1, 2],
            (index) => extractExactly(apiKeyTenant(sandbox, index), { api, limit: 200 }),
            { concurrency: 3 },
          )
          for (const { stats } of results) {
            expect(stats.records).toBe(USERS)
            // v2 pages hold 100 users; v1 pages the limit asked for (200), stopping at the short page.
            expect(stats.pages).toBe(api === "v2" ? 5 : 3)
            expect(stats.apiCalls).toBe(stats.pages)
          }
        }
      }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: USERS, limits: "off" }))),
    120_000,
  )

  it.live(
    "completes exactly through 5% server errors, resets and cut bodies, and through a 429 storm mid-run",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const faults = {
          serverErrors: { rate: 0.05 },
          connectionResets: { rate: 0.05 },
          truncatedBodies: { rate: 0.05 },
        }
        yield* sandbox.control.setFaults(faults)
        const tenant = apiKeyTenant(sandbox, 0)
        let emitted = 0
        const extraction = yield* extractTenant(tenant, { pageSize: 10 })
        const records = yield* extraction.records.pipe(
          Stream.tap(() =>
            ++emitted === 200
              ? Effect.asVoid(sandbox.control.setFaults({ ...faults, rateLimitStorm: { durationMs: 1500 } }))
              : Effect.void,
          ),
          Stream.runCollect,
        )
        const truth = yield* sandbox.control.listUsers(tenant.name)
        const ids = Chunk.toReadonlyArray(records).map((record: AccountRecord) => record.externalId)
        expect(new Set(ids).size).toBe(ids.length)
        expect([...ids].sort()).toEqual(truth.map((user) => String(user.id)).sort())
        const stats = yield* extraction.stats
        const sandboxStats = yield* sandbox.stats
        const injected = sandboxStats.faultsInjected
        // The faults really happened, and each was absorbed by a retry.
        expect(injected.serverErrors + injected.connectionResets + injected.truncatedBodies).toBeGreaterThan(0)
        expect(injected.stormRejections).toBeGreaterThan(0)
        expect(stats.rateLimited).toBe(injected.stormRejections)
        expect(stats.transientFailures).toBe(
          injected.serverErrors + injected.connectionResets + injected.truncatedBodies,
        )
        expect(stats.retries).toBe(stats.transientFailures + stats.rateLimited)
        expect(stats.apiCalls).toBe(stats.pages + stats.retries)
      }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: USERS, limits: "off" }))),
    120_000,
  )

  it.live(
    "reports a v1 count that changed mid-listing and never emits a user twice",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const tenant = apiKeyTenant(sandbox, 0)
        const extraction = yield* extractTenant(tenant, { api: "v1", limit: 20 })
        let emitted = 0
        const records = yield* extraction.records.pipe(
          Stream.tap(() =>
            // After the first page, a new user arrives: the count Keap reports changes under the listing.
            ++emitted === 20
              ? Effect.asVoid(
                  sandbox.control.addUser(tenant.name, { email: "late.joiner@example.com", givenName: "Late" }),
                )
              : Effect.void,
          ),
          Stream.runCollect,
        )
        const ids = Chunk.toReadonlyArray(records).map((record) => record.externalId)
        expect(new Set(ids).size).toBe(ids.length)
        const stats = yield* extraction.stats
        expect(stats.countDrift).toEqual([{ page: 2, previousCount: 50, reportedCount: 51 }])
        expect(stats.warnings.length).toBeGreaterThan(0)
        expect(stats.state).toBe("complete")
      }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 50, limits: "off" }))),
    60_000,
  )

  it.live(
    "reads older v2 builds (int64 ids, Active-style statuses) and v1 with an admin field the same way",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        const tenant = apiKeyTenant(sandbox, 2)
        const truth = yield* sandbox.control.listUsers(tenant.name)
        for (const api of ["v2", "v1"] as const) {
          const extraction = yield* extractTenant(tenant, { api })
          const records = Chunk.toReadonlyArray(yield* Stream.runCollect(extraction.records))
          expect(records.map((record) => record.externalId).sort()).toEqual(truth.map((user) => String(user.id)).sort())
          // Both builds carry admin here: the legacy v1 admin field is read when present.
          const admins = new Set(truth.filter((user) => user.admin).map((user) => String(user.id)))
          for (const record of records) expect(record.admin).toBe(admins.has(record.externalId))
          expect(records.every((record) => record.status !== "unknown")).toBe(true)
        }
      }).pipe(
        Effect.provide(sandboxAndClient({ usersPerTenant: 60, limits: "off", v2Shape: "legacy", v1AdminField: true })),
      ),
    60_000,
  )
})

/**
 * Answers the sandbox cannot give (it is faithful to a Keap that behaves): a user without an id, a user listed on two
 * pages, a cursor that comes back, an offset that is ignored. A plain HTTP server on loopback serves them, page by page.
 */
const misbehavingKeap = (pages: {
  readonly v2: Readonly<Record<string, { readonly users: ReadonlyArray<unknown>; readonly next: string }>>
  readonly v1Users: ReadonlyArray<unknown>
}) =>
  Effect.acquireRelease(
    Effect.async<Http.Server>((resume) => {
      const server = Http.createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://localhost")
        const body =
          url.pathname === "/crm/rest/v2/users"
            ? (() => {
                const page = pages.v2[url.searchParams.get("page_token") ?? "first"]!
                return { users: page.users, next_page_token: page.next }
              })()
            : { count: 999, users: pages.v1Users }
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify(body))
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve()))),
  ).pipe(
    Effect.map(
      (server): KeapTenantConfig => ({
        name: "odd1",
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        auth: { _tag: "apiKey", apiKey: Redacted.make("KeapAK-test") },
        limits: { perSecond: 1000, perMinute: 100_000 },
      }),
    ),
  )

describe("KeapExtractor against a Keap that misbehaves", () => {
  it.scopedLive("quarantines users that do not decode, emits a user seen twice once, and goes on", () =>
    Effect.gen(function* () {
      const tenant = yield* misbehavingKeap({
        v2: {
          first: { users: [{ id: "1", status: "ACTIVE" }, { given_name: "No Id" }], next: "p2" },
          p2: { users: [{ id: "1", status: "ACTIVE" }, { id: 2 }, { id: "3", admin: "yes" }], next: "" },
        },
        v1Users: [],
      })
      const extraction = yield* extractTenant(tenant)
      const records = Chunk.toReadonlyArray(yield* Stream.runCollect(extraction.records))
      expect(records.map((record) => record.externalId)).toEqual(["1", "2"])
      const stats = yield* extraction.stats
      expect(stats).toMatchObject({ state: "complete", pages: 2, usersReceived: 5, records: 2, duplicates: 1 })
      expect(stats.quarantined.map((entry) => entry.externalId)).toEqual([null, "3"])
      expect(stats.quarantined[0]!.reason).toContain("id")
      expect(stats.quarantined[1]!.reason).toContain("admin")
      // Running the stream again lists again from scratch: same records, stats of that run only.
      const again = Chunk.toReadonlyArray(yield* Stream.runCollect(extraction.records))
      expect(again.map((record) => record.externalId)).toEqual(["1", "2"])
      expect(yield* extraction.stats).toMatchObject({ state: "complete", pages: 2, records: 2, apiCalls: 2 })
    }).pipe(Effect.provide(KeapNodeLive)),
  )

  it.scopedLive("fails instead of looping when a page token comes back, after emitting what it had", () =>
    Effect.gen(function* () {
      const tenant = yield* misbehavingKeap({
        v2: {
          first: { users: [{ id: "1" }], next: "A" },
          A: { users: [{ id: "2" }], next: "B" },
          B: { users: [{ id: "3" }], next: "A" },
        },
        v1Users: [],
      })
      const extraction = yield* extractTenant(tenant)
      const seen: Array<string> = []
      const result = yield* Effect.either(
        Stream.runForEach(extraction.records, (record) => Effect.sync(() => seen.push(record.externalId))),
      )
      expect(seen).toEqual(["1", "2", "3"])
      expect(Either.isLeft(result) && result.left._tag).toBe("KeapDecodeError")
      expect(Either.isLeft(result) && result.left.message).toContain("page token already used")
      expect((yield* extraction.stats).state).toBe("failed")
    }).pipe(Effect.provide(KeapNodeLive)),
  )

  it.scopedLive("fails instead of looping when v1 ignores the offset", () =>
    Effect.gen(function* () {
      const tenant = yield* misbehavingKeap({ v2: {}, v1Users: [{ id: 1 }, { id: 2 }] })
      const extraction = yield* extractTenant(tenant, { api: "v1", limit: 2 })
      const result = yield* Effect.either(Stream.runCollect(extraction.records))
      expect(Either.isLeft(result) && result.left.message).toContain("offset is not being honoured")
      const stats = yield* extraction.stats
      expect(stats).toMatchObject({ state: "failed", pages: 2, records: 2, duplicates: 2 })
    }).pipe(Effect.provide(KeapNodeLive)),
  )
})
