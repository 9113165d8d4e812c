/**
 * The property the whole design rests on: after any sequence of runs, the identities in Neo4j are exactly the
 * connected components that `@idgraph/identity` computes from scratch in memory, and a component that did not
 * change keeps its identity uid.
 */
import { describe, expect, layer } from "@effect/vitest"
import { type AccountRecord, accountUid, connectedComponents } from "@idgraph/identity"
import type { Neo4j } from "@idgraph/neo4j-local"
import { Deferred, Effect, Fiber, Stream } from "effect"
import * as fc from "fast-check"
import { IdentityGraph } from "../src/index.js"
import { account, graphLayer, graphPartition, unique } from "./fixtures.js"

// Small batches so that a source failing after a whole number of batches has a known effect (those batches load).
const BATCH = 3
const TENANTS = [
  { system: "keap", name: "a" },
  { system: "keap", name: "b" },
  { system: "okta", name: "c" },
] as const
const IDS = ["1", "2", "3", "4", "5", "6"]
const EMAILS = 4
const GLOBAL_IDS = 3

const accountArb = fc.record({
  id: fc.constantFrom(...IDS),
  email: fc.option(fc.integer({ min: 0, max: EMAILS - 1 }), { nil: null, freq: 4 }),
  upperCase: fc.boolean(),
  globalId: fc.option(fc.integer({ min: 0, max: GLOBAL_IDS - 1 }), { nil: null, freq: 2 }),
})

const runArb = fc.record({
  tenant: fc.integer({ min: 0, max: TENANTS.length - 1 }),
  accounts: fc.uniqueArray(accountArb, { selector: (a) => a.id, maxLength: IDS.length }),
  // Some runs fail after a number of whole batches.
  failAfterBatches: fc.option(fc.integer({ min: 0, max: 1 }), { nil: null, freq: 4 }),
})

describe("incremental identity maintenance", () => {
  layer(graphLayer({ batchSize: BATCH }), { timeout: 240_000, excludeTestServices: true })((it) => {
    it.effect(
      "random runs (email changes, removals, shared mailboxes, cross-tenant global ids) end in the from-scratch partition, with stable uids",
      () =>
        Effect.gen(function* () {
          const context = yield* Effect.context<IdentityGraph | Neo4j>()
          const graph = yield* IdentityGraph
          const property = fc.asyncProperty(fc.array(runArb, { minLength: 2, maxLength: 6 }), (runs) =>
            Effect.runPromise(
              Effect.gen(function* () {
                const suffix = unique("prop")
                const tenantName = (index: number) => `${TENANTS[index]!.name}-${suffix}`
                const tenantUids = TENANTS.map((t, index) => `${t.system}:${tenantName(index)}`)
                const model = new Map<string, AccountRecord>()
                let previous: Map<string, string> | null = null
                let previousPartition: ReadonlyArray<ReadonlyArray<string>> = []
                for (const run of runs) {
                  const { system } = TENANTS[run.tenant]!
                  const tenant = tenantName(run.tenant)
                  const records = run.accounts.map((spec) => {
                    const email = spec.email === null ? null : `shared${spec.email}@${suffix}.example`
                    return account({
                      system,
                      tenant,
                      id: spec.id,
                      email: email !== null && spec.upperCase ? email.toUpperCase() : email,
                      globalUserId: system === "keap" && spec.globalId !== null ? `g${spec.globalId}-${suffix}` : null,
                    })
                  })
                  const loaded =
                    run.failAfterBatches === null ? records : records.slice(0, run.failAfterBatches * BATCH)
                  const stream =
                    run.failAfterBatches === null
                      ? Stream.fromIterable(records)
                      : Stream.fromIterable(loaded).pipe(Stream.concat(Stream.fail("source broke")))
                  const outcome = yield* Effect.either(
                    graph.ingest({ system, tenant, records: stream, allowMassRemoval: true }),
                  )
                  expect(outcome._tag === "Right").toBe(run.failAfterBatches === null)
                  for (const record of loaded) model.set(accountUid(record), record)
                  const expected = connectedComponents(model.values())
                  const actual = yield* graphPartition(tenantUids)
                  expect(actual.partition).toEqual(expected)
                  // A component whose members did not change keeps its identity uid.
                  if (previous !== null) {
                    const before = new Set(previousPartition.map((component) => component.join("|")))
                    for (const component of expected) {
                      if (!before.has(component.join("|"))) continue
                      for (const member of component) {
                        expect(actual.identityOf.get(member)).toBe(previous.get(member))
                      }
                    }
                  }
                  previous = actual.identityOf
                  previousPartition = expected
                }
              }).pipe(Effect.provide(context)),
            ),
          )
          yield* Effect.promise(() => fc.assert(property, { numRuns: 8, endOnFailure: true }))
        }),
    )
  })

  layer(graphLayer({ batchSize: 2 }), { timeout: 240_000, excludeTestServices: true })((it) => {
    it.effect("runs on different tenants at the same time, sharing people, end in the from-scratch partition", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const suffix = unique("conc")
        const tenants = ["a", "b", "c", "d"].map((name) => `${name}-${suffix}`)
        const batches = tenants.map((tenant, t) =>
          Array.from({ length: 8 }, (_, i) =>
            account({
              tenant,
              id: String(i),
              // Person i appears in every tenant under one of two addresses; tenant-crossing global ids chain them.
              email: `p${i}.${(i + t) % 2}@${suffix}.example`,
              globalUserId: i % 3 === 0 ? `g${i}-${suffix}` : null,
            }),
          ),
        )
        yield* Effect.all(
          tenants.map((tenant, t) =>
            graph.ingest({
              system: "keap",
              tenant,
              records: Stream.fromIterable(batches[t]!),
              leaseWait: "60 seconds",
            }),
          ),
          { concurrency: "unbounded" },
        )
        const actual = yield* graphPartition(tenants.map((tenant) => `keap:${tenant}`))
        expect(actual.partition).toEqual(connectedComponents(batches.flat()))
      }),
    )

    it.effect("work an interrupted run leaves flagged is finished by the next maintenance", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const suffix = unique("flag")
        const tenant = `t-${suffix}`
        const records = Array.from({ length: 4 }, (_, i) =>
          account({ tenant, id: String(i), email: `shared${i % 2}@${suffix}.example` }),
        )
        const loaded = yield* Deferred.make<void>()
        // Two batches of two reach the graph (the stream is pulled only after a batch is written), then the source
        // hangs and the run is interrupted before its identity maintenance.
        const hanging = Stream.fromIterable(records).pipe(
          Stream.concat(
            Stream.fromEffect(Deferred.succeed(loaded, undefined).pipe(Effect.zipRight(Effect.never))).pipe(
              Stream.drain,
            ),
          ),
        )
        const fiber = yield* Effect.fork(graph.ingest({ system: "keap", tenant, records: hanging }))
        yield* Deferred.await(loaded)
        yield* Fiber.interrupt(fiber)
        yield* graph.maintainIdentities
        const actual = yield* graphPartition([`keap:${tenant}`])
        expect(actual.partition).toEqual(connectedComponents(records))
        expect(actual.partition).toHaveLength(2)
      }),
    )
  })
})
