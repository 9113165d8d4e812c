/**
 * The end-of-run summary of an ingestion: one row per tenant, as a terminal table and as JSON for schedulers.
 *
 * @since 0.1.0
 */
import { duration, renderTextTable } from "./Format.js"

/** What one tenant's run came to, in the CLI's words. */
export interface TenantRunReport {
  readonly system: string
  readonly tenant: string
  /** `completed`, `dry-run`, `failed`, `blocked`, `interrupted`. */
  readonly status: string
  readonly runId: string | null
  readonly seen: number
  /**
   * Whether created/updated/unchanged are known. A failed run loaded what it read before failing, but the graph
   * reports only how many records it saw; those counts are then shown as `-`, not as a misleading 0.
   */
  readonly countsKnown: boolean
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  readonly reactivated: number
  readonly removed: number
  readonly quarantined: number
  readonly apiCalls: number | null
  readonly throttled: number | null
  readonly durationMs: number
  readonly warnings: ReadonlyArray<string>
  /** The failure, when the run did not complete. */
  readonly error: string | null
  /** The exit code this tenant alone would give. */
  readonly exitCode: number
}

/** The summary JSON written by `--summary-json` and printed under `--log-format json`. */
export interface IngestSummary {
  readonly startedAt: string
  readonly finishedAt: string
  readonly dryRun: boolean
  readonly exitCode: number
  readonly tenants: ReadonlyArray<TenantRunReport>
}

const count = (value: number | null) => (value === null ? "-" : String(value))

/** The summary for a terminal. */
export const summaryAsText = (summary: IngestSummary): string => {
  const table = renderTextTable({
    headers: [
      "Tenant",
      "Status",
      "Seen",
      "Created",
      "Updated",
      "Unchanged",
      "Removed",
      "Quarantined",
      "API calls",
      "429s",
      "Duration",
    ],
    rows: summary.tenants.map((run) => [
      `${run.system}:${run.tenant}`,
      run.status,
      String(run.seen),
      run.countsKnown ? String(run.created) : "-",
      run.countsKnown ? String(run.updated) : "-",
      run.countsKnown ? String(run.unchanged) : "-",
      String(run.removed),
      String(run.quarantined),
      count(run.apiCalls),
      count(run.throttled),
      duration(run.durationMs),
    ]),
  })
  const notes = summary.tenants.flatMap((run) => [
    ...(run.error === null ? [] : [`${run.system}:${run.tenant}: ${run.error}`]),
    ...run.warnings.map((warning) => `${run.system}:${run.tenant}: warning: ${warning}`),
  ])
  const title = summary.dryRun ? "Ingestion summary (dry run: nothing was written)" : "Ingestion summary"
  return [title, table, ...(notes.length === 0 ? [] : ["", ...notes])].join("\n")
}

/** The summary as JSON. */
export const summaryAsJson = (summary: IngestSummary): string => JSON.stringify(summary, null, 2)
