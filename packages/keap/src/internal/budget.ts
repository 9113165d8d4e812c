/**
 * One credential's rate budget: sliding windows per second and per minute, a UTC-day counter, a cap on requests in
 * flight, Keap's own reports of what is left, and a shared pause after a 429.
 */
import type * as Headers from "@effect/platform/Headers"
import { Clock, Duration, Effect, Random } from "effect"
import type { RateLimits } from "../KeapConfig.js"
import { parseRateHeaders, type WindowObservation, windowMillis } from "./rateHeaders.js"

/** Tuning of a budget; defaults suit Keap. */
export interface BudgetOptions {
  readonly limits: RateLimits
  readonly maxInFlight: number
  /**
   * Slack added to each window after a response, and to the even spacing of requests: covers the clock's millisecond
   * granularity and timers that fire late.
   */
  readonly secondMarginMs: number
  /** How much later than another a request may reach Keap without breaking a window (see `Entry`). */
  readonly jitterToleranceMs: number
  /** First pause after a 429; doubles for each further 429, up to `maxPauseMs`. */
  readonly basePauseMs: number
  readonly maxPauseMs: number
}

/** What a budget has done and has left, for progress displays and run summaries. */
export interface BudgetSnapshot {
  readonly label: string
  readonly limits: RateLimits
  readonly inFlight: number
  readonly admitted: number
  readonly usedLastSecond: number
  readonly usedLastMinute: number
  readonly usedToday: number
  readonly remainingToday: number
  readonly rateLimitedResponses: number
  readonly pausedUntil: number | null
  /** Keap's latest reports, by `<family>/<unit>`: what Keap says is available. */
  readonly reported: Readonly<Record<string, number>>
}

interface Observed {
  readonly observation: WindowObservation
  readonly requestStartedAt: number
}

const dayOf = (millis: number) => Math.floor(millis / 86_400_000)

/** How often to look again when every place in a window is held by a request still in flight. */
const IN_FLIGHT_POLL_MS = 5

/**
 * One request in the windows. Keap counts a request when it arrives, some time after we admit it (the network and the
 * event loop decide how long) and before we see its response. A request therefore stays in a window until the window
 * has passed since its response, or since its admission plus the jitter tolerance, whichever comes first: later
 * requests can then reach Keap no earlier than a window after it, unless their delays differ by more than the
 * tolerance. Counting from admission alone tolerated no jitter at all, and counting from the response alone made the
 * window a round trip longer than Keap's.
 */
interface Entry {
  readonly admittedAt: number
  respondedAt: number | null
}

/** A budget shared by every request of one credential. */
export class CredentialBudget {
  private log: Array<Entry> = []
  private day = -1
  private usedToday = 0
  private admitted = 0
  private inFlight = 0
  private pausedUntil = 0
  private pauseSetAt = 0
  private consecutive429 = 0
  private rateLimitedResponses = 0
  private readonly observed = new Map<string, Observed>()
  /** Requests are spread evenly rather than sent in bursts at the start of each window (see `waitMillis`). */
  private readonly spacing: number
  /** The earliest instant of the next admission on the even schedule (GCRA's theoretical arrival time). */
  private nextSlot = Number.NEGATIVE_INFINITY
  /** Grows after each 429 the windows did not foresee. */
  private jitterToleranceMs: number

  constructor(
    readonly label: string,
    readonly options: BudgetOptions,
    private readonly gate: Effect.Semaphore,
    private readonly slots: Effect.Semaphore,
  ) {
    this.spacing = (1000 + options.secondMarginMs) / options.limits.perSecond
    this.jitterToleranceMs = options.jitterToleranceMs
  }

  /** Run `request` once the budget admits it; `request` gets the instant it was admitted. */
  withPermit<A, E, R>(request: (startedAt: number) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return this.slots.withPermits(1)(
      Effect.flatMap(this.gate.withPermits(1)(this.admit), (entry) =>
        Effect.ensuring(
          request(entry.admittedAt),
          Effect.map(Clock.currentTimeMillis, (now) => {
            entry.respondedAt = now
            this.inFlight--
          }),
        ),
      ),
    )
  }

  /** Learn from Keap's headers what it says is left. */
  observe(headers: Headers.Headers, requestStartedAt: number): void {
    for (const observation of parseRateHeaders(headers)) {
      if (observation.family === "tenant-throttle") continue // per tenant, not per credential: reported only
      const key = `${observation.family}/${observation.unit}`
      const previous = this.observed.get(key)
      if (previous === undefined || previous.requestStartedAt <= requestStartedAt) {
        this.observed.set(key, { observation, requestStartedAt })
      }
    }
  }

  /** A 429: pause every request of this credential, longer for each 429 that follows a pause. */
  rateLimited(requestStartedAt: number): Effect.Effect<void> {
    return Effect.gen(this, function* () {
      const now = yield* Clock.currentTimeMillis
      this.rateLimitedResponses++
      // Requests admitted before the current pause began were already covered by it: they do not escalate it.
      if (requestStartedAt < this.pauseSetAt) return
      this.consecutive429++
      // A 429 despite our windows means Keap saw our requests closer together than we sent them (or someone else
      // shares the credential): tolerate more jitter from now on.
      this.jitterToleranceMs = Math.round(this.jitterToleranceMs * 1.5)
      const base = Math.min(this.options.maxPauseMs, this.options.basePauseMs * 2 ** (this.consecutive429 - 1))
      const jitter = 0.8 + (yield* Random.next) * 0.4
      this.pausedUntil = Math.max(this.pausedUntil, now + Math.round(base * jitter))
      this.pauseSetAt = now
    })
  }

  /** A response that was not a 429: the storm, if any, is over. */
  succeeded(): void {
    this.consecutive429 = 0
  }

  /** What the budget has done and has left. */
  snapshot(now: number): BudgetSnapshot {
    this.prune(now)
    const reported: Record<string, number> = {}
    for (const [key, { observation }] of this.observed) reported[key] = observation.available
    return {
      label: this.label,
      limits: this.options.limits,
      inFlight: this.inFlight,
      admitted: this.admitted,
      usedLastSecond: this.log.filter((entry) => entry.admittedAt > now - 1000).length,
      usedLastMinute: this.log.filter((entry) => entry.admittedAt > now - 60_000).length,
      usedToday: this.usedToday,
      remainingToday: Math.max(0, this.options.limits.perDay - this.usedToday),
      rateLimitedResponses: this.rateLimitedResponses,
      pausedUntil: this.pausedUntil > now ? this.pausedUntil : null,
      reported,
    }
  }

  /** When `entry` leaves a window of `windowMs`; in flight, it has not started to leave. */
  private expiryOf(entry: Entry, windowMs: number): number {
    const latest = entry.admittedAt + this.jitterToleranceMs
    const anchor = entry.respondedAt === null ? latest : Math.min(entry.respondedAt, latest)
    return anchor + windowMs + this.options.secondMarginMs
  }

  private prune(now: number): void {
    if (this.log.length > 0 && this.expiryOf(this.log[0]!, 60_000) <= now) {
      this.log = this.log.filter((entry) => this.expiryOf(entry, 60_000) > now)
    }
    if (dayOf(now) !== this.day) {
      this.day = dayOf(now)
      this.usedToday = 0
    }
  }

  /** Wait until one more request fits a window of `windowMs` holding at most `limit`. */
  private windowWait(windowMs: number, limit: number, now: number): number {
    const live = this.log.map((entry) => this.expiryOf(entry, windowMs)).filter((expiry) => expiry > now)
    if (live.length < limit) return 0
    live.sort((a, b) => a - b)
    const frees = live[live.length - limit]!
    // Everything that would free a place is still in flight: look again shortly.
    return Number.isFinite(frees) ? frees - now : IN_FLIGHT_POLL_MS
  }

  /** Milliseconds to wait before one more request fits every window; 0 when it fits now. */
  private waitMillis(now: number): number {
    this.prune(now)
    const { perSecond, perMinute, perDay } = this.options.limits
    let wait = 0
    if (now < this.pausedUntil) wait = this.pausedUntil - now
    // Even spacing: a burst of a second's worth of requests would reach Keap bunched, and Keap's spike arrest expects
    // requests spread over the second. The schedule, not the last admission, sets the next slot, so that a timer
    // firing late is made up for on the next request; at most one slot is made up, never a burst.
    wait = Math.max(wait, this.nextSlot - this.spacing - now)
    wait = Math.max(wait, this.windowWait(1000, perSecond, now))
    wait = Math.max(wait, this.windowWait(60_000, perMinute, now))
    if (this.usedToday >= perDay) wait = Math.max(wait, (this.day + 1) * 86_400_000 - now)
    for (const { observation, requestStartedAt } of this.observed.values()) {
      wait = Math.max(wait, this.waitForReport(observation, requestStartedAt, now))
    }
    return Math.max(0, Math.ceil(wait))
  }

  /**
   * Keap's report of what is left, less what we started since the reported request (which Keap may not have counted
   * yet). Only reports whose window is still open apply; another process on the same credential shows up here.
   */
  private waitForReport(observation: WindowObservation, requestStartedAt: number, now: number): number {
    const resetsAt = this.resetOf(observation, requestStartedAt)
    if (now >= resetsAt) return 0
    const startedSince = this.log.filter((entry) => entry.admittedAt > requestStartedAt).length
    return observation.available - startedSince > 0 ? 0 : resetsAt - now
  }

  private resetOf(observation: WindowObservation, requestStartedAt: number): number {
    if (observation.expiresAt !== null) return observation.expiresAt
    if (observation.unit === "day") return (dayOf(requestStartedAt) + 1) * 86_400_000
    return requestStartedAt + windowMillis(observation.unit, observation.interval)
  }

  private readonly admit: Effect.Effect<Entry> = Effect.gen(this, function* () {
    while (true) {
      const now = yield* Clock.currentTimeMillis
      const wait = this.waitMillis(now)
      if (wait === 0) {
        this.nextSlot = Math.max(this.nextSlot, now) + this.spacing
        const entry: Entry = { admittedAt: now, respondedAt: null }
        this.log.push(entry)
        this.usedToday++
        this.admitted++
        this.inFlight++
        return entry
      }
      yield* Effect.sleep(Duration.millis(wait))
    }
  })
}
