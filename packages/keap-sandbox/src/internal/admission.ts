/**
 * Admission accounting of one budget (an OAuth client, a tenant's API keys, a tenant): the requests admitted in the
 * last second and minute (exact sliding windows over a monotonic clock), the day's count (resetting at 00:00 UTC), and
 * the busiest second and minute seen. O(1) amortised per request.
 */

const SECOND_MS = 1000
const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

/** Monotonic milliseconds (immune to wall-clock steps). */
export const monotonicNow = (): number => performance.now()

export class AdmissionLog {
  /** Admission instants (monotonic ms) still inside the minute window, from `minuteHead` to `length`. */
  private times: Array<number> = []
  private minuteHead = 0
  private secondHead = 0
  private day = -1
  private dayCount = 0
  /** Requests answered for this budget (admitted or throttled). */
  requests = 0
  /** 429s answered. */
  throttled = 0
  maxPerSecond = 0
  maxPerMinute = 0

  private prune(now: number) {
    const times = this.times
    while (this.minuteHead < times.length && times[this.minuteHead]! <= now - MINUTE_MS) this.minuteHead++
    if (this.secondHead < this.minuteHead) this.secondHead = this.minuteHead
    while (this.secondHead < times.length && times[this.secondHead]! <= now - SECOND_MS) this.secondHead++
    // Compact now and then so the array does not grow without bound.
    if (this.minuteHead > 4096 && this.minuteHead * 2 > times.length) {
      this.times = times.slice(this.minuteHead)
      this.secondHead -= this.minuteHead
      this.minuteHead = 0
    }
  }

  private rollDay(wallNow: number) {
    const day = Math.floor(wallNow / DAY_MS)
    if (day !== this.day) {
      this.day = day
      this.dayCount = 0
    }
  }

  /** Admitted in the last second. */
  inSecond(now: number): number {
    this.prune(now)
    return this.times.length - this.secondHead
  }

  /** Admitted in the last minute. */
  inMinute(now: number): number {
    this.prune(now)
    return this.times.length - this.minuteHead
  }

  /** Admitted since 00:00 UTC. */
  inDay(wallNow: number): number {
    this.rollDay(wallNow)
    return this.dayCount
  }

  admit(now: number, wallNow: number) {
    this.prune(now)
    this.rollDay(wallNow)
    this.times.push(now)
    this.dayCount++
    const second = this.times.length - this.secondHead
    const minute = this.times.length - this.minuteHead
    if (second > this.maxPerSecond) this.maxPerSecond = second
    if (minute > this.maxPerMinute) this.maxPerMinute = minute
  }

  /** Epoch ms of the next 00:00 UTC: when the day's quota resets. */
  static dayExpiry(wallNow: number): number {
    return (Math.floor(wallNow / DAY_MS) + 1) * DAY_MS
  }
}
