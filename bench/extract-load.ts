/**
 * One full extract+load in a process of its own, so its peak RSS is the connector's alone: Keap v1 listing of one
 * sandbox tenant (run in another process) into the graph. Prints one JSON line with the figures.
 *
 * Usage: tsx bench/extract-load.ts <sandboxBaseUrl> <tenantId> <apiKey> <graphTenantName>
 */
import { IdentityGraph } from "@idgraph/graph"
import { extractTenant, KeapNodeLive } from "@idgraph/keap"
import { Neo4j } from "@idgraph/neo4j-local"
import { Effect, Layer, Redacted, Stream } from "effect"

const [baseUrl, tenantId, apiKey, graphTenant] = process.argv.slice(2)
if (!baseUrl || !tenantId || !apiKey || !graphTenant) {
  process.stderr.write("usage: extract-load.ts <sandboxBaseUrl> <tenantId> <apiKey> <graphTenantName>\n")
  process.exit(2)
}

const program = Effect.gen(function* () {
  const graph = yield* IdentityGraph
  const started = performance.now()
  const extraction = yield* extractTenant(
    {
      name: tenantId,
      baseUrl,
      auth: { _tag: "apiKey", apiKey: Redacted.make(apiKey) },
      apiVersion: "v1",
      // The sandbox runs with its limits off for this measurement; so does the client's budget.
      limits: { perSecond: 1_000_000, perMinute: 60_000_000, perDay: 1_000_000_000 },
    },
    { api: "v1" },
  )
  const summary = yield* graph.ingest({
    system: "keap",
    tenant: graphTenant,
    // The graph tenant is renamed so each size loads into a fresh tenant of the same graph.
    records: extraction.records.pipe(Stream.map((record) => ({ ...record, tenant: graphTenant }))),
  })
  const seconds = (performance.now() - started) / 1000
  const maxRssMb = process.resourceUsage().maxRSS / 1024
  process.stdout.write(`${JSON.stringify({ users: summary.seen, status: summary.status, seconds, maxRssMb })}\n`)
})

Effect.runPromise(
  program.pipe(Effect.provide(Layer.mergeAll(KeapNodeLive, IdentityGraph.Default.pipe(Layer.provide(Neo4j.layer))))),
).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
