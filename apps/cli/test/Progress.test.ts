import { describe, expect, it } from "@effect/vitest"
import type { ExtractionStats } from "@idgraph/keap"
import { progressLine, sampleOf } from "../src/Progress.js"

const stats = (apiCalls: number, finishedAt: number | null = null): ExtractionStats => ({
  tenant: "kd482",
  api: "v2",
  state: "running",
  startedAt: 1_000,
  finishedAt,
  pages: 3,
  usersReceived: 300,
  records: 299,
  duplicates: 0,
  quarantined: [],
  countDrift: [],
  warnings: [],
  apiCalls,
  rateLimited: 1,
  retries: 1,
  unauthorised: 0,
  transientFailures: 0,
  budget: {
    label: "oauth client abc",
    limits: { perSecond: 25, perMinute: 1500, perDay: 150_000 },
    inFlight: 1,
    admitted: apiCalls,
    usedLastSecond: 2,
    usedLastMinute: 40,
    usedToday: 40,
    remainingToday: 149_960,
    rateLimitedResponses: 1,
    pausedUntil: null,
    reported: {},
  },
})

describe("Progress", () => {
  it("averages the request rate since the start, stops the clock when finished, and shows the budget left", () => {
    expect(sampleOf({ ...stats(0), startedAt: null }, 5_000).requestsPerSecond).toBe(0)
    const running = sampleOf(stats(10), 3_000)
    expect(running.requestsPerSecond).toBe(5)
    expect(running.remainingThisMinute).toBe(1460)
    expect(running.users).toBe(299)
    expect(sampleOf(stats(10, 5_000), 60_000).requestsPerSecond).toBe(2.5)
    const line = progressLine(running)
    expect(line).toContain("pages    3")
    expect(line).toContain("5.0 req/s")
    expect(line).toContain("1460/min 149960/day")
  })
})
