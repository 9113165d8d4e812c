/**
 * The one place where outcomes become process exit codes. Documented in the README and in `idgraph --help`.
 *
 * @since 0.1.0
 */
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, ConfigError, Exit, Option } from "effect"

/** The exit codes of every idgraph command. */
export const ExitCodes = {
  success: 0,
  failure: 1,
  usage: 2,
  authorisationNeeded: 3,
  quotaExhausted: 4,
  partial: 5,
} as const

/** The exit codes as help text. */
export const exitCodesHelp = [
  "Exit codes: 0 success; 1 anything else;",
  "2 usage or configuration (the message names the setting);",
  "3 authorisation needed (a person must re-authorise: idgraph auth keap login);",
  "4 Keap quota exhausted (try after the window resets);",
  "5 partial (some tenants failed, the others landed).",
].join(" ")

const AUTH_REASONS_NEEDING_A_PERSON = new Set([
  "ReauthorizationRequired",
  "NotAuthorized",
  "InvalidApiKey",
  "Forbidden",
])

// Checked in this order when several tenants failed differently: the code that asks for the most specific action.
const PRIORITY = [ExitCodes.authorisationNeeded, ExitCodes.quotaExhausted, ExitCodes.usage, ExitCodes.failure]

/** The exit code one failure deserves. */
export const exitCodeOfError = (error: unknown): number => {
  if (ValidationError.isValidationError(error)) {
    // `--help` and `--version` end the same way as a usage mistake in @effect/cli, but they are a success.
    return ValidationError.isHelpRequested(error) ? ExitCodes.success : ExitCodes.usage
  }
  if (ConfigError.isConfigError(error)) return ExitCodes.usage
  if (typeof error !== "object" || error === null || !("_tag" in error)) return ExitCodes.failure
  const tagged = error as { readonly _tag: string; readonly [key: string]: unknown }
  switch (tagged._tag) {
    case "ConfigInvalid":
    case "UsageError":
    case "InvalidRunTarget":
      return ExitCodes.usage
    case "KeapAuthError":
      return AUTH_REASONS_NEEDING_A_PERSON.has(String(tagged.reason))
        ? ExitCodes.authorisationNeeded
        : ExitCodes.failure
    case "KeapRateLimited":
      return ExitCodes.quotaExhausted
    case "ExtractionFailed":
      return exitCodeOfError(tagged.cause)
    case "SomeTenantsFailed": {
      const succeeded = tagged.succeeded as ReadonlyArray<string>
      if (succeeded.length > 0) return ExitCodes.partial
      return combineExitCodes((tagged.failed as ReadonlyArray<{ readonly exitCode: number }>).map((f) => f.exitCode))
    }
    default:
      return ExitCodes.failure
  }
}

/** The exit code of several failures of one command: the most specific one. */
export const combineExitCodes = (codes: ReadonlyArray<number>): number => {
  if (codes.length === 0) return ExitCodes.success
  for (const code of PRIORITY) if (codes.includes(code)) return code
  return ExitCodes.failure
}

/** The exit code of a finished program. */
export const exitCodeOfExit = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return ExitCodes.success
  const failure = Cause.failureOption(exit.cause)
  return Option.match(failure, { onNone: () => ExitCodes.failure, onSome: exitCodeOfError })
}
