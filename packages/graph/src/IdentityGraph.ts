/**
 * The identity graph as one service: schema migrations, ingestion runs (batched loader, removal behind a guard,
 * identity maintenance, provenance), and the queries (resolve, review, changes, summary).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { AccountRecord, tenantUid as toTenantUid } from "@idgraph/identity"
import { Neo4j, type Neo4jConnection } from "@idgraph/neo4j-local"
import { Cause, Context, Duration, Effect, Either, Exit, Layer, Option, Schema, Stream } from "effect"
import {
  ExtractionFailed,
  type GraphError,
  InvalidRunTarget,
  MassRemovalBlocked,
  RecordOutsideRun,
  type RunLeaseHeld,
  type UnknownRun,
} from "./GraphErrors.js"
import { int, readRows, writeRows } from "./internal/cypher.js"
import {
  ensureSharedThreshold,
  type IdentityMaintenanceReport,
  maintainIdentities,
} from "./internal/identityMaintenance.js"
import { holdLease } from "./internal/lease.js"
import { type BatchCounts, loadBatch, queriesFor } from "./internal/loader.js"
import * as Queries from "./internal/queries.js"
import { migrate } from "./Migrations.js"
import type { Review, ReviewOptions } from "./Review.js"
import type { ExtractorReport, RunRecord, RunStatus, RunSummary } from "./RunSummary.js"
import type { Changes, GraphSummary, Resolution, Scope } from "./Views.js"

/** Settings of the graph. Every field has a default (see `IdentityGraph.defaults`). */
export interface IdentityGraphOptions {
  /** An identifier held by more than this many accounts of one tenant is shared and links nothing. */
  readonly sharedThreshold: number
  /** A run that would remove more than this share of a tenant's active accounts stops (0.2 = 20%). */
  readonly maxRemovalShare: number
  /** Records per write transaction. */
  readonly batchSize: number
  /** Flagged accounts taken per identity-maintenance chunk. */
  readonly identityChunkSize: number
  /** How long a lease lives without renewal (renewed every third of it while the run works). */
  readonly leaseTtl: Duration.DurationInput
  /** How long a run waits for another run's lease on the same tenant before failing with `RunLeaseHeld`. */
  readonly leaseWait: Duration.DurationInput
  /** How long identity maintenance waits for another run's maintenance to finish. */
  readonly maintenanceWait: Duration.DurationInput
}

/** One ingestion run: the records of one tenant of one system. */
export interface IngestOptions<E> {
  readonly system: string
  readonly tenant: string
  readonly records: Stream.Stream<AccountRecord, E>
  /** Lets a run remove more than `maxRemovalShare` of the tenant (the CLI's `--allow-mass-removal`). */
  readonly allowMassRemoval?: boolean
  /** Read once the stream ends (or fails): what the extractor counted. */
  readonly extractorReport?: Effect.Effect<ExtractorReport>
  /** Compare and count, write nothing. */
  readonly dryRun?: boolean
  /** Overrides `IdentityGraphOptions.leaseWait` for this run. */
  readonly leaseWait?: Duration.DurationInput
}

/** Everything an ingestion run can fail with. Source errors arrive wrapped in `ExtractionFailed`. */
export type IngestError = GraphError | MassRemovalBlocked | RunLeaseHeld | ExtractionFailed | InvalidRunTarget

/** The identity graph. */
export interface IdentityGraphService {
  readonly options: IdentityGraphOptions
  /** Applies the schema migrations (idempotent); returns the schema version. The layer already ran it once. */
  readonly migrate: Effect.Effect<number, GraphError>
  /** One ingestion run. */
  readonly ingest: <E>(options: IngestOptions<E>) => Effect.Effect<RunSummary, IngestError>
  /** Brings identities up to date with anything flagged (runs also do this; useful after an interrupted run). */
  readonly maintainIdentities: Effect.Effect<IdentityMaintenanceReport, GraphError | RunLeaseHeld>
  /** An e-mail, account uid (`keap:<tenant>:<id>`), Keap global user id or identity uid -> identities. */
  readonly resolve: (key: string) => Effect.Effect<Resolution, GraphError>
  /** The access review. */
  readonly review: (options: ReviewOptions) => Effect.Effect<Review, GraphError>
  /** What runs after `runId` changed. */
  readonly changesSince: (runId: string, scope?: Scope) => Effect.Effect<Changes, GraphError | UnknownRun>
  /** Headline counts. */
  readonly summary: (scope?: Scope) => Effect.Effect<GraphSummary, GraphError>
  /** The most recent runs, newest first (default 20). */
  readonly runs: (options?: {
    readonly scope?: Scope
    readonly limit?: number
  }) => Effect.Effect<ReadonlyArray<RunRecord>, GraphError>
}

const systemSchema = AccountRecord.fields.system
const tenantSchema = AccountRecord.fields.tenant

class SourceError {
  constructor(readonly cause: unknown) {}
}

const CREATE_RUN = `
MERGE (t:Tenant {uid: $tenantUid})
ON CREATE SET t.system = $system, t.tenant = $tenant, t.createdAt = $now
MERGE (seq:IdGraphSchema {uid: "run-sequence"})
SET seq.value = coalesce(seq.value, 0) + 1
CREATE (r:IngestionRun {uid: $runId, system: $system, tenant: $tenant, tenantUid: $tenantUid, status: "running",
                        startedAt: $now, startedAtMs: $nowMs, seq: seq.value})
CREATE (r)-[:OF]->(t)
WITH t
OPTIONAL MATCH (t)-[:HAS_ACCOUNT]->(a:Account) WHERE a.active
RETURN count(a) AS activeBefore`

const ACTIVE_COUNT = `
OPTIONAL MATCH (t:Tenant {uid: $tenantUid})-[:HAS_ACCOUNT]->(a:Account) WHERE a.active
RETURN count(a) AS active`

const NOT_SEEN = `
MATCH (:Tenant {uid: $tenantUid})-[:HAS_ACCOUNT]->(a:Account)
WHERE a.active AND coalesce(a.lastSeenRunId, "") <> $runId AND NOT a.externalId IN $protected
RETURN count(a) AS notSeen`

const REMOVE_NOT_SEEN = `
MATCH (:Tenant {uid: $tenantUid})-[:HAS_ACCOUNT]->(a:Account)
WHERE a.active AND coalesce(a.lastSeenRunId, "") <> $runId AND NOT a.externalId IN $protected
WITH a LIMIT $limit
SET a.active = false, a.removedAt = $now, a.removedAtMs = $nowMs, a.removedByRunId = $runId,
    a.identityDirty = $runId
RETURN count(a) AS removed`

const FINISH_RUN = `
MATCH (r:IngestionRun {uid: $runId})
SET r += $props`

const newRunId = () => `run_${new Date().toISOString().replace(/[-:.]/g, "")}_${randomUUID().slice(0, 8)}`
const newIdentityUid = () => `idn_${randomUUID()}`

const make = (connection: Neo4jConnection, options: IdentityGraphOptions): IdentityGraphService => {
  const leaseTtl = Duration.decode(options.leaseTtl)

  const runMaintenance = Effect.scoped(
    Effect.gen(function* () {
      yield* holdLease(connection, "identity-maintenance", `maintenance_${randomUUID()}`, {
        ttl: leaseTtl,
        wait: Duration.decode(options.maintenanceWait),
      })
      return yield* maintainIdentities(connection, {
        sharedThreshold: options.sharedThreshold,
        chunkSize: options.identityChunkSize,
        newIdentityUid,
      })
    }),
  )

  const ingest = <E>(input: IngestOptions<E>): Effect.Effect<RunSummary, IngestError> =>
    Effect.gen(function* () {
      const invalid = (reason: string) => new InvalidRunTarget({ system: input.system, tenant: input.tenant, reason })
      if (Either.isLeft(Schema.decodeUnknownEither(systemSchema)(input.system))) {
        return yield* invalid("a system is lower case letters, digits, '-' and '_', starting with a letter")
      }
      if (Either.isLeft(Schema.decodeUnknownEither(tenantSchema)(input.tenant))) {
        return yield* invalid("a tenant is 1 to 512 characters")
      }
      const dryRun = input.dryRun === true
      const runId = newRunId()
      const tenantUid = toTenantUid(input)
      const started = new Date()
      const queries = queriesFor(input.system)
      const counts = { seen: 0, created: 0, updated: 0, unchanged: 0, reactivated: 0, removed: 0 }
      let report: ExtractorReport = {}
      let identities: IdentityMaintenanceReport | null = null
      let removalSkipped: string | null = null
      const timings = { loadMs: 0, removalMs: 0, identitiesMs: 0 }
      // Identities the loader decided itself for new accounts (added to the maintenance report).
      const decided = { accounts: 0, created: 0, merged: 0, moved: 0 }
      const timed = <A, E2>(phase: keyof typeof timings, effect: Effect.Effect<A, E2>) =>
        Effect.suspend(() => {
          const start = Date.now()
          return Effect.ensuring(
            effect,
            Effect.sync(() => {
              timings[phase] += Date.now() - start
            }),
          )
        })
      const maintain = timed(
        "identitiesMs",
        Effect.map(
          runMaintenance,
          (report): IdentityMaintenanceReport => ({
            ...report,
            accountsRecomputed: report.accountsRecomputed + decided.accounts,
            identitiesCreated: report.identitiesCreated + decided.created,
            identitiesMerged: report.identitiesMerged + decided.merged,
            accountsMoved: report.accountsMoved + decided.moved,
          }),
        ),
      )

      const summary = (status: RunStatus, error: string | null): RunSummary => {
        const finished = new Date()
        return {
          runId,
          system: input.system,
          tenant: input.tenant,
          tenantUid,
          status,
          startedAt: started.toISOString(),
          finishedAt: finished.toISOString(),
          durationMs: finished.getTime() - started.getTime(),
          ...counts,
          quarantined: report.quarantined ?? 0,
          apiCalls: report.apiCalls ?? null,
          throttled: report.throttled ?? null,
          removalSkipped,
          identities,
          error,
          timings: { ...timings },
        }
      }

      const record = (result: RunSummary) =>
        dryRun
          ? Effect.void
          : writeRows(connection, "recording the run", FINISH_RUN, {
              runId,
              props: {
                status: result.status,
                finishedAt: result.finishedAt,
                finishedAtMs: int(Date.parse(result.finishedAt)),
                durationMs: int(result.durationMs),
                seen: int(result.seen),
                created: int(result.created),
                updated: int(result.updated),
                unchanged: int(result.unchanged),
                reactivated: int(result.reactivated),
                removed: int(result.removed),
                quarantined: int(result.quarantined),
                apiCalls: result.apiCalls === null ? null : int(result.apiCalls),
                throttled: result.throttled === null ? null : int(result.throttled),
                notes: [...(report.notes ?? [])],
                removalSkipped: result.removalSkipped,
                identitiesRecomputed: result.identities === null ? null : int(result.identities.accountsRecomputed),
                newlyShared: result.identities === null ? [] : [...result.identities.newlyShared],
                error: result.error,
              },
            }).pipe(Effect.asVoid)

      const readReport = Effect.gen(function* () {
        if (input.extractorReport !== undefined) report = yield* input.extractorReport
      })

      const body = Effect.gen(function* () {
        let activeBefore: number
        if (dryRun) {
          const rows = yield* readRows(connection, "counting active accounts", ACTIVE_COUNT, { tenantUid })
          activeBefore = Number(rows[0]?.active ?? 0)
        } else {
          yield* holdLease(connection, `tenant:${tenantUid}`, runId, {
            ttl: leaseTtl,
            wait: Duration.decode(input.leaseWait ?? options.leaseWait),
          })
          const now = new Date()
          const rows = yield* writeRows(connection, "starting the run", CREATE_RUN, {
            runId,
            tenantUid,
            system: input.system,
            tenant: input.tenant,
            now: now.toISOString(),
            nowMs: int(now.getTime()),
          })
          activeBefore = Number(rows[0]?.activeBefore ?? 0)
        }
        // New accounts get their identities while loading unless the shared threshold changed (then maintenance
        // re-checks every identifier first).
        if (!dryRun) yield* ensureSharedThreshold(connection, options.sharedThreshold)
        const fastIdentities = dryRun ? null : { sharedThreshold: options.sharedThreshold, newIdentityUid }
        // In a dry run nothing is touched, so the accounts it would keep are counted as they stream by.
        let seenActive = 0
        const context = { runId, tenantUid, queries, dryRun, identities: fastIdentities }
        const loaded = yield* timed(
          "loadMs",
          input.records.pipe(
            Stream.mapError((cause) => new SourceError(cause)),
            Stream.grouped(options.batchSize),
            Stream.runForEach((chunk) =>
              Effect.gen(function* () {
                const batch = Array.from(chunk)
                for (const item of batch) {
                  if (item.system !== input.system || item.tenant !== input.tenant) {
                    return yield* Effect.fail(
                      new SourceError(
                        new RecordOutsideRun({
                          expected: tenantUid,
                          found: toTenantUid(item),
                          externalId: item.externalId,
                        }),
                      ),
                    )
                  }
                }
                const batchCounts: BatchCounts = yield* loadBatch(connection, context, batch)
                counts.seen += batchCounts.seen
                counts.created += batchCounts.created
                counts.updated += batchCounts.updated
                counts.unchanged += batchCounts.unchanged
                counts.reactivated += batchCounts.reactivated
                decided.accounts += batchCounts.identities.accounts
                decided.created += batchCounts.identities.created
                decided.merged += batchCounts.identities.merged
                decided.moved += batchCounts.identities.moved
                seenActive += batchCounts.updated + batchCounts.unchanged
              }),
            ),
            // A source failure is an outcome of the run (recorded, nothing removed), not a failure of the loader.
            Effect.as(Option.none<unknown>()),
            Effect.catchIf(
              (error): error is SourceError => error instanceof SourceError,
              (error) => Effect.succeed(Option.some(error.cause)),
            ),
          ),
        )
        return { activeBefore, seenActive, loaded }
      })

      // Runs the stream, then decides on removal and maintenance. Separate from `body` for readability.
      const whole = Effect.scoped(
        Effect.gen(function* () {
          const { activeBefore, seenActive, loaded } = yield* body
          yield* readReport
          if (Option.isSome(loaded)) {
            if (!dryRun) identities = yield* maintain
            const failure = new ExtractionFailed({ runId, tenantUid, seen: counts.seen, cause: loaded.value, dryRun })
            yield* record(summary("failed", failure.message))
            return yield* failure
          }
          const protectedIds = [...(report.quarantinedExternalIds ?? [])]
          const quarantined = report.quarantined ?? 0
          if (quarantined > protectedIds.length) {
            removalSkipped = `${quarantined} records were quarantined and ${quarantined - protectedIds.length} of them have no known id: any account may be among them`
          }
          let wouldRemove = 0
          if (removalSkipped === null) {
            if (dryRun) wouldRemove = Math.max(0, activeBefore - seenActive - protectedIds.length)
            else {
              const rows = yield* readRows(connection, "counting accounts not seen", NOT_SEEN, {
                tenantUid,
                runId,
                protected: protectedIds,
              })
              wouldRemove = Number(rows[0]?.notSeen ?? 0)
            }
          }
          if (
            wouldRemove > 0 &&
            input.allowMassRemoval !== true &&
            wouldRemove > options.maxRemovalShare * activeBefore
          ) {
            const blocked = new MassRemovalBlocked({
              runId,
              tenantUid,
              wouldRemove,
              activeBefore,
              maxShare: options.maxRemovalShare,
            })
            if (!dryRun) identities = yield* maintain
            yield* record(summary("blocked", blocked.message))
            return yield* blocked
          }
          if (dryRun) {
            counts.removed = wouldRemove
            return summary("dry-run", null)
          }
          const removalStart = Date.now()
          while (wouldRemove > 0) {
            const now = new Date()
            const rows = yield* writeRows(connection, "marking accounts not seen as removed", REMOVE_NOT_SEEN, {
              tenantUid,
              runId,
              protected: protectedIds,
              limit: int(options.batchSize),
              now: now.toISOString(),
              nowMs: int(now.getTime()),
            })
            const removed = Number(rows[0]?.removed ?? 0)
            if (removed === 0) break
            counts.removed += removed
          }
          timings.removalMs = Date.now() - removalStart
          identities = yield* maintain
          const result = summary("completed", null)
          yield* record(result)
          return result
        }),
      )

      return yield* whole.pipe(
        Effect.onExit((exit) => {
          if (dryRun || Exit.isSuccess(exit)) return Effect.void
          const failure = Cause.failureOption(exit.cause)
          // These two recorded the run themselves, with their own status.
          if (
            Option.isSome(failure) &&
            (failure.value._tag === "ExtractionFailed" || failure.value._tag === "MassRemovalBlocked")
          ) {
            return Effect.void
          }
          // Neo4j gone, an interruption, a bug: recorded here when Neo4j still answers. Removal never ran.
          const interrupted = Exit.isInterrupted(exit)
          const detail = interrupted
            ? "the run was interrupted"
            : Option.match(failure, {
                onNone: () => Cause.pretty(exit.cause),
                onSome: (error) => error.message,
              })
          return record(summary(interrupted ? "interrupted" : "failed", detail)).pipe(
            Effect.timeout("5 seconds"),
            Effect.ignore,
          )
        }),
      )
    })

  return {
    options,
    migrate: migrate(connection),
    ingest,
    maintainIdentities: runMaintenance,
    resolve: (key) => Queries.resolve(connection, key),
    review: (reviewOptions) => Queries.review(connection, reviewOptions),
    changesSince: (runId, scope) => Queries.changesSince(connection, runId, scope),
    summary: (scope) => Queries.summary(connection, scope),
    runs: (listing) => Queries.runs(connection, listing?.scope, listing?.limit ?? 20),
  }
}

/** The identity graph service. */
export class IdentityGraph extends Context.Tag("idgraph/IdentityGraph")<IdentityGraph, IdentityGraphService>() {
  /** The defaults: shared above 2 holders per tenant, removal guard at 20%, batches of 5,000. */
  static readonly defaults: IdentityGraphOptions = {
    sharedThreshold: 2,
    maxRemovalShare: 0.2,
    batchSize: 5_000,
    identityChunkSize: 2_000,
    leaseTtl: "60 seconds",
    leaseWait: 0,
    maintenanceWait: "5 minutes",
  }

  /** The service on the `Neo4j` connection, with options over the defaults; migrates the schema when built. */
  static readonly layer = (
    options: Partial<IdentityGraphOptions> = {},
  ): Layer.Layer<IdentityGraph, GraphError, Neo4j> =>
    Layer.effect(
      IdentityGraph,
      Effect.gen(function* () {
        const connection = yield* Neo4j
        const service = make(connection, { ...IdentityGraph.defaults, ...options })
        yield* service.migrate
        return service
      }),
    )

  /** The service with default options. */
  static readonly Default: Layer.Layer<IdentityGraph, GraphError, Neo4j> = IdentityGraph.layer()
}
