/**
 * The Java/Maven strategy: build the launcher in `launcher/` with Maven (which fetches Neo4j's jars from Maven
 * Central once and caches them in ~/.m2), then run it with `java` directly so that we own the process.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Option } from "effect"
import { Neo4jMavenFailed, Neo4jStartFailed } from "../Neo4jErrors.js"
import { runCommand } from "./process.js"

/** The Maven project of the launcher, beside `src/`. */
export const launcherDirectory = fileURLToPath(new URL("../../launcher/", import.meta.url))
const classpathFile = path.join(launcherDirectory, "target", "classpath.txt")
const launcherSource = path.join(launcherDirectory, "src/main/java/dev/idgraph/neo4j/Launcher.java")
const launcherClass = path.join(launcherDirectory, "target/classes/dev/idgraph/neo4j/Launcher.class")
const pom = path.join(launcherDirectory, "pom.xml")

/** The printed line that means the database answers. */
export const READY_LINE = "IDGRAPH_NEO4J_READY"

const javaExecutable = (): string => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin", "java") : "java")

/** The major version of the Java on this machine, if any. */
export const javaMajorVersion: Effect.Effect<Option.Option<number>> = runCommand(javaExecutable(), ["-version"], {
  timeoutMs: 20_000,
}).pipe(
  Effect.map(({ exitCode, output }) => {
    if (exitCode !== 0) return Option.none()
    const match = /version "(\d+)(?:\.(\d+))?/.exec(output)
    if (!match) return Option.none()
    const major = Number(match[1]) === 1 ? Number(match[2]) : Number(match[1])
    return Option.some(major)
  }),
)

/** Whether `mvn` runs here. */
export const mavenAvailable: Effect.Effect<boolean> = runCommand("mvn", ["-v"], { timeoutMs: 30_000 }).pipe(
  Effect.map(({ exitCode }) => exitCode === 0),
)

const mtime = (file: string): number => {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return 0
  }
}

const readClasspath = (): Option.Option<string> => {
  try {
    const classpath = fs.readFileSync(classpathFile, "utf8").trim()
    const jarsPresent = classpath.split(path.delimiter).every((jar) => fs.existsSync(jar))
    return jarsPresent && classpath.length > 0 ? Option.some(classpath) : Option.none()
  } catch {
    return Option.none()
  }
}

/**
 * The launcher's runtime classpath, building it with Maven when it is missing or stale (first use, a changed pom,
 * a wiped ~/.m2). Maven's own cache makes later builds offline.
 */
export const ensureLauncherBuilt: Effect.Effect<string, Neo4jMavenFailed> = Effect.gen(function* () {
  const cached = readClasspath()
  const fresh = mtime(launcherClass) > Math.max(mtime(launcherSource), mtime(pom)) && mtime(classpathFile) > mtime(pom)
  if (Option.isSome(cached) && fresh) return cached.value
  yield* Effect.logInfo("Building the Neo4j launcher with Maven (the first time fetches Neo4j's jars)")
  const { exitCode, output } = yield* runCommand(
    "mvn",
    ["-B", "-q", "-f", pom, "compile", "dependency:build-classpath", `-Dmdep.outputFile=${classpathFile}`],
    { timeoutMs: 15 * 60_000 },
  )
  const built = readClasspath()
  if (exitCode !== 0 || Option.isNone(built)) {
    return yield* new Neo4jMavenFailed({ exitCode, output: output.split("\n").slice(-25).join("\n") })
  }
  return built.value
})

/** How to run one Neo4j from the launcher. */
export interface LaunchOptions {
  readonly port: number
  readonly home: string
  readonly heap: string
  readonly pageCacheMb: number
  readonly password: string | undefined
  /** Detach from this process (a long-lived server for `neo4j:start`), logging to this file. */
  readonly detachedLogFile?: string
}

/**
 * Starts the launcher and resolves once it printed its ready line. The child is killed if this is interrupted
 * before it became ready.
 */
export const launch = (classpath: string, options: LaunchOptions): Effect.Effect<ChildProcess, Neo4jStartFailed> =>
  Effect.async<ChildProcess, Neo4jStartFailed>((resume) => {
    fs.mkdirSync(options.home, { recursive: true })
    const args = [
      `-Xmx${options.heap}`,
      `-Xms${options.heap}`,
      "-XX:+UseG1GC",
      // Neo4j reaches into these JDK internals for performance and warns loudly without them.
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "-Dfile.encoding=UTF-8",
      "-cp",
      `${path.join(launcherDirectory, "target", "classes")}${path.delimiter}${classpath}`,
      "dev.idgraph.neo4j.Launcher",
      "--port",
      String(options.port),
      "--home",
      options.home,
      "--pagecache-mb",
      String(options.pageCacheMb),
    ]
    const env = { ...process.env, IDGRAPH_NEO4J_PASSWORD: options.password ?? "" }
    const detached = options.detachedLogFile !== undefined
    const logFd = detached ? fs.openSync(options.detachedLogFile!, "a") : undefined
    const child = spawn(javaExecutable(), args, {
      env,
      detached,
      stdio: detached ? ["ignore", logFd!, logFd!] : ["ignore", "pipe", "pipe"],
    })
    let settled = false
    let tail = ""
    const settle = (effect: Effect.Effect<ChildProcess, Neo4jStartFailed>) => {
      if (settled) return
      settled = true
      resume(effect)
    }
    const remember = (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-4000)
      if (tail.includes(READY_LINE)) settle(Effect.succeed(child))
    }
    child.stdout?.on("data", remember)
    child.stderr?.on("data", remember)
    child.on("error", (error) => settle(Effect.fail(new Neo4jStartFailed({ how: "maven", detail: String(error) }))))
    child.on("exit", (code) =>
      settle(
        Effect.fail(
          new Neo4jStartFailed({
            how: "maven",
            detail: `the launcher exited with ${code} before it was ready:\n${tail}`,
          }),
        ),
      ),
    )
    let poll: NodeJS.Timeout | undefined
    if (detached) {
      // A detached child writes to its log file, not to us: watch the file for the ready line.
      poll = setInterval(() => {
        try {
          const log = fs.readFileSync(options.detachedLogFile!, "utf8")
          if (log.includes(`${READY_LINE} bolt://127.0.0.1:${options.port}`)) {
            clearInterval(poll)
            child.unref()
            settle(Effect.succeed(child))
          }
        } catch {
          // not written yet
        }
      }, 250)
      if (logFd !== undefined) fs.closeSync(logFd)
    }
    return Effect.sync(() => {
      if (poll) clearInterval(poll)
      child.kill("SIGKILL")
    })
  }).pipe(
    Effect.timeoutFail({
      duration: "180 seconds",
      onTimeout: () => new Neo4jStartFailed({ how: "maven", detail: "no ready line within 180 seconds" }),
    }),
  )

/** Stops the launcher cleanly (SIGTERM lets Neo4j close its store), killing it if it does not exit in time. */
export const stopProcess = (child: ChildProcess): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resume(Effect.void)
      return
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    child.kill("SIGTERM")
  })
