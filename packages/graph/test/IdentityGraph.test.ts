import { describe, expect, it, layer } from "@effect/vitest"
import { tenantUid } from "@idgraph/identity"
import { Neo4j } from "@idgraph/neo4j-local"
import { Deferred, Effect, Fiber, Layer, Option, Stream } from "effect"
import neo4j from "neo4j-driver"
import { IdentityGraph, schemaVersion } from "../src/index.js"
import { account, graphLayer, graphPartition, query, snapshot, unique } from "./fixtures.js"

const people = (tenant: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    account({ tenant, id: String(i + 1), email: `person${i + 1}@${tenant}.example`, givenName: `P${i + 1}` }),
  )

describe("IdentityGraph ingestion", () => {
  // Live services (real clock): leases and waits really sleep. `it.layer` offers no `it.live`, so the test services are left out.
  layer(graphLayer(), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("migrations are idempotent and record the schema version", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        expect(yield* graph.migrate).toBe(schemaVersion)
        expect(yield* graph.migrate).toBe(schemaVersion)
        const constraints = yield* query(
          "SHOW CONSTRAINTS YIELD labelsOrTypes, properties RETURN labelsOrTypes, properties",
        )
        for (const label of ["Tenant", "Account", "Identifier", "Identity", "IngestionRun"]) {
          expect(constraints).toContainEqual({ labelsOrTypes: [label], properties: ["uid"] })
        }
        const indexes = yield* query("SHOW INDEXES YIELD labelsOrTypes, properties RETURN labelsOrTypes, properties")
        for (const property of ["globalUserId", "infusionsoftId", "email"]) {
          expect(indexes).toContainEqual({ labelsOrTypes: ["Account"], properties: [property] })
        }
        const version = yield* query(`MATCH (s:IdGraphSchema {uid: "schema"}) RETURN s.version AS version`)
        expect(version).toEqual([{ version: schemaVersion }])
      }),
    )

    it.effect(
      "loading the same records twice leaves the graph identical and the second run reports all unchanged",
      () =>
        Effect.gen(function* () {
          const graph = yield* IdentityGraph
          const tenant = unique("same")
          const records = [
            ...people(tenant, 30),
            account({ tenant, id: "dup", email: "PERSON1@" + tenant + ".example", globalUserId: `g-${tenant}` }),
          ]
          const first = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(records) })
          expect(first).toMatchObject({
            status: "completed",
            seen: 31,
            created: 31,
            updated: 0,
            unchanged: 0,
            removed: 0,
          })
          const before = yield* snapshot([tenantUid({ system: "keap", tenant })])
          expect(before.accounts).toHaveLength(31)
          expect(before.accounts[0]!.labels).toEqual(expect.arrayContaining(["Account", "KeapUser"]))
          const second = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(records) })
          expect(second).toMatchObject({
            status: "completed",
            seen: 31,
            created: 0,
            updated: 0,
            unchanged: 31,
            removed: 0,
          })
          expect(second.identities?.accountsRecomputed).toBe(0)
          const after = yield* snapshot([tenantUid({ system: "keap", tenant })])
          expect(after).toEqual(before)
          // The run records its counts.
          const runs = yield* query(
            `MATCH (r:IngestionRun)-[:OF]->(:Tenant {uid: $t}) RETURN r.status AS status, r.unchanged AS unchanged ORDER BY r.seq`,
            { t: `keap:${tenant}` },
          )
          expect(runs).toEqual([
            { status: "completed", unchanged: 0 },
            { status: "completed", unchanged: 31 },
          ])
        }),
    )

    it.effect("changed accounts are updated, unchanged ones skipped, returning ones reactivated", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("change")
        const base = people(tenant, 10)
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(base) })
        // One removed (10% is under the guard).
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(base.slice(1)) })
        const renamed = { ...base[2]!, givenName: "Renamed" }
        const third = yield* graph.ingest({
          system: "keap",
          tenant,
          records: Stream.fromIterable([base[0]!, base[1]!, renamed, ...base.slice(3)]),
        })
        expect(third).toMatchObject({ seen: 10, created: 0, updated: 1, unchanged: 8, reactivated: 1, removed: 0 })
        const rows = yield* query(
          `MATCH (a:Account {uid: $uid}) RETURN a.active AS active, a.removedAt AS removedAt, a.givenName AS name`,
          { uid: `keap:${tenant}:3` },
        )
        expect(rows).toEqual([{ active: true, removedAt: null, name: "Renamed" }])
        const back = yield* query(`MATCH (a:Account {uid: $uid}) RETURN a.active AS active, a.removedAt AS removedAt`, {
          uid: `keap:${tenant}:1`,
        })
        expect(back).toEqual([{ active: true, removedAt: null }])
      }),
    )

    it.effect("a run whose source fails mid-stream removes nothing; the next complete run does", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("fail")
        const all = people(tenant, 10)
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(all) })
        const failing = Stream.fromIterable(all.slice(0, 3)).pipe(
          Stream.concat(Stream.fail(new Error("HTTP 500 from the source"))),
        )
        const error = yield* Effect.flip(graph.ingest({ system: "keap", tenant, records: failing }))
        expect(error._tag).toBe("ExtractionFailed")
        expect(error.message).toContain("HTTP 500 from the source")
        expect(error.message).toContain("nothing was marked removed")
        const active = yield* query(
          `MATCH (:Tenant {uid: $t})-[:HAS_ACCOUNT]->(a:Account) RETURN count(CASE WHEN a.active THEN 1 END) AS active`,
          { t: `keap:${tenant}` },
        )
        expect(active).toEqual([{ active: 10 }])
        const failedRun = yield* query(
          `MATCH (r:IngestionRun {tenantUid: $t}) WHERE r.status = "failed" RETURN r.seen AS seen, r.removed AS removed`,
          { t: `keap:${tenant}` },
        )
        expect(failedRun).toEqual([{ seen: 3, removed: 0 }])
        // A complete run that lacks one account (10%) removes it.
        const complete = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(all.slice(1)) })
        expect(complete).toMatchObject({ status: "completed", removed: 1 })
        const removed = yield* query(
          `MATCH (a:Account {uid: $uid}) RETURN a.active AS active, a.removedAt IS NOT NULL AS stamped`,
          {
            uid: `keap:${tenant}:1`,
          },
        )
        expect(removed).toEqual([{ active: false, stamped: true }])
        // A removed account stays linked to its identity, for reviewers.
        const linked = yield* query(`MATCH (:Account {uid: $uid})-[:BELONGS_TO]->(i:Identity) RETURN count(i) AS n`, {
          uid: `keap:${tenant}:1`,
        })
        expect(linked).toEqual([{ n: 1 }])
      }),
    )

    it.effect(
      "the mass-removal guard stops a run that would remove 50% of a tenant; --allow-mass-removal lets it",
      () =>
        Effect.gen(function* () {
          const graph = yield* IdentityGraph
          const tenant = unique("mass")
          const all = people(tenant, 10)
          yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(all) })
          const error = yield* Effect.flip(
            graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(all.slice(0, 5)) }),
          )
          expect(error._tag).toBe("MassRemovalBlocked")
          expect(error.message).toContain("5 of 10")
          expect(error.message).toContain("--allow-mass-removal")
          const active = yield* query(
            `MATCH (:Tenant {uid: $t})-[:HAS_ACCOUNT]->(a:Account) WHERE a.active RETURN count(a) AS active`,
            { t: `keap:${tenant}` },
          )
          expect(active).toEqual([{ active: 10 }])
          const blocked = yield* query(
            `MATCH (r:IngestionRun {tenantUid: $t, status: "blocked"}) RETURN count(r) AS n`,
            {
              t: `keap:${tenant}`,
            },
          )
          expect(blocked).toEqual([{ n: 1 }])
          const allowed = yield* graph.ingest({
            system: "keap",
            tenant,
            records: Stream.fromIterable(all.slice(0, 5)),
            allowMassRemoval: true,
          })
          expect(allowed).toMatchObject({ status: "completed", removed: 5, unchanged: 5 })
        }),
    )

    it.effect("an empty extraction of a populated tenant is blocked, not a wipe", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("empty")
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(people(tenant, 3)) })
        const error = yield* Effect.flip(graph.ingest({ system: "keap", tenant, records: Stream.empty }))
        expect(error._tag).toBe("MassRemovalBlocked")
      }),
    )

    it.effect("quarantined records without ids stop removal; with ids they protect their accounts", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("quarantine")
        const all = people(tenant, 10)
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(all) })
        const unknownIds = yield* graph.ingest({
          system: "keap",
          tenant,
          records: Stream.fromIterable(all.slice(1)),
          extractorReport: Effect.succeed({ apiCalls: 4, throttled: 1, quarantined: 1 }),
        })
        expect(unknownIds).toMatchObject({ status: "completed", removed: 0, quarantined: 1, apiCalls: 4, throttled: 1 })
        expect(unknownIds.removalSkipped).toContain("quarantined")
        const knownIds = yield* graph.ingest({
          system: "keap",
          tenant,
          records: Stream.fromIterable(all.slice(2)),
          extractorReport: Effect.succeed({ quarantined: 1, quarantinedExternalIds: ["1"] }),
        })
        expect(knownIds).toMatchObject({ status: "completed", removed: 1, removalSkipped: null })
        const states = yield* query(
          `MATCH (a:Account) WHERE a.uid IN $uids RETURN a.externalId AS id, a.active AS active ORDER BY id`,
          { uids: [`keap:${tenant}:1`, `keap:${tenant}:2`] },
        )
        expect(states).toEqual([
          { id: "1", active: true },
          { id: "2", active: false },
        ])
        const run = yield* query(
          `MATCH (r:IngestionRun {uid: $id}) RETURN r.apiCalls AS calls, r.throttled AS throttled`,
          {
            id: unknownIds.runId,
          },
        )
        expect(run).toEqual([{ calls: 4, throttled: 1 }])
      }),
    )

    it.effect("a dry run counts but writes nothing", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("dry")
        const all = people(tenant, 10)
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(all) })
        const before = yield* snapshot([`keap:${tenant}`])
        const dry = yield* graph.ingest({
          system: "keap",
          tenant,
          dryRun: true,
          records: Stream.fromIterable([...all.slice(1), account({ tenant, id: "new", email: `n@${tenant}.example` })]),
        })
        expect(dry).toMatchObject({ status: "dry-run", created: 1, unchanged: 9, removed: 1 })
        expect(yield* snapshot([`keap:${tenant}`])).toEqual(before)
        // A failing dry run writes nothing either, and does not claim it loaded or recorded anything.
        const failed = yield* Effect.flip(
          graph.ingest({
            system: "keap",
            tenant,
            dryRun: true,
            records: Stream.fromIterable(all.slice(0, 2)).pipe(Stream.concat(Stream.fail(new Error("HTTP 502.")))),
          }),
        )
        expect(failed._tag).toBe("ExtractionFailed")
        expect(failed.message).toContain("nothing written): HTTP 502.")
        expect(failed.message).not.toContain("loaded")
        expect(yield* snapshot([`keap:${tenant}`])).toEqual(before)
      }),
    )

    it.effect("names and e-mails that look like Cypher load as plain data", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("inject")
        const evil = "x'}) DETACH DELETE n //"
        const records = [
          account({
            tenant,
            id: evil,
            email: `"x'}) DETACH DELETE n //"@${tenant}.example`,
            givenName: evil,
            familyName: "`) MATCH (m) DETACH DELETE m",
          }),
          account({ tenant, id: "2", email: `ok@${tenant}.example`, givenName: "$param {x: 1}" }),
        ]
        const summary = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(records) })
        expect(summary.created).toBe(2)
        const rows = yield* query(
          `MATCH (a:Account) WHERE a.tenantUid = $t RETURN a.externalId AS id, a.givenName AS given, a.familyName AS family ORDER BY id`,
          { t: `keap:${tenant}` },
        )
        expect(rows).toEqual([
          { id: "2", given: "$param {x: 1}", family: null },
          { id: evil, given: evil, family: "`) MATCH (m) DETACH DELETE m" },
        ])
        const resolved = yield* graph.resolve(`keap:${tenant}:${evil}`)
        expect(resolved.identities).toHaveLength(1)
        expect(resolved.identities[0]!.displayName).toBe(`${evil} \`) MATCH (m) DETACH DELETE m`)
      }),
    )

    it.effect("a system name that is not a safe label is refused before anything is written", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const error = yield* Effect.flip(
          graph.ingest({ system: "Keap`) DETACH DELETE n", tenant: "t", records: Stream.empty }),
        )
        expect(error._tag).toBe("InvalidRunTarget")
        expect(error.message).toContain("lower case")
      }),
    )

    it.effect("a record of another tenant fails the run clearly and removes nothing", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("outside")
        const error = yield* Effect.flip(
          graph.ingest({
            system: "keap",
            tenant,
            records: Stream.fromIterable([account({ tenant: "someone-else", id: "1" })]),
          }),
        )
        expect(error._tag).toBe("ExtractionFailed")
        expect(error.message).toContain("a run loads one tenant only")
      }),
    )

    it.effect("two runs on one tenant cannot interleave: the second fails clearly, or waits", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("lease")
        const started = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const slow = Stream.fromIterable(people(tenant, 2)).pipe(
          Stream.concat(
            Stream.fromEffect(Deferred.succeed(started, undefined).pipe(Effect.zipRight(Deferred.await(release)))).pipe(
              Stream.drain,
            ),
          ),
        )
        const first = yield* Effect.fork(graph.ingest({ system: "keap", tenant, records: slow }))
        yield* Deferred.await(started)
        const refused = yield* Effect.flip(
          graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(people(tenant, 2)) }),
        )
        expect(refused._tag).toBe("RunLeaseHeld")
        expect(refused.message).toContain(`keap:${tenant}`)
        const waiting = yield* Effect.fork(
          graph.ingest({
            system: "keap",
            tenant,
            records: Stream.fromIterable(people(tenant, 2)),
            leaseWait: "30 seconds",
          }),
        )
        yield* Effect.sleep("300 millis")
        yield* Deferred.succeed(release, undefined)
        const firstSummary = yield* Fiber.join(first)
        const secondSummary = yield* Fiber.join(waiting)
        expect(firstSummary).toMatchObject({ status: "completed", created: 2 })
        expect(secondSummary).toMatchObject({ status: "completed", unchanged: 2 })
        expect(Date.parse(secondSummary.startedAt)).toBeLessThan(Date.parse(firstSummary.finishedAt))
      }),
    )

    it.effect("an interrupted run is recorded as interrupted and removes nothing", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("interrupt")
        yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(people(tenant, 4)) })
        const started = yield* Deferred.make<void>()
        const hanging = Stream.fromIterable(people(tenant, 1)).pipe(
          Stream.concat(Stream.fromEffect(Deferred.succeed(started, undefined).pipe(Effect.zipRight(Effect.never)))),
          Stream.drain,
        )
        const fiber = yield* Effect.fork(graph.ingest({ system: "keap", tenant, records: hanging }))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        const runs = yield* query(`MATCH (r:IngestionRun {tenantUid: $t}) RETURN r.status AS status ORDER BY r.seq`, {
          t: `keap:${tenant}`,
        })
        expect(runs).toEqual([{ status: "completed" }, { status: "interrupted" }])
        const active = yield* query(
          `MATCH (:Tenant {uid: $t})-[:HAS_ACCOUNT]->(a:Account) WHERE a.active RETURN count(a) AS n`,
          { t: `keap:${tenant}` },
        )
        expect(active).toEqual([{ n: 4 }])
        // The lease was released: a new run starts at once.
        const next = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(people(tenant, 4)) })
        expect(next.status).toBe("completed")
      }),
    )
  })
})

describe("identity maintenance", () => {
  // Live services (real clock): leases and waits really sleep. `it.layer` offers no `it.live`, so the test services are left out.
  layer(graphLayer(), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("merges keep the older identity and leave MERGED_INTO; splits keep the uid with the oldest account", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const a = unique("merge-a")
        const b = unique("merge-b")
        // E-mails and global ids carry the test's suffix: every test shares one database.
        const ann = `ann@${a}.example`
        const annOther = `ann.other@${a}.example`
        const bob = `bob@${a}.example`
        const gid = `g-${a}`
        // Tenant a first: ann@ in a. Then tenant b: ann's account in b with another e-mail but the same global id.
        yield* graph.ingest({
          system: "keap",
          tenant: a,
          records: Stream.fromIterable([account({ tenant: a, id: "1", email: ann, globalUserId: gid })]),
        })
        yield* graph.ingest({
          system: "keap",
          tenant: b,
          records: Stream.fromIterable([
            account({ tenant: b, id: "1", email: annOther }),
            account({ tenant: b, id: "2", email: bob }),
          ]),
        })
        const tenants = [`keap:${a}`, `keap:${b}`]
        const before = yield* graphPartition(tenants)
        expect(before.partition).toHaveLength(3)
        const older = before.identityOf.get(`keap:${a}:1`)!
        const younger = before.identityOf.get(`keap:${b}:1`)!
        // Now b:1 reveals the global id: one person across tenants.
        yield* graph.ingest({
          system: "keap",
          tenant: b,
          records: Stream.fromIterable([
            account({ tenant: b, id: "1", email: annOther, globalUserId: gid }),
            account({ tenant: b, id: "2", email: bob }),
          ]),
        })
        const merged = yield* graphPartition(tenants)
        expect(merged.partition).toEqual([[`keap:${a}:1`, `keap:${b}:1`], [`keap:${b}:2`]])
        expect(merged.identityOf.get(`keap:${b}:1`)).toBe(older)
        const pointer = yield* query(`MATCH (:Identity {uid: $y})-[:MERGED_INTO]->(o:Identity) RETURN o.uid AS into`, {
          y: younger,
        })
        expect(pointer).toEqual([{ into: older }])
        // The old uid still resolves, to the survivor.
        const viaOld = yield* graph.resolve(younger)
        expect(viaOld.identities.map((identity) => identity.uid)).toEqual([older])
        expect(viaOld.identities[0]!.tenants).toEqual(tenants.slice().sort())
        // Split: a:1 loses the global id; the part with the oldest account (a:1) keeps the uid.
        yield* graph.ingest({
          system: "keap",
          tenant: a,
          records: Stream.fromIterable([account({ tenant: a, id: "1", email: ann })]),
        })
        const split = yield* graphPartition(tenants)
        expect(split.partition).toHaveLength(3)
        expect(split.identityOf.get(`keap:${a}:1`)).toBe(older)
        expect(split.identityOf.get(`keap:${b}:1`)).not.toBe(older)
        expect(split.identityOf.get(`keap:${b}:2`)).toBe(merged.identityOf.get(`keap:${b}:2`))
      }),
    )

    it.effect("an identity's primary e-mail is a personal address, not a shared mailbox an older account uses", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const office = unique("primary-office")
        const field = unique("primary-field")
        const sales = `sales@${office}.example`
        // The office tenant is seen first, so its accounts are the oldest of their identities. Three holders make
        // sales@ shared: Ann and Bob are linked to their field accounts by global user id only.
        yield* graph.ingest({
          system: "keap",
          tenant: office,
          records: Stream.fromIterable([
            account({ tenant: office, id: "1", email: sales, givenName: "Ann", globalUserId: "g-ann" }),
            account({ tenant: office, id: "2", email: sales, givenName: "Bob", globalUserId: "g-bob" }),
            account({ tenant: office, id: "3", email: sales, givenName: "Cy" }),
          ]),
        })
        // Ann's field account is new and links to a settled identity (decided while loading); Bob's arrives
        // without the global id and gains it in a later run (decided by the maintenance pass).
        yield* graph.ingest({
          system: "keap",
          tenant: field,
          records: Stream.fromIterable([
            account({ tenant: field, id: "1", email: `ann@${field}.example`, globalUserId: "g-ann" }),
            account({ tenant: field, id: "2", email: `bob@${field}.example` }),
          ]),
        })
        yield* graph.ingest({
          system: "keap",
          tenant: field,
          records: Stream.fromIterable([
            account({ tenant: field, id: "1", email: `ann@${field}.example`, globalUserId: "g-ann" }),
            account({ tenant: field, id: "2", email: `bob@${field}.example`, globalUserId: "g-bob" }),
          ]),
        })
        for (const [name, expected] of [
          ["ann", `ann@${field}.example`],
          ["bob", `bob@${field}.example`],
        ] as const) {
          const resolved = yield* graph.resolve(`keap:${office}:${name === "ann" ? "1" : "2"}`)
          expect(resolved.identities).toHaveLength(1)
          const identity = resolved.identities[0]!
          expect(identity.accounts.map((a) => a.uid).sort()).toEqual(
            [`keap:${field}:${name === "ann" ? "1" : "2"}`, `keap:${office}:${name === "ann" ? "1" : "2"}`].sort(),
          )
          expect(identity.primaryEmail).toBe(expected)
        }
        // Cy has only the shared mailbox: it stays his primary e-mail (nothing better is known).
        const cy = yield* graph.resolve(`keap:${office}:3`)
        expect(cy.identities[0]!.primaryEmail).toBe(sales)
      }),
    )

    it.effect("an identifier held by more than two accounts of one tenant is shared and links nothing", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const t = unique("shared")
        const other = unique("shared-other")
        const sales = `sales@${t}.example`
        const run1 = yield* graph.ingest({
          system: "keap",
          tenant: t,
          records: Stream.fromIterable([
            account({ tenant: t, id: "1", email: sales }),
            account({ tenant: t, id: "2", email: sales }),
          ]),
        })
        expect(run1.identities?.newlyShared).toEqual([])
        // Two holders: duplicates of one person.
        expect((yield* graphPartition([`keap:${t}`])).partition).toEqual([[`keap:${t}:1`, `keap:${t}:2`]])
        yield* graph.ingest({
          system: "keap",
          tenant: other,
          records: Stream.fromIterable([account({ tenant: other, id: "1", email: sales })]),
        })
        const run3 = yield* graph.ingest({
          system: "keap",
          tenant: t,
          records: Stream.fromIterable([1, 2, 3].map((id) => account({ tenant: t, id: String(id), email: sales }))),
        })
        expect(run3.identities?.newlyShared).toEqual([`email:${sales}`])
        const partition = (yield* graphPartition([`keap:${t}`, `keap:${other}`])).partition
        expect(partition).toHaveLength(4)
        // Back to two holders (one removed still holds it: removed accounts stay linked, so still shared).
        const run4 = yield* graph.ingest({
          system: "keap",
          tenant: t,
          allowMassRemoval: true,
          records: Stream.fromIterable([1, 2].map((id) => account({ tenant: t, id: String(id), email: sales }))),
        })
        expect(run4.removed).toBe(1)
        expect((yield* graphPartition([`keap:${t}`, `keap:${other}`])).partition).toHaveLength(4)
        // Account 3 changes its e-mail: the shared mailbox has two holders in t again and links again.
        const run5 = yield* graph.ingest({
          system: "keap",
          tenant: t,
          allowMassRemoval: true,
          records: Stream.fromIterable([
            account({ tenant: t, id: "1", email: sales }),
            account({ tenant: t, id: "2", email: sales }),
            account({ tenant: t, id: "3", email: `carol@${t}.example` }),
          ]),
        })
        expect(run5.identities?.noLongerShared).toEqual([`email:${sales}`])
        expect((yield* graphPartition([`keap:${t}`, `keap:${other}`])).partition).toEqual(
          [[`keap:${other}:1`, `keap:${t}:1`, `keap:${t}:2`].sort(), [`keap:${t}:3`]].sort((x, y) =>
            x[0]! < y[0]! ? -1 : 1,
          ),
        )
      }),
    )
  })
})

describe("when Neo4j is not there", () => {
  it.effect("the layer fails with GraphUnavailable, saying where and what to do", () =>
    Effect.gen(function* () {
      // A driver on a port where nothing listens: the same errors a server that went away produces.
      const driver = neo4j.driver("bolt://127.0.0.1:9", neo4j.auth.basic("neo4j", ""), {
        connectionTimeout: 2_000,
        maxTransactionRetryTime: 1_000,
      })
      const connection = Layer.succeed(Neo4j, {
        driver,
        uri: "bolt://127.0.0.1:9",
        user: "neo4j",
        password: Option.none(),
        database: "neo4j",
        source: "env",
      })
      const error = yield* Effect.flip(
        Effect.provide(IdentityGraph, IdentityGraph.layer().pipe(Layer.provide(connection))),
      )
      yield* Effect.promise(() => driver.close())
      expect(error._tag).toBe("GraphUnavailable")
      expect(error.message).toContain("bolt://127.0.0.1:9")
      expect(error.message).toContain("pnpm neo4j:status")
    }),
  )
})
