/**
 * The `start`, `stop` and `status` commands of the long-lived local Neo4j, with the lines they print. Shared by
 * `pnpm neo4j:*` and `idgraph neo4j *`, so both say the same thing.
 *
 * @since 0.1.0
 */
import { Config, Console, Effect, Option } from "effect"
import { localServerDirectory, readRunningServer, startLocalServer, stopLocalServer } from "./LocalServer.js"
import { connect, serverVersion } from "./Neo4j.js"

/** Starts the local server (or finds it running), checks it answers, and prints where it is. */
export const startCommand = Effect.gen(function* () {
  const port = yield* Config.port("IDGRAPH_NEO4J_PORT").pipe(Config.withDefault(7687))
  const heap = yield* Config.string("IDGRAPH_NEO4J_HEAP").pipe(Config.withDefault("1g"))
  const pageCacheMb = yield* Config.integer("IDGRAPH_NEO4J_PAGECACHE_MB").pipe(Config.withDefault(512))
  const password = yield* Config.option(Config.redacted("NEO4J_PASSWORD"))
  const { server, alreadyRunning } = yield* startLocalServer({ port, heap, pageCacheMb, password })
  const connection = yield* connect({
    uri: server.uri,
    user: "neo4j",
    password,
    database: "neo4j",
    source: "local-server",
  })
  const version = yield* serverVersion(connection)
  yield* Console.log(
    `Neo4j ${version} ${alreadyRunning ? "already running" : "started"} at ${server.uri} (pid ${server.pid}, data ${server.dataDirectory}, auth ${server.authEnabled ? "on" : "off: loopback only"})`,
  )
  return server
}).pipe(Effect.scoped)

/** Stops the local server if it runs and prints what it did. */
export const stopCommand = Effect.flatMap(stopLocalServer, (stopped) =>
  Effect.as(
    Console.log(
      Option.match(stopped, {
        onNone: () => "Neo4j is not running (nothing to stop)",
        onSome: (server) => `Neo4j stopped (pid ${server.pid}); ${server.uri} is free`,
      }),
    ),
    stopped,
  ),
)

/** Prints whether the local server runs, and where. */
export const statusCommand = Effect.suspend(() => {
  const running = readRunningServer()
  return Effect.as(
    Console.log(
      Option.match(running, {
        onNone: () => `Neo4j is not running (state in ${localServerDirectory()})`,
        onSome: (server) =>
          `Neo4j running at ${server.uri} (pid ${server.pid}, since ${server.startedAt}, data ${server.dataDirectory}, auth ${server.authEnabled ? "on" : "off"})`,
      }),
    ),
    running,
  )
})
