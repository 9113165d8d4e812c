import { Neo4j } from "@idgraph/neo4j-local"
import { Effect, Layer, Stream } from "effect"
import { IdentityGraph } from "./src/index.js"
import { account } from "./test/fixtures.js"

const N = Number(process.env.N ?? 20000)
const sfx = Math.random().toString(36).slice(2, 8)
const tenant = `bench-${sfx}`
const records = () =>
  Stream.range(1, N).pipe(
    Stream.map((i) =>
      account({
        tenant,
        id: String(i),
        email: `user${i % Math.floor(N * 0.9)}@${sfx}.example`,
        givenName: `U${i}`,
        globalUserId: i % 10 === 0 ? `g${i}-${sfx}` : null,
      }),
    ),
  )
const program = Effect.gen(function* () {
  const graph = yield* IdentityGraph
  const t0 = Date.now()
  const first = yield* graph.ingest({ system: "keap", tenant, records: records() })
  const t1 = Date.now()
  const second = yield* graph.ingest({ system: "keap", tenant, records: records() })
  const t2 = Date.now()
  console.log({
    N,
    first: t1 - t0,
    second: t2 - t1,
    firstSummary: {
      ...first,
      identities: first.identities && { ...first.identities, newlyShared: first.identities.newlyShared.length },
    },
    unchanged: second.unchanged,
  })
  // Cartography-style for comparison: UNWIND 10,000 with MERGE ... SET +=, no identities.
  const { driver } = yield* Neo4j
  const rows = Array.from({ length: N }, (_, i) => ({
    uid: `carto-${sfx}:${i}`,
    props: { email: `user${i}@${sfx}.example`, givenName: `U${i}` },
  }))
  yield* Effect.promise(() => driver.executeQuery("CREATE INDEX carto_uid IF NOT EXISTS FOR (n:CartoUser) ON (n.uid)"))
  yield* Effect.promise(() => driver.executeQuery("CALL db.awaitIndexes(60)"))
  const t3 = Date.now()
  for (let i = 0; i < rows.length; i += 10000) {
    yield* Effect.promise(() =>
      driver.executeQuery(
        "UNWIND $rows AS row MERGE (a:CartoUser {uid: row.uid}) SET a += row.props, a.lastupdated = $u",
        { rows: rows.slice(i, i + 10000), u: 1 },
      ),
    )
  }
  console.log({ cartography: Date.now() - t3 })
  yield* Effect.promise(() => driver.executeQuery("MATCH (a:CartoUser) DETACH DELETE a"))
})
Effect.runPromise(program.pipe(Effect.provide(IdentityGraph.layer().pipe(Layer.provideMerge(Neo4j.layer))))).catch(
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
