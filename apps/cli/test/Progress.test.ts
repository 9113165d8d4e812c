import { describe, expect, it } from "@effect/vitest"
import type { ExtractionStats } from "@idgraph/keap"
import { progressLine, sampleOf } from "../src/Progress.js"

const stats = (apiCalls: number): ExtractionStats => ({
  tenant: "kd482",
  api: "v2",
  state: "running",
  startedAt: 0,
  finishedAt: null,
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
  it("computes the request rate between samples and the budget left", () => {
    const first = sampleOf(stats(4), undefined, 1_000)
    expect(first.requestsPerSecond).toBe(0)
    const second = sampleOf(stats(14), { apiCalls: 4, at: 1_000 }, 3_000)
    expect(second.requestsPerSecond).toBe(5)
    expect(second.remainingThisMinute).toBe(1460)
    expect(second.users).toBe(299)
    const line = progressLine(second)
    expect(line).toContain("pages    3")
    expect(line).toContain("5.0 req/s")
    expect(line).toContain("1460/min 149960/day")
  })
})
