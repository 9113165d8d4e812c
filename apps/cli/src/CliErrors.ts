/**
 * The CLI's own failures: configuration and usage mistakes, and runs where some tenants failed. Each says what to do.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** A setting is missing or malformed. Reported before any network call, naming the setting and what it expects. */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  /** The setting's name: an environment variable, a config-file path such as `keap.tenants[1].name`, or a flag. */
  readonly setting: string
  readonly expected: string
  /** What was found, when showing it is safe (never for secrets). */
  readonly found?: string
}> {
  override get message(): string {
    const found = this.found === undefined ? "" : ` (found ${this.found})`
    return `Configuration: ${this.setting} must be ${this.expected}${found}.`
  }
}

/** The command line asked for something that cannot be done as asked. */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly detail: string }> {
  override get message(): string {
    return `Usage: ${this.detail}. See --help.`
  }
}

/** Some tenants of an ingestion failed while others landed. */
export class SomeTenantsFailed extends Data.TaggedError("SomeTenantsFailed")<{
  readonly failed: ReadonlyArray<{ readonly tenant: string; readonly message: string; readonly exitCode: number }>
  readonly succeeded: ReadonlyArray<string>
}> {
  override get message(): string {
    const lines = this.failed.map((failure) => `  ${failure.tenant}: ${failure.message}`)
    return this.succeeded.length === 0
      ? `Every tenant failed:\n${lines.join("\n")}`
      : `${this.failed.length} of ${this.failed.length + this.succeeded.length} tenants failed (the others landed):\n${lines.join("\n")}`
  }
}

/** A file could not be read or written. */
export class FileError extends Data.TaggedError("FileError")<{
  readonly path: string
  readonly operation: "read" | "write"
  readonly detail: string
}> {
  override get message(): string {
    return `Could not ${this.operation} ${this.path}: ${this.detail}`
  }
}

/** The OAuth loopback callback did not receive a usable authorisation code. */
export class AuthorizationCallbackFailed extends Data.TaggedError("AuthorizationCallbackFailed")<{
  readonly detail: string
}> {
  override get message(): string {
    return `The OAuth authorisation did not complete: ${this.detail}. Run \`idgraph auth keap login\` again.`
  }
}
