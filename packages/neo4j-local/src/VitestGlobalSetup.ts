/**
 * Vitest global setup: one Neo4j for the whole test run, shared by every integration test through NEO4J_URI.
 * A NEO4J_URI already set is used as it is; otherwise a private server is started (never the developer's
 * `neo4j:start` server, whose data tests would clobber) and stopped when the run ends.
 */
import { Effect, Exit, Layer, Scope } from "effect"
import { acquire, settingsFromEnv } from "./Neo4j.js"

export default async function setup(): Promise<() => Promise<void>> {
  // IDGRAPH_TEST_NEO4J=off lets a developer run only the projects that need no Neo4j (sandbox, extractor) quickly.
  if (process.env.NEO4J_URI || process.env.IDGRAPH_TEST_NEO4J === "off") return async () => {}
  const scope = await Effect.runPromise(Scope.make())
  const connection = await Effect.runPromise(
    settingsFromEnv.pipe(
      Effect.flatMap((settings) => acquire({ ...settings, useLocalServer: false })),
      Effect.provideService(Scope.Scope, scope),
      Effect.provide(Layer.empty),
    ),
  )
  process.env.NEO4J_URI = connection.uri
  process.env.NEO4J_USER = connection.user
  process.env.NEO4J_DATABASE = connection.database
  process.env.IDGRAPH_TEST_NEO4J_SOURCE = connection.source
  return async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
