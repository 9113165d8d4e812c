import { describe, expect, it } from "@effect/vitest"
import { ExtractionFailed, GraphUnavailable, MassRemovalBlocked } from "@idgraph/graph"
import { KeapAuthError, KeapRateLimited, KeapTransportError } from "@idgraph/keap"
import { ConfigError, Exit } from "effect"
import { ConfigInvalid, SomeTenantsFailed } from "../src/CliErrors.js"
import { combineExitCodes, exitCodeOfError, exitCodeOfExit } from "../src/ExitCode.js"

const reauthorise = new KeapAuthError({ tenant: "t", reason: "ReauthorizationRequired", detail: "invalid_grant" })
const extraction = (cause: unknown) => new ExtractionFailed({ runId: "r", tenantUid: "keap:t", seen: 0, cause })

describe("ExitCode", () => {
  it("maps each typed failure to its documented code", () => {
    expect(exitCodeOfError(new ConfigInvalid({ setting: "X", expected: "y" }))).toBe(2)
    expect(exitCodeOfError(ConfigError.MissingData(["NEO4J_URI"], "missing"))).toBe(2)
    expect(exitCodeOfError(reauthorise)).toBe(3)
    expect(exitCodeOfError(extraction(reauthorise))).toBe(3)
    expect(exitCodeOfError(extraction(new KeapRateLimited({ tenant: "t", attempts: 12, detail: "quota" })))).toBe(4)
    expect(
      exitCodeOfError(extraction(new KeapTransportError({ tenant: "t", endpoint: "e", attempts: 6, detail: "reset" }))),
    ).toBe(1)
    expect(exitCodeOfError(new KeapAuthError({ tenant: "t", reason: "TokenEndpointFailed", detail: "503" }))).toBe(1)
    expect(exitCodeOfError(new GraphUnavailable({ uri: "bolt://x", during: "loading", detail: "gone" }))).toBe(1)
    expect(
      exitCodeOfError(
        new MassRemovalBlocked({ runId: "r", tenantUid: "keap:t", wouldRemove: 9, activeBefore: 10, maxShare: 0.2 }),
      ),
    ).toBe(1)
    expect(exitCodeOfError(new Error("bug"))).toBe(1)
  })

  it("gives 5 when some tenants landed and the most specific code when none did", () => {
    const failed = [
      { tenant: "keap:a", message: "m", exitCode: 3 },
      { tenant: "keap:b", message: "m", exitCode: 1 },
    ]
    expect(exitCodeOfError(new SomeTenantsFailed({ failed, succeeded: ["keap:c"] }))).toBe(5)
    expect(exitCodeOfError(new SomeTenantsFailed({ failed, succeeded: [] }))).toBe(3)
    expect(combineExitCodes([1, 4])).toBe(4)
    expect(combineExitCodes([1, 1])).toBe(1)
  })

  it("reads exits", () => {
    expect(exitCodeOfExit(Exit.void)).toBe(0)
    expect(exitCodeOfExit(Exit.fail(reauthorise))).toBe(3)
    expect(exitCodeOfExit(Exit.die(new Error("defect")))).toBe(1)
  })
})
