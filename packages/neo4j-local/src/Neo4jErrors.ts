/**
 * Why a Neo4j could not be found or started, each with what to do about it.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** None of the three ways to get a Neo4j is available here. */
export class Neo4jUnavailable extends Data.TaggedError("Neo4jUnavailable")<{
  readonly reasons: ReadonlyArray<string>
}> {
  override get message() {
    return [
      "No Neo4j is available. Use one of:",
      "  1. set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) to a running Neo4j 5;",
      "  2. run a Docker engine, so neo4j:5.26-community can be started with testcontainers;",
      "  3. install Java 17+ and Maven, so Neo4j Community is started from Maven Central jars.",
      `What was found: ${this.reasons.join("; ")}`,
    ].join("\n")
  }
}

/** The Bolt port asked for is taken by another process. */
export class Neo4jPortInUse extends Data.TaggedError("Neo4jPortInUse")<{ readonly port: number }> {
  override get message() {
    return `Port ${this.port} on 127.0.0.1 is already in use. Stop what listens there (\`pnpm neo4j:status\` shows whether it is ours) or choose another port with IDGRAPH_NEO4J_PORT.`
  }
}

/** Maven could not build the launcher or fetch the Neo4j jars. */
export class Neo4jMavenFailed extends Data.TaggedError("Neo4jMavenFailed")<{
  readonly exitCode: number | null
  readonly output: string
}> {
  override get message() {
    return `Maven could not fetch Neo4j's jars or build the launcher (exit ${this.exitCode}). Check that Maven Central is reachable (or ~/.m2 holds org.neo4j:neo4j 5.26), then retry. Maven said:\n${this.output}`
  }
}

/** The Neo4j process started but did not become ready, or died. */
export class Neo4jStartFailed extends Data.TaggedError("Neo4jStartFailed")<{
  readonly how: "maven" | "docker" | "server"
  readonly detail: string
}> {
  override get message() {
    return `Neo4j (${this.how}) did not start: ${this.detail}`
  }
}

/** A Neo4j is configured but Bolt does not answer a query in time. */
export class Neo4jNotReady extends Data.TaggedError("Neo4jNotReady")<{
  readonly uri: string
  readonly detail: string
}> {
  override get message() {
    return `Neo4j at ${this.uri} did not answer a query: ${this.detail}. Check that it runs and the credentials (NEO4J_USER/NEO4J_PASSWORD) are right.`
  }
}

/** Everything that can go wrong while obtaining a Neo4j. */
export type Neo4jLocalError = Neo4jUnavailable | Neo4jPortInUse | Neo4jMavenFailed | Neo4jStartFailed | Neo4jNotReady
