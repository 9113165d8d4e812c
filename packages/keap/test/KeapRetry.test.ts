import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { backoffDelay, defaultRetryPolicy, isTransientStatus } from "../src/KeapRetry.js"

describe("KeapRetry", () => {
  it("retries only what is transient", () => {
    for (const status of [429, 500, 502, 503, 504]) expect(isTransientStatus(status)).toBe(true)
    for (const status of [200, 400, 401, 403, 404, 405, 409, 422, 501]) expect(isTransientStatus(status)).toBe(false)
  })

  it.effect("backs off exponentially with jitter, within bounds", () =>
    Effect.gen(function* () {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const cap = Math.min(10_000, 200 * 2 ** (attempt - 1))
        for (let sample = 0; sample < 20; sample++) {
          const delay = Duration.toMillis(yield* backoffDelay(defaultRetryPolicy, attempt))
          expect(delay).toBeGreaterThanOrEqual(100)
          expect(delay).toBeLessThanOrEqual(cap)
        }
      }
    }),
  )
})
