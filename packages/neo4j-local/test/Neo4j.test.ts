import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import neo4j from "neo4j-driver"
import { acquire, Neo4j, type Neo4jSettings, Neo4jUnavailable, serverVersion, settingsFromEnv } from "../src/index.js"
import { freePort, isPortFree } from "../src/internal/process.js"

const run = promisify(execFile)
const repositoryRoot = path.resolve(import.meta.dirname, "../../..")

describe("the Neo4j of this test run", () => {
  it.live("is Neo4j 5.26 and writes and reads through neo4j-driver 6", () =>
    Effect.gen(function* () {
      const connection = yield* Neo4j
      // The global setup exported NEO4J_URI, so this layer must connect to it, not start another server.
      expect(connection.source).toBe("env")
      expect(yield* serverVersion(connection)).toMatch(/^5\.26\./)
      const marker = `smoke-${Date.now()}-${Math.random()}`
      yield* Effect.promise(() =>
        connection.driver.executeQuery("CREATE (:SmokeTest {marker: $marker, name: $name})", {
          marker,
          name: "Zoë 'quoted' \"name\"",
        }),
      )
      const read = yield* Effect.promise(() =>
        connection.driver.executeQuery("MATCH (n:SmokeTest {marker: $marker}) RETURN n.name AS name", { marker }),
      )
      expect(read.records.map((record) => record.get("name"))).toEqual(["Zoë 'quoted' \"name\""])
      yield* Effect.promise(() =>
        connection.driver.executeQuery("MATCH (n:SmokeTest {marker: $marker}) DELETE n", { marker }),
      )
    }).pipe(Effect.provide(Neo4j.layer)),
  )

  it.live("NEO4J_URI is used as it is: a second driver sees what the first wrote", () =>
    Effect.gen(function* () {
      const settings = yield* settingsFromEnv
      expect(Option.isSome(settings.uri)).toBe(true)
      const first = yield* Neo4j
      const marker = `env-${Date.now()}`
      yield* Effect.promise(() => first.driver.executeQuery("CREATE (:SmokeTest {marker: $marker})", { marker }))
      // An independent driver built from the environment alone reaches the same database.
      const other = neo4j.driver(process.env.NEO4J_URI!, neo4j.auth.basic(process.env.NEO4J_USER ?? "neo4j", ""))
      const found = yield* Effect.promise(() =>
        other.executeQuery("MATCH (n:SmokeTest {marker: $marker}) RETURN count(n) AS c", { marker }),
      )
      yield* Effect.promise(() => other.close())
      expect(found.records[0]?.get("c").toNumber()).toBe(1)
      yield* Effect.promise(() =>
        first.driver.executeQuery("MATCH (n:SmokeTest {marker: $marker}) DELETE n", { marker }),
      )
    }).pipe(Effect.provide(Neo4j.layer)),
  )
})

describe("strategies", () => {
  const base: Neo4jSettings = {
    strategy: "auto",
    uri: Option.none(),
    user: "neo4j",
    password: Option.none(),
    database: "neo4j",
    port: 0,
    heap: "512m",
    pageCacheMb: 64,
    useLocalServer: false,
  }

  it.live("env strategy without NEO4J_URI fails with a message listing the three ways", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.scoped(acquire({ ...base, strategy: "env" })))
      expect(error).toBeInstanceOf(Neo4jUnavailable)
      expect(error.message).toContain("NEO4J_URI")
      expect(error.message).toContain("Docker")
      expect(error.message).toContain("Java 17+ and Maven")
    }),
  )

  it.live("maven strategy starts its own Neo4j with a password, and frees the port when the scope closes", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const password = "s3cret-test"
      const connection = yield* Effect.scoped(
        Effect.gen(function* () {
          const connection = yield* acquire({
            ...base,
            strategy: "maven",
            port,
            password: Option.some(Redacted.make(password)),
          })
          expect(connection.source).toBe("maven")
          expect(connection.uri).toBe(`bolt://127.0.0.1:${port}`)
          expect(yield* serverVersion(connection)).toMatch(/^5\.26\./)
          // Auth is on when a password is given: a wrong one is refused.
          const wrong = neo4j.driver(connection.uri, neo4j.auth.basic("neo4j", "wrong-password"))
          const refused = yield* Effect.promise(() =>
            wrong.executeQuery("RETURN 1").then(
              () => false,
              () => true,
            ),
          )
          yield* Effect.promise(() => wrong.close())
          expect(refused).toBe(true)
          return connection
        }),
      )
      expect(connection.uri).toContain(String(port))
      expect(yield* isPortFree(port)).toBe(true)
    }),
  )

  it.live("a port in use is a typed error", () =>
    Effect.gen(function* () {
      const port = Number(new URL(process.env.NEO4J_URI!.replace("bolt:", "http:")).port)
      const error = yield* Effect.flip(Effect.scoped(acquire({ ...base, strategy: "maven", port })))
      expect(error._tag).toBe("Neo4jPortInUse")
      expect(error.message).toContain(String(port))
    }),
  )
})

describe("pnpm neo4j:start / stop / status", () => {
  it.live("start leaves a server another process can query; start twice is harmless; stop frees the port", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "idgraph-local-"))
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        IDGRAPH_NEO4J_PORT: String(port),
        IDGRAPH_NEO4J_HOME: home,
        IDGRAPH_NEO4J_HEAP: "512m",
      }
      delete env.NEO4J_PASSWORD
      const script = (command: string) =>
        Effect.promise(() =>
          run("pnpm", ["--silent", `neo4j:${command}`], { cwd: repositoryRoot, env, timeout: 240_000 }),
        ).pipe(Effect.map((result) => result.stdout))
      yield* Effect.gen(function* () {
        expect(yield* script("start")).toContain(`started at bolt://127.0.0.1:${port}`)
        expect(yield* script("start")).toContain("already running")
        expect(yield* script("status")).toContain(`running at bolt://127.0.0.1:${port}`)
        // A separate Node process queries it.
        const query = yield* Effect.promise(() =>
          run(
            "node",
            [
              "--input-type=module",
              "-e",
              `import neo4j from "neo4j-driver"; const d = neo4j.driver("bolt://127.0.0.1:${port}"); const r = await d.executeQuery("RETURN 41 + 1 AS answer"); console.log(r.records[0].get("answer").toNumber()); await d.close()`,
            ],
            { cwd: import.meta.dirname, timeout: 60_000 },
          ),
        )
        expect(query.stdout.trim()).toBe("42")
      }).pipe(Effect.ensuring(Effect.orDie(script("stop"))))
      expect(yield* isPortFree(port)).toBe(true)
      expect(yield* script("status")).toContain("not running")
      fs.rmSync(home, { recursive: true, force: true })
    }),
  )
})
