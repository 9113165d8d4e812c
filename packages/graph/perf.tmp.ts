// Scratch performance script (deleted before hand-off).
import { connectedComponents } from "@idgraph/identity"
import { Neo4j } from "@idgraph/neo4j-local"
import { Effect, Layer, Stream } from "effect"
import { cartographyStyleLoad, clearGraph } from "../../bench/baselines.js"
import { generateAccounts } from "../../bench/generate.js"
import { IdentityGraph } from "./src/index.js"

const n = Number(process.env.N ?? 20000)
const skipCarto = process.env.SKIP_CARTO === "1"
const skipQueries = process.env.SKIP_Q === "1"
const log = (s: string) => process.stderr.write(`${s}\n`)

const main = Effect.gen(function* () {
  const connection = yield* Neo4j
  const driver = connection.driver
  const graph = yield* IdentityGraph
  const byTenant = generateAccounts(n)
  const all = [...byTenant.values()].flat()
  let cartoRate = Number.NaN
  if (!skipCarto) {
    yield* Effect.promise(() => clearGraph(driver))
    const c = yield* Effect.promise(() => cartographyStyleLoad(driver, all))
    cartoRate = c.accounts / c.seconds
    log(`carto: ${c.seconds.toFixed(2)} s, ${cartoRate.toFixed(0)} acc/s`)
  }
  yield* Effect.promise(() => clearGraph(driver))
  const load = (label: string) =>
    Effect.gen(function* () {
      const t0 = performance.now()
      const timings = { loadMs: 0, removalMs: 0, identitiesMs: 0 }
      for (const [tenant, records] of byTenant) {
        const s = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(records) })
        timings.loadMs += s.timings.loadMs
        timings.removalMs += s.timings.removalMs
        timings.identitiesMs += s.timings.identitiesMs
      }
      const seconds = (performance.now() - t0) / 1000
      log(
        `${label}: ${seconds.toFixed(2)} s, ${(all.length / seconds).toFixed(0)} acc/s, ${JSON.stringify(timings)}` +
          (skipCarto ? "" : ` ratio ${(all.length / seconds / cartoRate).toFixed(2)}`),
      )
      return seconds
    })
  const first = yield* load("idgraph first")
  const second = yield* load("idgraph rerun")
  log(`rerun speed-up ${(first / second).toFixed(1)}x`)
  // correctness: partition equals from-scratch
  const expected = connectedComponents(all)
  const res = yield* Effect.promise(() =>
    driver.executeQuery(
      "MATCH (a:Account)-[:BELONGS_TO]->(i:Identity) WITH i, collect(a.uid) AS m RETURN m",
      {},
      { database: connection.database },
    ),
  )
  const actual = res.records.map((r) => (r.get("m") as Array<string>).slice().sort()).sort()
  const exp = expected.map((c) => [...c].sort()).sort()
  log(`partition equal: ${JSON.stringify(actual) === JSON.stringify(exp)} (${actual.length} vs ${exp.length})`)
  if (!skipQueries) {
    const emails = all.filter((r) => r.email !== null).map((r) => r.email!)
    const lat: Array<number> = []
    for (let i = 0; i < 1000; i++) {
      const t = performance.now()
      yield* graph.resolve(emails[(i * 7919) % emails.length]!)
      lat.push(performance.now() - t)
    }
    lat.sort((a, b) => a - b)
    const t = performance.now()
    const review = yield* graph.review({ authoritativeSystem: "okta", staleDays: 30 })
    log(
      `resolve p50 ${lat[500]!.toFixed(2)} p99 ${lat[990]!.toFixed(2)} ms; review ${((performance.now() - t) / 1000).toFixed(2)} s ` +
        `(${review.activeAdmins.length} admins, ${review.orphanedAccounts.length} orphaned, ${review.staleInvitations.length} stale, ${review.duplicateAccounts.length} dup, ${review.sharedIdentifiers.length} shared, ${review.unlinkedAccounts.length} unlinked)`,
    )
  }
})

Effect.runPromise(
  main.pipe(Effect.provide(IdentityGraph.Default.pipe(Layer.provideMerge(Neo4j.layer)))) as Effect.Effect<void>,
).catch((e) => {
  console.error(e)
  process.exit(1)
})
