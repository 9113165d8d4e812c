/**
 * Live progress of extractions: on a terminal, one line per tenant rewritten in place; otherwise a log line per
 * tenant every few seconds (plain or JSON, whatever logger is installed). Secrets never appear: only counters.
 *
 * @since 0.1.0
 */
import type { ExtractionStats } from "@idgraph/keap"
import { Duration, Effect, Ref, type Scope } from "effect"
import { terminalSafe } from "./render/Format.js"

/** How progress is shown. */
export type ProgressMode = "live" | "log" | "off"

/** One sample of a tenant's extraction, with the request rate since the previous sample. */
export interface ProgressSample {
  readonly tenant: string
  readonly state: ExtractionStats["state"]
  readonly pages: number
  readonly users: number
  readonly apiCalls: number
  readonly rateLimited: number
  readonly requestsPerSecond: number
  readonly remainingToday: number
  readonly remainingThisMinute: number
}

/**
 * A sample of an extraction at `now` (pure). The request rate is the average since the extraction started (until it
 * finished): steadier than the rate between two redraws, which jumps with every page.
 */
export const sampleOf = (stats: ExtractionStats, now: number): ProgressSample => {
  const end = stats.finishedAt ?? now
  const elapsedSeconds = stats.startedAt === null ? 0 : (end - stats.startedAt) / 1000
  return {
    tenant: stats.tenant,
    state: stats.state,
    pages: stats.pages,
    users: stats.records,
    apiCalls: stats.apiCalls,
    rateLimited: stats.rateLimited,
    requestsPerSecond: elapsedSeconds <= 0 ? 0 : stats.apiCalls / elapsedSeconds,
    remainingToday: stats.budget.remainingToday,
    remainingThisMinute: Math.max(0, stats.budget.limits.perMinute - stats.budget.usedLastMinute),
  }
}

/** The one-line view of a sample (pure). */
export const progressLine = (sample: ProgressSample): string =>
  terminalSafe(
    `${sample.tenant.padEnd(16)} ${sample.state.padEnd(8)} pages ${String(sample.pages).padStart(4)}  users ${String(sample.users).padStart(6)}  ${sample.requestsPerSecond.toFixed(1).padStart(5)} req/s  429s ${sample.rateLimited}  budget left ${sample.remainingThisMinute}/min ${sample.remainingToday}/day`,
  )

/** Extractions being watched. */
export interface ProgressBoard {
  /** Watch one tenant's extraction until the board closes. */
  readonly track: (tenant: string, stats: Effect.Effect<ExtractionStats>) => Effect.Effect<void>
}

/** A board that draws until its scope closes (then once more, so the last state stays visible). */
export const makeProgressBoard = (mode: ProgressMode): Effect.Effect<ProgressBoard, never, Scope.Scope> =>
  Effect.gen(function* () {
    const tracked = yield* Ref.make<
      ReadonlyArray<{ readonly tenant: string; readonly stats: Effect.Effect<ExtractionStats> }>
    >([])
    if (mode === "off") return { track: (tenant, stats) => Ref.update(tracked, (all) => [...all, { tenant, stats }]) }
    let drawnLines = 0
    const samples = Effect.gen(function* () {
      const now = Date.now()
      const all = yield* Ref.get(tracked)
      // Shown under the label it was tracked with (`keap:<tenant>`), as the summary names it.
      return yield* Effect.forEach(all, ({ tenant, stats }) =>
        Effect.map(stats, (value) => ({ ...sampleOf(value, now), tenant })),
      )
    })
    const draw = Effect.gen(function* () {
      const current = yield* samples
      if (mode === "live") {
        // Move up over what was drawn last time and rewrite it: one line per tenant, in place.
        const up = drawnLines > 0 ? `\u001b[${drawnLines}F` : ""
        const lines = current.map((sample) => `\u001b[2K${progressLine(sample)}`).join("\n")
        if (current.length > 0) process.stderr.write(`${up}${lines}\n`)
        drawnLines = current.length
      } else {
        yield* Effect.forEach(current, (sample) =>
          Effect.logInfo(`progress ${progressLine(sample).replace(/\s+/g, " ")}`).pipe(
            Effect.annotateLogs({
              event: "progress",
              tenant: sample.tenant,
              state: sample.state,
              pages: sample.pages,
              users: sample.users,
              requestsPerSecond: Number(sample.requestsPerSecond.toFixed(2)),
              rateLimited: sample.rateLimited,
              budgetLeftToday: sample.remainingToday,
              budgetLeftThisMinute: sample.remainingThisMinute,
            }),
          ),
        )
      }
    })
    const interval = mode === "live" ? Duration.millis(250) : Duration.seconds(5)
    yield* Effect.addFinalizer(() => draw)
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(interval), draw)))
    return {
      track: (tenant, stats) => Ref.update(tracked, (all) => [...all, { tenant, stats }]),
    }
  })
