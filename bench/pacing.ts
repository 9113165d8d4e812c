/**
 * Extraction pacing: the extractor against the sandbox at Keap's real OAuth limits, one OAuth client reaching two
 * tenants, for a fixed time. The sandbox counts what it admitted; the figures come from its stats.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { extractTenant, KeapAuth, KeapNodeLive, type KeapTenantConfig } from "@idgraph/keap"
import { KeapSandbox } from "@idgraph/keap-sandbox"
import { Duration, Effect, Fiber, Layer, Redacted, Stream } from "effect"

export interface PacingResult {
  readonly seconds: number
  readonly requests: number
  readonly requestsPerSecond: number
  readonly budgetPerSecond: number
  readonly budgetUsed: number
  readonly throttled: number
  readonly busiestSecond: number
  readonly busiestMinute: number
  readonly users: number
}

/** Runs the two-tenant extraction for `seconds` and reads the sandbox's own account of it. */
export const measurePacing = (seconds: number): Promise<PacingResult> =>
  Effect.gen(function* () {
    const sandbox = yield* KeapSandbox
    const auth = yield* KeapAuth
    const storeDirectory = fs.mkdtempSync(path.join(os.tmpdir(), "idgraph-bench-tokens-"))
    const redirectUri = "http://127.0.0.1/callback"
    const tenants: Array<KeapTenantConfig> = sandbox.tenants.slice(0, 2).map((tenant) => ({
      name: tenant.id,
      baseUrl: sandbox.baseUrl,
      authorizeUrl: sandbox.authorizeUrl,
      auth: {
        _tag: "oauth" as const,
        client: {
          clientId: Redacted.make(sandbox.oauthClient.clientId),
          clientSecret: Redacted.make(sandbox.oauthClient.clientSecret),
          redirectUri,
        },
        tokenStorePath: path.join(storeDirectory, `${tenant.id}.json`),
      },
    }))
    // The real OAuth flow: authorise (the sandbox auto-approves for the named tenant), then exchange the code.
    for (const tenant of tenants) {
      const url = new URL(yield* auth.authorizeUrl(tenant, { redirectUri }))
      url.searchParams.set("tenant", tenant.name)
      const answer = yield* Effect.promise(() => fetch(url, { redirect: "manual" }))
      const code = new URL(answer.headers.get("location") ?? "http://invalid/").searchParams.get("code")
      if (code === null) return yield* Effect.dieMessage(`the sandbox did not authorise ${tenant.name}`)
      yield* auth.exchangeCode(tenant, code, { redirectUri })
    }
    const before = yield* sandbox.stats
    let users = 0
    const started = performance.now()
    const fibers = yield* Effect.forEach(tenants, (tenant) =>
      Effect.fork(
        Effect.flatMap(extractTenant(tenant), (extraction) =>
          Stream.runForEach(extraction.records, () => Effect.sync(() => users++)),
        ),
      ),
    )
    yield* Effect.sleep(Duration.seconds(seconds))
    yield* Fiber.interruptAll(fibers)
    const elapsed = (performance.now() - started) / 1000
    const after = yield* sandbox.stats
    fs.rmSync(storeDirectory, { recursive: true, force: true })
    return { before, after, elapsed, users }
  }).pipe(
    Effect.map(({ before, after, elapsed, users }) => {
      const credential = (stats: typeof after) => stats.credentials.find((entry) => entry.kind === "oauth")
      const now = credential(after)
      const then = credential(before)
      const requests = (now?.requests ?? 0) - (then?.requests ?? 0)
      const throttled = (now?.throttled ?? 0) - (then?.throttled ?? 0)
      const budgetPerSecond = 25
      return {
        seconds: elapsed,
        requests,
        requestsPerSecond: requests / elapsed,
        budgetPerSecond,
        budgetUsed: requests / elapsed / budgetPerSecond,
        throttled,
        busiestSecond: now?.maxAdmittedPerSecond ?? 0,
        busiestMinute: now?.maxAdmittedPerMinute ?? 0,
        users,
      }
    }),
    Effect.provide(
      Layer.mergeAll(
        KeapNodeLive,
        // Enough users that the listing outlasts the measurement at 25 requests/s and 100 users a page.
        Layer.fresh(KeapSandbox.layer({ seed: 7, tenants: 2, usersPerTenant: 30_000 })),
      ),
    ),
    Effect.scoped,
    Effect.runPromise,
  )
