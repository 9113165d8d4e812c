/**
 * Extraction of one tenant: its users as a `Stream` of `AccountRecord`s, pulled page by page, plus live statistics
 * for progress displays and the run summary. Every user is emitted once; users that do not decode are quarantined and
 * counted; a listing that cannot be trusted to be complete fails instead of ending quietly.
 *
 * @since 0.1.0
 */
import type { AccountRecord } from "@idgraph/identity"
import { Chunk, Clock, Effect, Either, Stream } from "effect"
import {
  KeapClient,
  type ListUsersOptions,
  type RequestStats,
  type TenantClientOptions,
  type UsersPage,
} from "./KeapClient.js"
import type { KeapApiVersion, KeapTenantConfig } from "./KeapConfig.js"
import { KeapDecodeError, type KeapError } from "./KeapError.js"
import { mapRawRestUser, mapRawUser, type QuarantinedUser } from "./KeapMapping.js"
import type { BudgetSnapshot } from "./KeapRateBudget.js"

/** A v1 count that changed while the listing ran: users were added or removed, so offsets may have shifted. */
export interface CountDrift {
  readonly page: number
  readonly previousCount: number
  readonly reportedCount: number
}

/** Where an extraction stands. */
export interface ExtractionStats {
  readonly tenant: string
  readonly api: KeapApiVersion
  readonly state: "pending" | "running" | "complete" | "failed"
  readonly startedAt: number | null
  readonly finishedAt: number | null
  readonly pages: number
  /** Raw users received, duplicates and quarantined ones included. */
  readonly usersReceived: number
  /** Records emitted. */
  readonly records: number
  /** Users received again (offset drift, a page served twice) and emitted only once. */
  readonly duplicates: number
  readonly quarantined: ReadonlyArray<QuarantinedUser>
  readonly countDrift: ReadonlyArray<CountDrift>
  /** Human-readable warnings for the run summary. */
  readonly warnings: ReadonlyArray<string>
  readonly apiCalls: number
  readonly rateLimited: number
  readonly retries: number
  readonly unauthorised: number
  readonly transientFailures: number
  readonly budget: BudgetSnapshot
}

/** One tenant's extraction: run `records` (again to list again); read `stats` at any time, also while it runs. */
export interface TenantExtraction {
  readonly records: Stream.Stream<AccountRecord, KeapError>
  readonly stats: Effect.Effect<ExtractionStats>
}

/** Options of an extraction. */
export interface ExtractOptions extends ListUsersOptions, TenantClientOptions {
  /** Listing API; default: the tenant's `apiVersion`, else v2 (only v2 carries `admin`). */
  readonly api?: KeapApiVersion
}

const rawIdOf = (raw: unknown): string | null => {
  if (typeof raw !== "object" || raw === null) return null
  const id = (raw as { readonly id?: unknown }).id
  return typeof id === "string" || typeof id === "number" ? String(id) : null
}

/** Extract one tenant's users. */
export const extractTenant = (
  tenant: KeapTenantConfig,
  options: ExtractOptions = {},
): Effect.Effect<TenantExtraction, never, KeapClient> =>
  Effect.gen(function* () {
    const client = yield* (yield* KeapClient).forTenant(
      tenant,
      options.retry === undefined ? {} : { retry: options.retry },
    )
    const api: KeapApiVersion = options.api ?? tenant.apiVersion ?? "v2"
    const limit = Math.max(1, options.limit ?? 1000)
    const fresh = () => ({
      state: "pending" as ExtractionStats["state"],
      startedAt: null as number | null,
      finishedAt: null as number | null,
      pages: 0,
      usersReceived: 0,
      records: 0,
      duplicates: 0,
      quarantined: [] as Array<QuarantinedUser>,
      countDrift: [] as Array<CountDrift>,
      warnings: [] as Array<string>,
    })
    let state = fresh()
    let seen = new Set<string>()
    let lastCount: number | null = null
    // Request counters are the client's, cumulative; a run reports what it added.
    let requestsAtStart: RequestStats = yield* client.stats

    const onPage = (page: UsersPage): Effect.Effect<Chunk.Chunk<AccountRecord>, KeapError> =>
      Effect.suspend(() => {
        state.pages++
        state.usersReceived += page.users.length
        if (page.reportedCount !== null) {
          if (lastCount !== null && page.reportedCount !== lastCount) {
            state.countDrift.push({ page: page.page, previousCount: lastCount, reportedCount: page.reportedCount })
            state.warnings.push(
              `v1 user count changed from ${lastCount} to ${page.reportedCount} at page ${page.page}: users changed during the listing, so one may have been missed; run again to be sure`,
            )
          }
          lastCount = page.reportedCount
        }
        const records: Array<AccountRecord> = []
        let fresh = 0
        for (const raw of page.users) {
          const id = rawIdOf(raw)
          if (id !== null) {
            if (seen.has(id)) {
              state.duplicates++
              continue
            }
            seen.add(id)
          }
          fresh++
          const mapped = page.api === "v2" ? mapRawUser(tenant.name, raw) : mapRawRestUser(tenant.name, raw)
          if (Either.isRight(mapped)) records.push(mapped.right)
          else state.quarantined.push(mapped.left)
        }
        // A full v1 page with nothing new means Keap ignored the offset: following it would never end.
        if (page.api === "v1" && fresh === 0 && page.users.length >= limit) {
          return Effect.fail(
            new KeapDecodeError({
              tenant: tenant.name,
              endpoint: "GET /v1/users",
              detail: `page ${page.page} repeated users already listed; the offset is not being honoured, so the listing stops incomplete`,
            }),
          )
        }
        state.records += records.length
        return Effect.succeed(Chunk.unsafeFromArray(records))
      })

    const pages = api === "v2" ? client.usersV2Pages(options) : client.usersV1Pages({ ...options, limit })
    const stamp = (next: ExtractionStats["state"]) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (next === "running") {
          // Running the stream again starts a new listing: nothing of the last one carries over.
          state = fresh()
          seen = new Set()
          lastCount = null
          requestsAtStart = yield* client.stats
          state.startedAt = now
        } else {
          state.finishedAt = now
        }
        state.state = next
      })

    const records: Stream.Stream<AccountRecord, KeapError> = Stream.fromEffect(stamp("running")).pipe(
      Stream.flatMap(() => pages.pipe(Stream.mapEffect(onPage), Stream.flattenChunks)),
      Stream.tapError(() => stamp("failed")),
      Stream.concat(
        Stream.fromEffect(
          Effect.zipRight(
            Effect.sync(() => {
              if (api === "v1" && lastCount !== null && lastCount !== seen.size) {
                state.warnings.push(
                  `v1 reported ${lastCount} users but ${seen.size} distinct users were listed: users changed during the listing; run again to be sure`,
                )
              }
            }),
            stamp("complete"),
          ),
        ).pipe(Stream.drain),
      ),
    )

    const stats: Effect.Effect<ExtractionStats> = Effect.gen(function* () {
      const total = yield* client.stats
      const requests: RequestStats = {
        apiCalls: total.apiCalls - requestsAtStart.apiCalls,
        rateLimited: total.rateLimited - requestsAtStart.rateLimited,
        retries: total.retries - requestsAtStart.retries,
        unauthorised: total.unauthorised - requestsAtStart.unauthorised,
        transientFailures: total.transientFailures - requestsAtStart.transientFailures,
      }
      const budget = yield* client.budget
      return {
        tenant: tenant.name,
        api,
        state: state.state,
        startedAt: state.startedAt,
        finishedAt: state.finishedAt,
        pages: state.pages,
        usersReceived: state.usersReceived,
        records: state.records,
        duplicates: state.duplicates,
        quarantined: [...state.quarantined],
        countDrift: [...state.countDrift],
        warnings: [...state.warnings],
        ...requests,
        budget,
      }
    })
    return { records, stats }
  })
