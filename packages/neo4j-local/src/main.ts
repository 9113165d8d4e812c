/**
 * `pnpm neo4j:start|stop|status`: the long-lived local Neo4j. Wiring only; the logic is in LocalServer.ts.
 */

import { runMain } from "@effect/platform-node/NodeRuntime"
import { Config, Effect, Option } from "effect"
import { localServerDirectory, readRunningServer, startLocalServer, stopLocalServer } from "./LocalServer.js"
import { connect, serverVersion } from "./Neo4j.js"

const command = process.argv[2]

const start = Effect.gen(function* () {
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
  yield* Effect.sync(() =>
    console.log(
      `Neo4j ${version} ${alreadyRunning ? "already running" : "started"} at ${server.uri} (pid ${server.pid}, data ${server.dataDirectory}, auth ${server.authEnabled ? "on" : "off: loopback only"})`,
    ),
  )
}).pipe(Effect.scoped)

const stop = Effect.gen(function* () {
  const stopped = yield* stopLocalServer
  yield* Effect.sync(() =>
    console.log(
      Option.match(stopped, {
        onNone: () => "Neo4j is not running (nothing to stop)",
        onSome: (server) => `Neo4j stopped (pid ${server.pid}); ${server.uri} is free`,
      }),
    ),
  )
})

const status = Effect.sync(() => {
  const running = readRunningServer()
  console.log(
    Option.match(running, {
      onNone: () => `Neo4j is not running (state in ${localServerDirectory()})`,
      onSome: (server) =>
        `Neo4j running at ${server.uri} (pid ${server.pid}, since ${server.startedAt}, data ${server.dataDirectory}, auth ${server.authEnabled ? "on" : "off"})`,
    }),
  )
})

const program =
  command === "start"
    ? start
    : command === "stop"
      ? stop
      : command === "status"
        ? status
        : Effect.dieMessage("usage: neo4j start|stop|status")

runMain(program)
