/**
 * A connected Neo4j wherever the project runs, as one scoped service. Found in this order:
 * `NEO4J_URI`; the long-lived local server of `pnpm neo4j:start`; a Docker engine (testcontainers);
 * Java 17+ and Maven (Neo4j Community from Maven Central jars). What this layer started, it stops when its scope
 * closes.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Config, Context, type Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import neo4j, { type Driver } from "neo4j-driver"
import { docker } from "./internal/docker.js"
import { ensureLauncherBuilt, javaMajorVersion, launch, mavenAvailable, stopProcess } from "./internal/maven.js"
import { freePort, isPortFree } from "./internal/process.js"
import { readRunningServer } from "./LocalServer.js"
import {
  type Neo4jLocalError,
  Neo4jNotReady,
  Neo4jPortInUse,
  Neo4jStartFailed,
  Neo4jUnavailable,
} from "./Neo4jErrors.js"

/** Where the connection came from. */
export type Neo4jSource = "env" | "local-server" | "docker" | "maven"

/** A connected Neo4j: the driver plus what another process needs to reach the same server. */
export interface Neo4jConnection {
  readonly driver: Driver
  readonly uri: string
  readonly user: string
  readonly password: Option.Option<Redacted.Redacted<string>>
  readonly database: string
  readonly source: Neo4jSource
}

/** Which strategies may be used; `auto` tries them in the documented order. */
export type Neo4jStrategy = "auto" | "env" | "docker" | "maven"

/** Settings for obtaining a Neo4j. All have defaults; see `Neo4jSettings.fromEnv`. */
export interface Neo4jSettings {
  readonly strategy: Neo4jStrategy
  readonly uri: Option.Option<string>
  readonly user: string
  readonly password: Option.Option<Redacted.Redacted<string>>
  readonly database: string
  /** Bolt port for a started server; 0 picks a free one. */
  readonly port: number
  readonly heap: string
  readonly pageCacheMb: number
  /** Whether to look for a running `pnpm neo4j:start` server before starting one. */
  readonly useLocalServer: boolean
}

/** The settings, read from the environment. */
export const settingsFromEnv: Config.Config<Neo4jSettings> = Config.all({
  strategy: Config.literal("auto", "env", "docker", "maven")("IDGRAPH_NEO4J_STRATEGY").pipe(Config.withDefault("auto")),
  uri: Config.option(Config.nonEmptyString("NEO4J_URI")),
  user: Config.nonEmptyString("NEO4J_USER").pipe(Config.withDefault("neo4j")),
  password: Config.option(Config.redacted("NEO4J_PASSWORD")),
  database: Config.nonEmptyString("NEO4J_DATABASE").pipe(Config.withDefault("neo4j")),
  port: Config.port("IDGRAPH_NEO4J_PORT").pipe(Config.withDefault(0)),
  heap: Config.string("IDGRAPH_NEO4J_HEAP").pipe(Config.withDefault("1g")),
  pageCacheMb: Config.integer("IDGRAPH_NEO4J_PAGECACHE_MB").pipe(Config.withDefault(512)),
  useLocalServer: Config.boolean("IDGRAPH_NEO4J_USE_LOCAL_SERVER").pipe(Config.withDefault(true)),
})

/** Opens a driver and waits until a query really answers (not a sleep). */
export const connect = (
  target: Omit<Neo4jConnection, "driver">,
  timeout: Duration.DurationInput = "90 seconds",
): Effect.Effect<Neo4jConnection, Neo4jNotReady, import("effect/Scope").Scope> =>
  Effect.gen(function* () {
    const auth = Option.match(target.password, {
      onNone: () => neo4j.auth.basic(target.user, ""),
      onSome: (password) => neo4j.auth.basic(target.user, Redacted.value(password)),
    })
    const driver = yield* Effect.acquireRelease(
      Effect.sync(() => neo4j.driver(target.uri, auth, { disableLosslessIntegers: false, userAgent: "idgraph/0.1" })),
      (driver) => Effect.promise(() => driver.close()),
    )
    yield* Effect.tryPromise({
      try: () => driver.executeQuery("RETURN 1 AS ok", {}, { database: target.database }),
      catch: (error) => new Neo4jNotReady({ uri: target.uri, detail: String((error as Error).message ?? error) }),
    }).pipe(
      Effect.retry(Schedule.spaced("500 millis").pipe(Schedule.upTo(timeout))),
      Effect.tapError(() => Effect.promise(() => driver.close())),
    )
    return { ...target, driver }
  })

const startWithMaven = (settings: Neo4jSettings) =>
  Effect.gen(function* () {
    const port = settings.port === 0 ? yield* freePort : settings.port
    if (!(yield* isPortFree(port))) return yield* new Neo4jPortInUse({ port })
    const classpath = yield* ensureLauncherBuilt
    const home = yield* Effect.acquireRelease(
      Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "idgraph-neo4j-"))),
      (home) => Effect.sync(() => fs.rmSync(home, { recursive: true, force: true })),
    )
    const password = Option.map(settings.password, Redacted.value).pipe(Option.getOrUndefined)
    yield* Effect.logInfo(`Starting Neo4j Community from Maven jars on bolt://127.0.0.1:${port}`)
    yield* Effect.acquireRelease(
      launch(classpath, { port, home, heap: settings.heap, pageCacheMb: settings.pageCacheMb, password }),
      stopProcess,
    )
    return yield* connect({
      uri: `bolt://127.0.0.1:${port}`,
      user: settings.user,
      password: settings.password,
      database: "neo4j",
      source: "maven",
    })
  })

const startWithDocker = (settings: Neo4jSettings) =>
  Effect.gen(function* () {
    const password = Option.getOrElse(Option.map(settings.password, Redacted.value), () => "idgraph-test-password")
    const started = yield* Effect.acquireRelease(docker.start(password), (started) => started.stop)
    return yield* connect({
      uri: started.uri,
      user: "neo4j",
      password: Option.some(Redacted.make(password)),
      database: "neo4j",
      source: "docker",
    })
  })

/**
 * Obtains a Neo4j in the documented order. Everything started is tied to the current scope.
 */
export const acquire = (
  settings: Neo4jSettings,
): Effect.Effect<Neo4jConnection, Neo4jLocalError, import("effect/Scope").Scope> =>
  Effect.gen(function* () {
    if (Option.isSome(settings.uri) && (settings.strategy === "auto" || settings.strategy === "env")) {
      return yield* connect({
        uri: settings.uri.value,
        user: settings.user,
        password: settings.password,
        database: settings.database,
        source: "env",
      })
    }
    if (settings.strategy === "env") {
      return yield* new Neo4jUnavailable({ reasons: ["IDGRAPH_NEO4J_STRATEGY=env but NEO4J_URI is not set"] })
    }
    if (settings.strategy === "auto" && settings.useLocalServer) {
      const running = readRunningServer()
      if (Option.isSome(running)) {
        return yield* connect({
          uri: running.value.uri,
          user: settings.user,
          password: settings.password,
          database: "neo4j",
          source: "local-server",
        })
      }
    }
    const reasons: Array<string> = ["NEO4J_URI is not set"]
    if (settings.strategy === "auto" || settings.strategy === "docker") {
      if (yield* docker.engineAnswers) return yield* startWithDocker(settings)
      reasons.push("no Docker engine answers")
    }
    if (settings.strategy === "auto" || settings.strategy === "maven") {
      const java = yield* javaMajorVersion
      const maven = yield* mavenAvailable
      if (Option.isSome(java) && java.value >= 17 && maven) return yield* startWithMaven(settings)
      reasons.push(
        Option.match(java, {
          onNone: () => "no Java found",
          onSome: (major) => (major >= 17 ? "Java found" : `Java ${major} found, 17+ needed`),
        }),
        maven ? "Maven found" : "no Maven found",
      )
    }
    return yield* new Neo4jUnavailable({ reasons })
  })

/** The connected Neo4j. */
export class Neo4j extends Context.Tag("idgraph/Neo4j")<Neo4j, Neo4jConnection>() {
  /** Reads the settings from the environment and finds or starts a Neo4j for the layer's lifetime. */
  static readonly layer: Layer.Layer<Neo4j, Neo4jLocalError | import("effect/ConfigError").ConfigError> = Layer.scoped(
    Neo4j,
    Effect.flatMap(settingsFromEnv, (settings) => acquire(settings)),
  )

  /** Finds or starts a Neo4j with explicit settings (tests that need their own server). */
  static readonly layerWith = (settings: Neo4jSettings): Layer.Layer<Neo4j, Neo4jLocalError> =>
    Layer.scoped(Neo4j, acquire(settings))
}

/** Reads the server version (`CALL dbms.components()`), e.g. `5.26.30`. */
export const serverVersion = (connection: Neo4jConnection): Effect.Effect<string, Neo4jNotReady> =>
  Effect.tryPromise({
    try: async () => {
      const result = await connection.driver.executeQuery(
        "CALL dbms.components() YIELD name, versions, edition RETURN name, versions[0] AS version, edition",
        {},
        { database: connection.database },
      )
      return String(result.records[0]?.get("version"))
    },
    catch: (error) => new Neo4jNotReady({ uri: connection.uri, detail: String(error) }),
  })

/** Fails with a clear error when a started server dies; exported for the CLI's status command. */
export const startFailed = (detail: string) => new Neo4jStartFailed({ how: "server", detail })
