/**
 * `pnpm neo4j:start|stop|status`: the long-lived local Neo4j. Wiring only; the commands are in
 * LocalServerCommands.ts.
 */
import { runMain } from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { startCommand, statusCommand, stopCommand } from "./LocalServerCommands.js"

const commands: Record<string, Effect.Effect<unknown, unknown>> = {
  start: startCommand,
  stop: stopCommand,
  status: statusCommand,
}
const command = commands[process.argv[2] ?? ""]

runMain(
  command === undefined
    ? Effect.sync(() => {
        process.stderr.write("usage: neo4j start|stop|status\n")
        process.exitCode = 2
      })
    : Effect.asVoid(command),
)
