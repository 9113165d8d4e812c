/**
 * What can go wrong in the graph, each with a message a person can act on.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/** Neo4j could not be reached, or went away in the middle of a run. */
export class GraphUnavailable extends Data.TaggedError("GraphUnavailable")<{
  readonly uri: string
  readonly during: string
  readonly detail: string
}> {
  override get message() {
    return `Neo4j at ${this.uri} is unavailable (while ${this.during}): ${this.detail}. Check that the server runs (\`pnpm neo4j:status\`) and re-run; a run interrupted this way marks nothing removed.`
  }
}

/** Neo4j refused a query for a reason other than availability (a bug, or a schema the loader did not expect). */
export class GraphQueryFailed extends Data.TaggedError("GraphQueryFailed")<{
  readonly during: string
  readonly code: string
  readonly detail: string
}> {
  override get message() {
    return `Neo4j refused a query while ${this.during} (${this.code}): ${this.detail}`
  }
}

/** A run would mark more of a tenant's accounts removed than the configured share allows. */
export class MassRemovalBlocked extends Data.TaggedError("MassRemovalBlocked")<{
  readonly runId: string
  readonly tenantUid: string
  readonly wouldRemove: number
  readonly activeBefore: number
  readonly maxShare: number
}> {
  override get message() {
    const percent = Math.round((this.wouldRemove / Math.max(1, this.activeBefore)) * 100)
    return `Run ${this.runId} would mark ${this.wouldRemove} of ${this.activeBefore} active accounts of ${this.tenantUid} removed (${percent}%, more than the allowed ${Math.round(this.maxShare * 100)}%). Nothing was removed; the accounts seen were loaded. If the source really lost these accounts, re-run with --allow-mass-removal.`
  }
}

/** Another run holds the tenant's lease: two runs on one tenant must not interleave. */
export class RunLeaseHeld extends Data.TaggedError("RunLeaseHeld")<{
  readonly lease: string
  readonly holder: string
  readonly expiresAt: string
}> {
  override get message() {
    return `Another run (${this.holder}) is working on ${this.lease}; its lease expires at ${this.expiresAt} unless renewed. Wait for it to finish, or give the run a longer lease wait.`
  }
}

/** The source stream failed before the extraction completed. The run is recorded as failed and removed nothing. */
export class ExtractionFailed extends Data.TaggedError("ExtractionFailed")<{
  readonly runId: string
  readonly tenantUid: string
  readonly seen: number
  readonly cause: unknown
  /** A dry run writes nothing, not even the run: the message must not say the records were loaded. */
  readonly dryRun?: boolean
}> {
  override get message() {
    const cause =
      this.cause instanceof Error || (typeof this.cause === "object" && this.cause !== null && "message" in this.cause)
        ? String((this.cause as { message: unknown }).message)
        : String(this.cause)
    const reason = cause.replace(/\.+$/, "")
    return this.dryRun === true
      ? `The extraction of ${this.tenantUid} failed after ${this.seen} records (dry run ${this.runId}, nothing written): ${reason}.`
      : `The extraction of ${this.tenantUid} failed after ${this.seen} records (run ${this.runId}, recorded as failed): ${reason}. The records read were loaded; nothing was marked removed.`
  }
}

/** A run id passed to `changesSince` names no run in the graph. */
export class UnknownRun extends Data.TaggedError("UnknownRun")<{ readonly runId: string }> {
  override get message() {
    return `No ingestion run ${this.runId} exists in the graph. List runs with the CLI and pass one of their ids.`
  }
}

/** Every error of talking to Neo4j. */
export type GraphError = GraphUnavailable | GraphQueryFailed

/** The system or tenant given to a run cannot be used (the system names the graph label, so it is validated). */
export class InvalidRunTarget extends Data.TaggedError("InvalidRunTarget")<{
  readonly system: string
  readonly tenant: string
  readonly reason: string
}> {
  override get message() {
    return `Cannot ingest into system ${JSON.stringify(this.system)}, tenant ${JSON.stringify(this.tenant)}: ${this.reason}`
  }
}

/** The source produced a record of another system or tenant than the run's: a bug in the source. */
export class RecordOutsideRun extends Data.TaggedError("RecordOutsideRun")<{
  readonly expected: string
  readonly found: string
  readonly externalId: string
}> {
  override get message() {
    return `The source produced account ${this.externalId} of ${this.found} inside a run for ${this.expected}; a run loads one tenant only.`
  }
}
