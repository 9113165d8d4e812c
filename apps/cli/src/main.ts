/**
 * The `idgraph` entry point: runs the command tree on Node and turns the outcome into the documented exit code.
 * Wiring only; commands are in Cli.ts, exit codes in ExitCode.ts.
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, ConfigError, Effect, Exit, Option } from "effect"
import { idgraphCommand } from "./Cli.js"
import { exitCodeOfExit, exitCodesHelp } from "./ExitCode.js"

const cli = Command.run(idgraphCommand, {
  name: "idgraph",
  version: "0.1.0",
  footer: HelpDoc.p(exitCodesHelp),
})

/** One readable line per failure on stderr: the typed error's message, never a stack for an expected failure. */
const reportFailure = (cause: Cause.Cause<unknown>) =>
  Effect.sync(() => {
    // Interruptions are reported by the teardown below, which also sees those from outside (Ctrl-C).
    if (Cause.isInterruptedOnly(cause)) return
    const failure = Cause.failureOption(cause)
    if (Option.isSome(failure)) {
      // @effect/cli has printed its own usage message already.
      if (ValidationError.isValidationError(failure.value)) return
      const error = failure.value
      // Effect's ConfigError names the variable only in its string form ("Invalid data at NEO4J_URI: ...").
      if (ConfigError.isConfigError(error)) {
        process.stderr.write(`idgraph: configuration: ${String(error)}\n`)
        return
      }
      const message =
        error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
          ? String((error as { message: unknown }).message)
          : String(error)
      process.stderr.write(`idgraph: ${message}\n`)
      return
    }
    process.stderr.write(`idgraph: unexpected failure:\n${Cause.pretty(cause)}\n`)
  })

cli(process.argv).pipe(Effect.tapErrorCause(reportFailure), Effect.provide(NodeContext.layer), (program) =>
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    // Logs go through the logger each command installs (stderr, text or JSON), not the runtime's pretty one.
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      if (Exit.isInterrupted(exit)) process.stderr.write("idgraph: interrupted; nothing was marked removed.\n")
      onExit(exitCodeOfExit(exit))
    },
  }),
)
