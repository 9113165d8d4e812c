/**
 * The long-lived local Neo4j of `pnpm neo4j:start|stop|status`: Bolt on 127.0.0.1 (default port 7687), data under
 * `.idgraph/neo4j/`, a pid file beside it. Auth is off unless `NEO4J_PASSWORD` is given at start, which is safe
 * only because the server listens on loopback alone.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Option, Redacted, Schema } from "effect"
import { ensureLauncherBuilt, launch } from "./internal/maven.js"
import { isPortFree, processAlive } from "./internal/process.js"
import { Neo4jPortInUse, Neo4jStartFailed } from "./Neo4jErrors.js"

/** Where the local server keeps its data, log and pid file. */
export const localServerDirectory = (): string =>
  path.resolve(process.env.IDGRAPH_NEO4J_HOME ?? path.join(process.cwd(), ".idgraph", "neo4j"))

const pidFile = () => path.join(localServerDirectory(), "neo4j.pid")

/** What the pid file records about a running local server (never a password). */
export const RunningServer = Schema.Struct({
  pid: Schema.Number,
  port: Schema.Number,
  uri: Schema.String,
  dataDirectory: Schema.String,
  authEnabled: Schema.Boolean,
  startedAt: Schema.String,
})
export type RunningServer = typeof RunningServer.Type

/** The local server recorded in the pid file, if its process is still alive. */
export const readRunningServer = (): Option.Option<RunningServer> => {
  try {
    const parsed = Schema.decodeUnknownOption(Schema.parseJson(RunningServer))(fs.readFileSync(pidFile(), "utf8"))
    return Option.filter(parsed, (server) => processAlive(server.pid))
  } catch {
    return Option.none()
  }
}

/** Starts the local server unless it already runs; returns it either way. */
export const startLocalServer = (options: {
  readonly port: number
  readonly heap: string
  readonly pageCacheMb: number
  readonly password: Option.Option<Redacted.Redacted<string>>
}) =>
  Effect.gen(function* () {
    const running = readRunningServer()
    if (Option.isSome(running)) return { server: running.value, alreadyRunning: true }
    if (!(yield* isPortFree(options.port))) return yield* new Neo4jPortInUse({ port: options.port })
    const classpath = yield* ensureLauncherBuilt
    const directory = localServerDirectory()
    const dataDirectory = path.join(directory, "data")
    fs.mkdirSync(dataDirectory, { recursive: true })
    const child = yield* launch(classpath, {
      port: options.port,
      home: dataDirectory,
      heap: options.heap,
      pageCacheMb: options.pageCacheMb,
      password: Option.getOrUndefined(Option.map(options.password, Redacted.value)),
      detachedLogFile: path.join(directory, "neo4j.log"),
    })
    if (child.pid === undefined) {
      return yield* new Neo4jStartFailed({ how: "server", detail: "the launcher has no pid" })
    }
    const server: RunningServer = {
      pid: child.pid,
      port: options.port,
      uri: `bolt://127.0.0.1:${options.port}`,
      dataDirectory,
      authEnabled: Option.isSome(options.password),
      startedAt: new Date().toISOString(),
    }
    fs.writeFileSync(pidFile(), JSON.stringify(server, null, 2))
    return { server, alreadyRunning: false }
  })

/** Stops the local server if it runs (SIGTERM, then SIGKILL after 60 s) and waits until its port is free. */
export const stopLocalServer = Effect.gen(function* () {
  const running = readRunningServer()
  if (Option.isNone(running)) {
    fs.rmSync(pidFile(), { force: true })
    return Option.none<RunningServer>()
  }
  const { pid, port } = running.value
  process.kill(pid, "SIGTERM")
  const deadline = Date.now() + 60_000
  while (processAlive(pid) && Date.now() < deadline) yield* Effect.sleep("200 millis")
  if (processAlive(pid)) process.kill(pid, "SIGKILL")
  while (!(yield* isPortFree(port)) && Date.now() < deadline + 10_000) yield* Effect.sleep("200 millis")
  fs.rmSync(pidFile(), { force: true })
  return running
})
