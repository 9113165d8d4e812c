import { Neo4j } from "@idgraph/neo4j-local"
import { Effect, Layer, Stream } from "effect"
import { IdentityGraph } from "./src/index.js"
import { account } from "./test/fixtures.js"

const N = Number(process.env.N ?? 20000)
const sfx = Math.random().toString(36).slice(2, 8)
const tenant = `bench-${sfx}`
const emailOf = (i: number) => `user${i % Math.floor(N * 0.9)}@${sfx}.example`
const records = () =>
  Stream.range(1, N).pipe(
    Stream.map((i) => account({ tenant, id: String(i), email: emailOf(i), givenName: `U${i}`, globalUserId: i % 10 === 0 ? `g${i}-${sfx}` : null })),
  )
const CARTO = `UNWIND $rows AS row MATCH (t:CartoTenant {uid: $t})
MERGE (a:CartoUser {uid: row.uid}) SET a += row.props, a.lastupdated = $u
MERGE (t)-[r:RESOURCE]->(a) SET r.lastupdated = $u
WITH a, row UNWIND row.ids AS x
MERGE (i:CartoId {uid: x}) SET i.lastupdated = $u
MERGE (a)-[h:HAS]->(i) SET h.lastupdated = $u`
const program = Effect.gen(function* () {
  const graph = yield* IdentityGraph
  const t0 = Date.now()
  const first = yield* graph.ingest({ system: "keap", tenant, records: records() })
  const t1 = Date.now()
  const second = yield* graph.ingest({ system: "keap", tenant, records: records() })
  const t2 = Date.now()
  console.log({ N, first: t1 - t0, second: t2 - t1, t1: first.timings, t2: second.timings, unchanged: second.unchanged })
  const { driver } = yield* Neo4j
  const q = (text: string, params: Record<string, unknown> = {}) => Effect.promise(() => driver.executeQuery(text, params))
  yield* q("CREATE INDEX carto_uid IF NOT EXISTS FOR (n:CartoUser) ON (n.uid)")
  yield* q("CREATE INDEX carto_id_uid IF NOT EXISTS FOR (n:CartoId) ON (n.uid)")
  yield* q("CREATE INDEX carto_t_uid IF NOT EXISTS FOR (n:CartoTenant) ON (n.uid)")
  yield* q("CALL db.awaitIndexes(60)")
  yield* q("MERGE (:CartoTenant {uid: $t})", { t: sfx })
  const rows = Array.from({ length: N }, (_, k) => {
    const i = k + 1
    return {
      uid: `carto-${sfx}:${i}`,
      props: { email: emailOf(i), givenName: `U${i}`, system: "keap", tenant, externalId: String(i), status: "active" },
      ids: [`email:${emailOf(i)}`, ...(i % 10 === 0 ? [`g:g${i}-${sfx}`] : [])],
    }
  })
  for (const u of [1, 2]) {
    const t = Date.now()
    for (let i = 0; i < rows.length; i += 10000) yield* q(CARTO, { rows: rows.slice(i, i + 10000), u, t: sfx })
    console.log({ cartography: u, ms: Date.now() - t })
  }
  const c = yield* q("MATCH (:CartoTenant {uid: $t})-[:RESOURCE]->(a:CartoUser)-[:HAS]->(i) RETURN count(*) AS n", { t: sfx })
  console.log("carto rels", c.records[0]?.get("n").toNumber())
  yield* q("MATCH (a) WHERE a:CartoUser OR a:CartoId OR a:CartoTenant DETACH DELETE a")
})
Effect.runPromise(
  program.pipe(
    Effect.provide(
      IdentityGraph.layer({ batchSize: Number(process.env.B ?? 2000), identityChunkSize: Number(process.env.C ?? 1000) }).pipe(
        Layer.provideMerge(Neo4j.layer),
      ),
    ),
  ),
).catch((e) => {
  console.error(e)
  process.exit(1)
})
