/**
 * Ingestion as the CLI runs it: every chosen Keap tenant through the extractor into the graph, concurrently under
 * their shared rate budgets, one `IngestionRun` each; or one accounts file. Wiring of `keap` and `graph` only: the
 * extraction, loading, removal guard and identity maintenance are theirs.
 *
 * @since 0.1.0
 */
import { AccountsFile, IdentityGraph, type IngestError, type RunSummary } from "@idgraph/graph"
import { type ExtractionStats, extractTenant, KEAP_SYSTEM, type KeapApiVersion, KeapClient } from "@idgraph/keap"
import { Effect, Either } from "effect"
import { SomeTenantsFailed } from "./CliErrors.js"
import { combineExitCodes, ExitCodes, exitCodeOfError } from "./ExitCode.js"
import type { ConfiguredTenant } from "./IdgraphConfig.js"
import type { ProgressBoard } from "./Progress.js"
import type { IngestSummary, TenantRunReport } from "./render/SummaryRender.js"

/**
 * How long a run waits for another run's lease on its tenant. Longer than the graph's lease TTL (60 s), so that a
 * re-run right after a crashed run (whose lease could not be released) waits the stale lease out instead of failing.
 */
const LEASE_WAIT = "75 seconds"

/** Options of `idgraph ingest keap`. */
export interface KeapIngestOptions {
  readonly tenants: ReadonlyArray<ConfiguredTenant>
  readonly api?: KeapApiVersion
  readonly dryRun: boolean
  readonly allowMassRemoval: boolean
}

/** Options of `idgraph ingest file`. */
export interface FileIngestOptions {
  readonly path: string
  readonly system: string
  readonly tenant: string
  readonly dryRun: boolean
  readonly allowMassRemoval: boolean
}

const fromSummary = (summary: RunSummary, warnings: ReadonlyArray<string>): TenantRunReport => ({
  system: summary.system,
  tenant: summary.tenant,
  status: summary.status,
  runId: summary.runId,
  seen: summary.seen,
  countsKnown: true,
  created: summary.created,
  updated: summary.updated,
  unchanged: summary.unchanged,
  reactivated: summary.reactivated,
  removed: summary.removed,
  quarantined: summary.quarantined,
  apiCalls: summary.apiCalls,
  throttled: summary.throttled,
  durationMs: summary.durationMs,
  warnings: summary.removalSkipped === null ? warnings : [...warnings, summary.removalSkipped],
  error: summary.error,
  exitCode: ExitCodes.success,
})

const fromFailure = (
  system: string,
  tenant: string,
  error: IngestError,
  startedAt: number,
  stats: ExtractionStats | null,
): TenantRunReport => ({
  system,
  tenant,
  status: error._tag === "MassRemovalBlocked" ? "blocked" : "failed",
  runId: "runId" in error ? error.runId : null,
  seen: error._tag === "ExtractionFailed" ? error.seen : (stats?.records ?? 0),
  countsKnown: false,
  created: 0,
  updated: 0,
  unchanged: 0,
  reactivated: 0,
  removed: 0,
  quarantined: stats?.quarantined.length ?? 0,
  apiCalls: stats?.apiCalls ?? null,
  throttled: stats?.rateLimited ?? null,
  durationMs: Date.now() - startedAt,
  warnings: stats?.warnings ?? [],
  error: error.message,
  exitCode: exitCodeOfError(error),
})

/** The summary of several tenant reports; fails with `SomeTenantsFailed` after building it when any failed. */
const finish = (
  startedAt: Date,
  dryRun: boolean,
  reports: ReadonlyArray<TenantRunReport>,
): { readonly summary: IngestSummary; readonly failure: SomeTenantsFailed | null } => {
  const failed = reports.filter((report) => report.error !== null && report.status !== "completed")
  const succeeded = reports.filter((report) => !failed.includes(report))
  const failure =
    failed.length === 0
      ? null
      : new SomeTenantsFailed({
          failed: failed.map((report) => ({
            tenant: `${report.system}:${report.tenant}`,
            message: report.error ?? report.status,
            exitCode: report.exitCode,
          })),
          succeeded: succeeded.map((report) => `${report.system}:${report.tenant}`),
        })
  const exitCode =
    failure === null
      ? ExitCodes.success
      : succeeded.length > 0
        ? ExitCodes.partial
        : combineExitCodes(failed.map((report) => report.exitCode))
  return {
    summary: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      dryRun,
      exitCode,
      tenants: reports,
    },
    failure,
  }
}

/** The ingestion service. */
export class Ingestion extends Effect.Service<Ingestion>()("idgraph/cli/Ingestion", {
  effect: Effect.gen(function* () {
    const graph = yield* IdentityGraph
    const keap = yield* KeapClient

    /** One Keap tenant: extract and load; the outcome is a report, never a failure, so other tenants carry on. */
    const keapTenant = (tenant: ConfiguredTenant, options: KeapIngestOptions, board: ProgressBoard) =>
      Effect.gen(function* () {
        const startedAt = Date.now()
        const extraction = yield* extractTenant(
          tenant.config,
          options.api === undefined ? {} : { api: options.api },
        ).pipe(Effect.provideService(KeapClient, keap))
        yield* board.track(`keap:${tenant.config.name}`, extraction.stats)
        yield* Effect.logInfo(`keap:${tenant.config.name}: ingestion started`).pipe(
          Effect.annotateLogs({ event: "tenant-started", tenant: tenant.config.name }),
        )
        const outcome = yield* Effect.either(
          graph.ingest({
            system: KEAP_SYSTEM,
            tenant: tenant.config.name,
            records: extraction.records,
            dryRun: options.dryRun,
            allowMassRemoval: options.allowMassRemoval,
            leaseWait: LEASE_WAIT,
            extractorReport: Effect.map(extraction.stats, (stats) => ({
              apiCalls: stats.apiCalls,
              throttled: stats.rateLimited,
              quarantined: stats.quarantined.length,
              quarantinedExternalIds: stats.quarantined.flatMap((user) =>
                user.externalId === null ? [] : [user.externalId],
              ),
              notes: [`api ${stats.api}`, ...stats.warnings],
            })),
          }),
        )
        const stats = yield* extraction.stats
        const report = Either.match(outcome, {
          onLeft: (error) => fromFailure(KEAP_SYSTEM, tenant.config.name, error, startedAt, stats),
          onRight: (summary) => fromSummary(summary, stats.warnings),
        })
        yield* (report.error === null ? Effect.logInfo : Effect.logError)(
          `keap:${tenant.config.name}: ${report.status}${report.error === null ? "" : `: ${report.error}`}`,
        ).pipe(Effect.annotateLogs({ event: "tenant-finished", tenant: tenant.config.name, status: report.status }))
        return report
      })

    /** Every chosen tenant concurrently; their budgets are shared per credential by the Keap client. */
    const keapTenants = (options: KeapIngestOptions, board: ProgressBoard) =>
      Effect.gen(function* () {
        const startedAt = new Date()
        const reports = yield* Effect.forEach(options.tenants, (tenant) => keapTenant(tenant, options, board), {
          concurrency: "unbounded",
        })
        return finish(startedAt, options.dryRun, reports)
      })

    /** One accounts file (an IdP or HR export) as one run of `<system>:<tenant>`. */
    const accountsFile = (options: FileIngestOptions) =>
      Effect.gen(function* () {
        const startedAt = new Date()
        const outcome = yield* Effect.either(
          graph.ingest({
            system: options.system,
            tenant: options.tenant,
            records: AccountsFile.read(options.path, { system: options.system, tenant: options.tenant }),
            dryRun: options.dryRun,
            allowMassRemoval: options.allowMassRemoval,
            leaseWait: LEASE_WAIT,
          }),
        )
        const report = Either.match(outcome, {
          onLeft: (error) => fromFailure(options.system, options.tenant, error, startedAt.getTime(), null),
          onRight: (summary) => fromSummary(summary, []),
        })
        return finish(startedAt, options.dryRun, [report])
      })

    return { keapTenants, accountsFile } as const
  }),
}) {}
