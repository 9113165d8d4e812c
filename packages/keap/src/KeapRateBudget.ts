/**
 * Rate budgets, one per credential: every request of an OAuth client (across all the tenants it reaches) or of an
 * API key draws from the same budget, so two tenants under one client can never exceed Keap's limit together.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import { Clock, Effect } from "effect"
import { type BudgetOptions, type BudgetSnapshot, CredentialBudget } from "./internal/budget.js"
import type { RateLimits } from "./KeapConfig.js"

export type { BudgetSnapshot } from "./internal/budget.js"

/** How a budget is asked for: the credential's identity (never the secret itself) and its limits. */
export interface BudgetRequest {
  /** A stable key of the credential, e.g. a hash of the OAuth client id or of the API key. */
  readonly key: string
  /** A printable name for the budget (no secret). */
  readonly label: string
  readonly limits: RateLimits
  readonly maxInFlight?: number
}

/** A credential's budget as requests use it. */
export interface RateBudget {
  /** Run one request when the budget admits it; the request receives the instant it was admitted. */
  readonly withPermit: <A, E, R>(request: (admittedAt: number) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Learn from the `x-keap-*` headers of a response to a request admitted at `admittedAt`. */
  readonly observe: (headers: Headers.Headers, admittedAt: number) => Effect.Effect<void>
  /** Keap answered 429: pause every request of the credential together. */
  readonly rateLimited: (admittedAt: number) => Effect.Effect<void>
  /** Keap answered something other than 429. */
  readonly succeeded: Effect.Effect<void>
  readonly snapshot: Effect.Effect<BudgetSnapshot>
}

/**
 * Defaults: requests evenly spaced over a second stretched by 10 ms; each held in the windows until a window has
 * passed since its response (no jitter is assumed: a 100 ms tolerance still let a loaded event loop cause 429s); a 429
 * pauses 1 s, then doubles up to 30 s.
 */
export const defaultBudgetTuning = {
  secondMarginMs: 10,
  jitterToleranceMs: Number.POSITIVE_INFINITY,
  basePauseMs: 1000,
  maxPauseMs: 30_000,
  maxInFlight: 8,
}

const toRateBudget = (budget: CredentialBudget): RateBudget => ({
  withPermit: (request) => budget.withPermit(request),
  observe: (headers, admittedAt) => Effect.sync(() => budget.observe(headers, admittedAt)),
  rateLimited: (admittedAt) => budget.rateLimited(admittedAt),
  succeeded: Effect.sync(() => budget.succeeded()),
  snapshot: Effect.map(Clock.currentTimeMillis, (now) => budget.snapshot(now)),
})

/** The registry of budgets: one per credential key for the life of the layer. */
export class KeapRateBudget extends Effect.Service<KeapRateBudget>()("idgraph/KeapRateBudget", {
  effect: Effect.sync(() => {
    const budgets = new Map<string, RateBudget>()
    const forCredential = (request: BudgetRequest): Effect.Effect<RateBudget> =>
      Effect.suspend(() => {
        const existing = budgets.get(request.key)
        if (existing !== undefined) return Effect.succeed(existing)
        const options: BudgetOptions = {
          limits: request.limits,
          maxInFlight: request.maxInFlight ?? defaultBudgetTuning.maxInFlight,
          secondMarginMs: defaultBudgetTuning.secondMarginMs,
          jitterToleranceMs: defaultBudgetTuning.jitterToleranceMs,
          basePauseMs: defaultBudgetTuning.basePauseMs,
          maxPauseMs: defaultBudgetTuning.maxPauseMs,
        }
        const budget = new CredentialBudget(
          request.label,
          options,
          Effect.unsafeMakeSemaphore(1),
          Effect.unsafeMakeSemaphore(options.maxInFlight),
        )
        const rateBudget = toRateBudget(budget)
        budgets.set(request.key, rateBudget)
        return Effect.succeed(rateBudget)
      })
    /** Snapshots of every budget in use. */
    const snapshots = Effect.suspend(() => Effect.all(Array.from(budgets.values(), (budget) => budget.snapshot)))
    return { forCredential, snapshots } as const
  }),
}) {}
