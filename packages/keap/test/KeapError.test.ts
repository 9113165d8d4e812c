import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit } from "effect"
import {
  KeapAuthError,
  KeapDecodeError,
  KeapEndpointUnavailable,
  type KeapError,
  KeapNotFound,
  KeapRateLimited,
  KeapRequestRejected,
  KeapTransportError,
} from "../src/KeapError.js"

const examples: ReadonlyArray<KeapError> = [
  new KeapAuthError({
    tenant: "ab123",
    reason: "ReauthorizationRequired",
    detail: "invalid_grant",
    tokenStorePath: "/t",
  }),
  new KeapAuthError({ tenant: "ab123", reason: "InvalidApiKey", detail: "Invalid Access Token" }),
  new KeapRateLimited({ tenant: "ab123", attempts: 12, detail: "Quota Exceeded" }),
  new KeapNotFound({ tenant: "ab123", resource: "user 7", detail: "User 7 not found" }),
  new KeapEndpointUnavailable({ tenant: "ab123", endpoint: "DELETE /v1/users/{id}", status: 404, detail: "Not Found" }),
  new KeapDecodeError({ tenant: "ab123", endpoint: "GET /v2/users", detail: "users is missing" }),
  new KeapTransportError({ tenant: "ab123", endpoint: "GET /v2/users", attempts: 6, detail: "ECONNRESET" }),
  new KeapRequestRejected({ tenant: "ab123", endpoint: "POST /v1/users", status: null, detail: "no seat is free" }),
]

describe("KeapError", () => {
  it("every error prints a message that names the tenant and the cause", () => {
    for (const error of examples) {
      expect(error.message).toContain('"ab123"')
      expect(error.message).not.toContain("An error has occurred")
      expect(error.message.length).toBeGreaterThan(30)
    }
    expect(examples[0]!.message).toContain("re-authorise")
    expect(examples[0]!.message).toContain("/t")
    expect(examples[7]!.message).toContain("was not sent")
  })

  it.effect("a failure renders with its message, not a generic one", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(Effect.fail(examples[2]!))
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("still rate limited after 12 attempts")
    }),
  )
})
