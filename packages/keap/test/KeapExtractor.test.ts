import { describe, expect, it } from "@effect/vitest"
import type { AccountRecord } from "@idgraph/identity"
import { KeapSandbox, type SandboxUser } from "@idgraph/keap-sandbox"
import { Chunk, Effect, Stream } from "effect"
import type { KeapApiVersion, KeapTenantConfig } from "../src/KeapConfig.js"
import { type ExtractOptions, extractTenant } from "../src/KeapExtractor.js"
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
        expect(stats.transientFailures).toBe(injected.serverErrors + injected.connectionResets + injected.truncatedBodies)
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
              ? Effect.asVoid(sandbox.control.addUser(tenant.name, { email: "late.joiner@example.com", givenName: "Late" }))
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
})
