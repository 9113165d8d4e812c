/** The Docker strategy: `neo4j:5.26-community` started by testcontainers, when a Docker engine answers. */
import { Effect } from "effect"
import { Neo4jStartFailed } from "../Neo4jErrors.js"
import { runCommand } from "./process.js"

/** The image the project pins for Docker users (also in docker-compose.yml). */
export const NEO4J_IMAGE = "neo4j:5.26-community"

export const docker = {
  /** A Docker engine answers (not only the client is installed). */
  engineAnswers: runCommand("docker", ["info", "--format", "{{.ServerVersion}}"], { timeoutMs: 10_000 }).pipe(
    Effect.map(({ exitCode, output }) => exitCode === 0 && output.trim().length > 0),
  ),
  start: (password: string) =>
    Effect.tryPromise({
      try: async () => {
        // Loaded only here: testcontainers is heavy and most machines take another path.
        const { Neo4jContainer } = await import("@testcontainers/neo4j")
        const container = await new Neo4jContainer(NEO4J_IMAGE).withPassword(password).start()
        return {
          uri: container.getBoltUri(),
          stop: Effect.promise(() => container.stop()).pipe(Effect.asVoid),
        }
      },
      catch: (error) => new Neo4jStartFailed({ how: "docker", detail: String(error) }),
    }),
}
