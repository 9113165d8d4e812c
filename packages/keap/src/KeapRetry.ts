/**
 * What is retried and how long to wait: exponential backoff with full jitter, bounded. Only transient failures are
 * retried (429, 5xx other than 501, timeouts, resets, cut bodies); 400, 403, 404 and the like never are.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Random } from "effect"

/** Bounds and pacing of retries. */
export interface RetryPolicy {
  /** Attempts in all for a transient failure (5xx, reset, timeout, cut body), the first included. */
  readonly maxAttempts: number
  /** Attempts in all while Keap answers 429; the waits between them come from the rate budget's shared pause. */
  readonly maxRateLimitedAttempts: number
  readonly baseDelay: Duration.Duration
  readonly maxDelay: Duration.Duration
  /** A request (headers and body) that takes longer than this is abandoned and counts as transient. */
  readonly requestTimeout: Duration.Duration
}

/** Six attempts from 200 ms up to 10 s apart; twelve under 429; 30 s per request. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 6,
  maxRateLimitedAttempts: 12,
  baseDelay: Duration.millis(200),
  maxDelay: Duration.seconds(10),
  requestTimeout: Duration.seconds(30),
}

/** Whether an HTTP status is worth another attempt. 501 means the endpoint does not exist: final. */
export const isTransientStatus = (status: number): boolean => status === 429 || (status >= 500 && status !== 501)

/** The wait before attempt `attempt + 1` (attempt counts from 1): full jitter over an exponential cap. */
export const backoffDelay = (policy: RetryPolicy, attempt: number): Effect.Effect<Duration.Duration> =>
  Effect.map(Random.next, (random) => {
    const cap = Math.min(Duration.toMillis(policy.maxDelay), Duration.toMillis(policy.baseDelay) * 2 ** (attempt - 1))
    // Full jitter, but never less than half the base, so that a burst of failures does not retry at once.
    return Duration.millis(Math.max(Duration.toMillis(policy.baseDelay) / 2, Math.round(cap * random)))
  })
