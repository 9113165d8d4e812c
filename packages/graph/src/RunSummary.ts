/**
 * What an ingestion run reports: to the caller as a value, and to the graph as an `(:IngestionRun)` node.
 *
 * @since 0.1.0
 */
import type { IdentityMaintenanceReport } from "./internal/identityMaintenance.js"

export type { IdentityMaintenanceReport }

/** How a run ended. `blocked`: the mass-removal guard stopped it; `dry-run`: nothing was written. */
export type RunStatus = "running" | "completed" | "failed" | "interrupted" | "blocked" | "dry-run"

/** What the extractor knows about its own work, recorded on the run. */
export interface ExtractorReport {
  readonly apiCalls?: number
  /** HTTP 429 answers received. */
  readonly throttled?: number
  /** Records the extractor could not turn into an AccountRecord. */
  readonly quarantined?: number
  /**
   * External ids of quarantined records, when known. Those accounts are protected from removal; when fewer ids
   * than `quarantined` are known, the run removes nothing (a record it could not read may be any account).
   */
  readonly quarantinedExternalIds?: ReadonlyArray<string>
  /** Anything else worth keeping with the run (API version, warnings). */
  readonly notes?: ReadonlyArray<string>
}

/** The outcome of one ingestion run. */
export interface RunSummary {
  readonly runId: string
  readonly system: string
  readonly tenant: string
  readonly tenantUid: string
  readonly status: RunStatus
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  /** Distinct records received. */
  readonly seen: number
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  /** Accounts removed earlier and seen again. */
  readonly reactivated: number
  /** Accounts marked removed (`active: false`) by this run; in a dry run, those that would be. */
  readonly removed: number
  readonly quarantined: number
  readonly apiCalls: number | null
  readonly throttled: number | null
  /** Why removal was skipped although the extraction completed, or null. */
  readonly removalSkipped: string | null
  /** Identity maintenance after the run; null in a dry run or when the run could not reach it. */
  readonly identities: IdentityMaintenanceReport | null
  /** The failure, for failed, interrupted and blocked runs. */
  readonly error: string | null
  /** Where the time went: loading batches, marking removals, identity maintenance. */
  readonly timings: { readonly loadMs: number; readonly removalMs: number; readonly identitiesMs: number }
}

/** A run as the graph recorded it (for listing runs and picking one for `changesSince`). */
export interface RunRecord {
  readonly runId: string
  /** Order of the run among all runs. */
  readonly seq: number
  readonly system: string
  readonly tenant: string
  readonly tenantUid: string
  readonly status: RunStatus
  readonly startedAt: string
  readonly finishedAt: string | null
  readonly seen: number | null
  readonly created: number | null
  readonly updated: number | null
  readonly unchanged: number | null
  readonly reactivated: number | null
  readonly removed: number | null
  readonly quarantined: number | null
  readonly apiCalls: number | null
  readonly throttled: number | null
  readonly error: string | null
}
