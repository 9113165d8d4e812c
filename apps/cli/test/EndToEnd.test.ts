/**
 * The real CLI as a child process against the Keap sandbox (in this process, over loopback) and the run's Neo4j:
 * login, ingest, re-ingest, changes, resolve, every review format, a revoked authorisation, Neo4j stopped in the
 * middle of a run, and the demo twice. Tenant names are unique per test: every test shares one Neo4j.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import { KeapSandbox, makeKeapSandbox } from "@idgraph/keap-sandbox"
import { Effect } from "effect"
import { apiKeyVariable } from "../src/IdgraphConfig.js"
import type { IngestSummary } from "../src/render/SummaryRender.js"
import {
  baseEnv,
  type CliResult,
  readAccounts,
  runCli,
  startCli,
  tempDir,
  unique,
  waitForCli,
  writeConfig,
} from "./fixtures/cli.js"

const cli = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, cwd?: string) =>
  Effect.promise(() => runCli(args, { env, ...(cwd === undefined ? {} : { cwd }) }))

/** Fails the test with the CLI's output when it did not exit as expected. */
const expectExit = (result: CliResult, code: number) => {
  if (result.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    )
  }
}

const readSummary = (file: string): IngestSummary => JSON.parse(fs.readFileSync(file, "utf8")) as IngestSummary
const tenantRun = (summary: IngestSummary, tenant: string) => {
  const run = summary.tenants.find((candidate) => candidate.tenant === tenant)
  if (run === undefined) throw new Error(`no run of ${tenant} in ${JSON.stringify(summary)}`)
  return run
}

/** `idgraph auth keap login`, with this test as the person: it opens the printed URL (the sandbox approves at once). */
const loginThroughCli = (tenant: string, env: NodeJS.ProcessEnv) =>
  Effect.promise(async () => {
    const child = startCli(["auth", "keap", "login", "--tenant", tenant], { env })
    const finished = waitForCli(child)
    const url = await new Promise<string>((resolve, reject) => {
      let seen = ""
      child.stderr.on("data", (chunk) => {
        seen += String(chunk)
        const match = /(http:\/\/\S+\/app\/oauth\/authorize\S+)/.exec(seen)
        if (match) resolve(match[1]!)
      })
      child.on("close", () => reject(new Error(`login exited before printing a URL: ${seen}`)))
    })
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain("idgraph is authorised")
    return await finished
  })

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

// Live services: retries and timeouts must pass real time.
layer(KeapSandbox.layer({ port: 0 }), { timeout: 120_000, excludeTestServices: true })(
  "idgraph against the sandbox",
  (it) => {
    it.effect(
      "logs in, ingests, re-ingests unchanged, follows changes, resolves and renders every review format",
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const [keyTenant, oauthTenant] = [sandbox.tenants[0]!, sandbox.tenants[1]!]
          const dir = tempDir()
          const keyName = unique("e2e-key")
          const oauthName = unique("e2e-oauth")
          const tokenStore = path.join(dir, "tokens", `${oauthName}.json`)
          const config = writeConfig(dir, {
            keap: {
              baseUrl: sandbox.baseUrl,
              authorizeUrl: sandbox.authorizeUrl,
              redirectUri: "http://127.0.0.1:0/callback",
              tenants: [
                { name: keyName, auth: "apiKey" },
                { name: oauthName, auth: "oauth", tokenStore, authorizeParams: { tenant: oauthTenant.id } },
              ],
            },
          })
          const env = baseEnv({
            IDGRAPH_CONFIG: config,
            KEAP_CLIENT_ID: sandbox.oauthClient.clientId,
            KEAP_CLIENT_SECRET: sandbox.oauthClient.clientSecret,
            [apiKeyVariable(keyName)]: keyTenant.personalAccessToken!,
          })

          const loggedIn = yield* loginThroughCli(oauthName, env)
          expectExit(loggedIn, 0)
          expect(fs.statSync(tokenStore).mode & 0o777).toBe(0o600)
          const tokens = JSON.parse(fs.readFileSync(tokenStore, "utf8")) as {
            accessToken: string
            refreshToken: string
          }
          const status = yield* cli(["auth", "keap", "status", "--tenant", oauthName], env)
          expectExit(status, 0)
          expect(status.stdout).toContain(tokenStore)
          expect(status.stdout).toMatch(/access token expires \d{4}-/)
          for (const output of [loggedIn.stdout, loggedIn.stderr, status.stdout, status.stderr]) {
            expect(output).not.toContain(tokens.accessToken)
            expect(output).not.toContain(tokens.refreshToken)
          }

          const keyUsers = yield* sandbox.control.listUsers(keyTenant.id)
          const oauthUsers = yield* sandbox.control.listUsers(oauthTenant.id)
          const first = path.join(dir, "first.json")
          expectExit(yield* cli(["ingest", "keap", "--summary-json", first], env), 0)
          expect(tenantRun(readSummary(first), keyName)).toMatchObject({
            status: "completed",
            seen: keyUsers.length,
            created: keyUsers.length,
            removed: 0,
          })
          expect(tenantRun(readSummary(first), oauthName)).toMatchObject({
            status: "completed",
            created: oauthUsers.length,
          })

          const second = path.join(dir, "second.json")
          const again = yield* cli(["ingest", "keap", "--summary-json", second], env)
          expectExit(again, 0)
          for (const [name, users] of [
            [keyName, keyUsers],
            [oauthName, oauthUsers],
          ] as const) {
            expect(tenantRun(readSummary(second), name)).toMatchObject({
              status: "completed",
              seen: users.length,
              created: 0,
              updated: 0,
              unchanged: users.length,
              removed: 0,
            })
          }
          expect(again.stdout).toMatch(
            new RegExp(`keap:${keyName}\\s+completed\\s+${keyUsers.length}\\s+0\\s+0\\s+${keyUsers.length}\\s+0`),
          )

          // Changes in Keap: one e-mail changed and one user removed in one tenant, one user added in the other.
          const plain = keyUsers.filter((user) => !user.admin && user.status === "Active")
          const changed = plain[0]!
          const removed = plain[1]!
          const newEmail = `${unique("moved")}@example.com`
          yield* sandbox.control.changeUser(keyTenant.id, changed.id, { email: newEmail })
          yield* sandbox.control.removeUser(keyTenant.id, removed.id)
          const added = yield* sandbox.control.addUser(oauthTenant.id, {
            email: `${unique("new")}@example.com`,
            givenName: "New",
          })
          const third = path.join(dir, "third.json")
          expectExit(yield* cli(["ingest", "keap", "--summary-json", third], env), 0)
          expect(tenantRun(readSummary(third), keyName)).toMatchObject({ created: 0, updated: 1, removed: 1 })
          expect(tenantRun(readSummary(third), oauthName)).toMatchObject({ created: 1, updated: 0, removed: 0 })
          const accounts = yield* Effect.promise(() => readAccounts(`keap:${keyName}`))
          expect(accounts.find((account) => account.uid === `keap:${keyName}:${removed.id}`)?.active).toBe(false)
          expect(accounts.find((account) => account.uid === `keap:${keyName}:${changed.id}`)?.email).toBe(newEmail)

          const resolved = yield* cli(["resolve", newEmail, "--format", "json"], env)
          expectExit(resolved, 0)
          const resolution = JSON.parse(resolved.stdout) as { identities: Array<{ accounts: Array<{ uid: string }> }> }
          expect(
            resolution.identities.flatMap((identity) => identity.accounts.map((account) => account.uid)),
          ).toContain(`keap:${keyName}:${changed.id}`)
          const addedUid = `keap:${oauthName}:${added.id}`
          const byUid = yield* cli(["resolve", addedUid], env)
          expectExit(byUid, 0)
          expect(byUid.stdout).toContain(addedUid)

          // Every review format; the admins of the API-key tenant must be in each.
          const admins = keyUsers
            .filter((user) => user.admin && user.status === "Active")
            .map((user) => `keap:${keyName}:${user.id}`)
          expect(admins.length).toBeGreaterThan(0)
          const formats = ["table", "csv", "md", "html"] as const
          const [json, ...files] = yield* Effect.all(
            [
              cli(["review", "--format", "json"], env),
              ...formats.map((format) =>
                cli(["review", "--format", format, "--out", path.join(dir, `review.${format}`)], env),
              ),
            ],
            { concurrency: "unbounded" },
          )
          expectExit(json!, 0)
          const review = JSON.parse(json!.stdout) as { activeAdmins: Array<{ account: { uid: string } }> }
          expect(review.activeAdmins.map((finding) => finding.account.uid)).toEqual(expect.arrayContaining(admins))
          for (const [index, format] of formats.entries()) {
            expectExit(files[index]!, 0)
            const content = fs.readFileSync(path.join(dir, `review.${format}`), "utf8")
            for (const admin of admins) expect(content).toContain(admin)
          }
          expect(fs.readFileSync(path.join(dir, "review.html"), "utf8")).toMatch(/^<!doctype html>/)
        }),
      600_000,
    )

    it.effect(
      "a revoked authorisation exits 3, removes nothing and leaves the token file alone",
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[2]!
          const dir = tempDir()
          const name = unique("e2e-revoked")
          const tokenStore = path.join(dir, `${name}.json`)
          const config = writeConfig(dir, {
            keap: {
              baseUrl: sandbox.baseUrl,
              authorizeUrl: sandbox.authorizeUrl,
              redirectUri: "http://127.0.0.1:0/callback",
              tenants: [{ name, auth: "oauth", tokenStore, authorizeParams: { tenant: tenant.id } }],
            },
          })
          const env = baseEnv({
            IDGRAPH_CONFIG: config,
            KEAP_CLIENT_ID: sandbox.oauthClient.clientId,
            KEAP_CLIENT_SECRET: sandbox.oauthClient.clientSecret,
          })
          expectExit(yield* loginThroughCli(name, env), 0)
          expectExit(yield* cli(["ingest", "keap"], env), 0)

          // The person revokes the integration; a day later the access token has expired too.
          const victim = (yield* sandbox.control.listUsers(tenant.id)).find(
            (user) => !user.admin && user.status === "Active",
          )!
          yield* sandbox.control.removeUser(tenant.id, victim.id)
          expect(yield* sandbox.control.revokeRefreshTokens).toBeGreaterThan(0)
          yield* sandbox.control.advanceClock(25 * 3_600_000)
          const before = fs.readFileSync(tokenStore, "utf8")
          const tokens = JSON.parse(before) as { refreshToken: string }

          const summaryFile = path.join(dir, "summary.json")
          const result = yield* cli(["ingest", "keap", "--summary-json", summaryFile], env)
          expectExit(result, 3)
          expect(result.stderr).toMatch(/re-authorise/)
          expect(`${result.stdout}${result.stderr}`).not.toContain(tokens.refreshToken)
          expect(tenantRun(readSummary(summaryFile), name)).toMatchObject({ status: "failed", removed: 0, exitCode: 3 })
          expect(fs.readFileSync(tokenStore, "utf8")).toBe(before)
          const accounts = yield* Effect.promise(() => readAccounts(`keap:${name}`))
          expect(accounts.find((account) => account.uid === `keap:${name}:${victim.id}`)?.active).toBe(true)
          expect(accounts.every((account) => account.active)).toBe(true)
        }),
      600_000,
    )

    it.effect(
      "a bad setting exits 2 naming it, before any network call",
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const dir = tempDir()
          const name = unique("e2e-missing-key")
          const config = writeConfig(dir, { keap: { baseUrl: sandbox.baseUrl, tenants: [{ name, auth: "apiKey" }] } })
          yield* sandbox.control.resetStats
          const result = yield* cli(
            ["ingest", "keap"],
            baseEnv({ IDGRAPH_CONFIG: config, NEO4J_URI: "bolt://127.0.0.1:1" }),
          )
          expectExit(result, 2)
          expect(result.stderr).toContain(apiKeyVariable(name))
          const stats = yield* sandbox.stats
          expect(stats.credentials.reduce((sum, credential) => sum + credential.requests, 0)).toBe(0)
        }),
      300_000,
    )

    it.effect(
      "one tenant with a rejected key and one that lands: exit 5, and the good one is in the graph",
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const dir = tempDir()
          const good = unique("e2e-good")
          const bad = unique("e2e-bad")
          const config = writeConfig(dir, {
            keap: {
              baseUrl: sandbox.baseUrl,
              tenants: [
                { name: good, auth: "apiKey" },
                { name: bad, auth: "apiKey" },
              ],
            },
          })
          const env = baseEnv({
            IDGRAPH_CONFIG: config,
            [apiKeyVariable(good)]: sandbox.tenants[1]!.serviceAccountKey!,
            [apiKeyVariable(bad)]: "KeapAK-revoked-long-ago",
          })
          const summaryFile = path.join(dir, "summary.json")
          const result = yield* cli(["ingest", "keap", "--summary-json", summaryFile], env)
          expectExit(result, 5)
          expect(result.stderr).toContain(`keap:${bad}`)
          expect(result.stderr).not.toContain("KeapAK-revoked-long-ago")
          const summary = readSummary(summaryFile)
          expect(summary.exitCode).toBe(5)
          expect(tenantRun(summary, good)).toMatchObject({ status: "completed", exitCode: 0 })
          expect(tenantRun(summary, bad)).toMatchObject({ status: "failed", exitCode: 3 })
          const landed = yield* Effect.promise(() => readAccounts(`keap:${good}`))
          expect(landed.length).toBe(tenantRun(summary, good).seen)
          expect(landed.length).toBeGreaterThan(0)
        }),
      300_000,
    )

    it.effect(
      "an interrupted run (Ctrl-C) stops at once and marks nothing removed",
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[0]!
          const dir = tempDir()
          const name = unique("e2e-sigint")
          const config = writeConfig(dir, { keap: { baseUrl: sandbox.baseUrl, tenants: [{ name, auth: "apiKey" }] } })
          const env = baseEnv({ IDGRAPH_CONFIG: config, [apiKeyVariable(name)]: tenant.serviceAccountKey! })
          expectExit(yield* cli(["ingest", "keap"], env), 0)
          const victim = (yield* sandbox.control.listUsers(tenant.id)).find(
            (user) => !user.admin && user.status === "Active",
          )!
          yield* sandbox.control.removeUser(tenant.id, victim.id)
          yield* sandbox.control.setFaults({ latency: { ms: 5000 } })
          const result = yield* Effect.promise(async () => {
            const child = startCli(["ingest", "keap"], { env })
            const finished = waitForCli(child)
            await new Promise<void>((resolve) => {
              let seen = ""
              child.stderr.on("data", (chunk) => {
                seen += String(chunk)
                if (seen.includes("ingestion started")) resolve()
              })
            })
            child.kill("SIGINT")
            return await finished
          }).pipe(Effect.ensuring(sandbox.control.clearFaults.pipe(Effect.orDie)))
          expect(result.code).not.toBe(0)
          expect(result.stderr).toContain("interrupted")
          const accounts = yield* Effect.promise(() => readAccounts(`keap:${name}`))
          expect(accounts.find((account) => account.uid === `keap:${name}:${victim.id}`)?.active).toBe(true)
        }),
      300_000,
    )

    it.effect(
      "provisions users: a dry run sends nothing, a create invites, an unavailable endpoint is a clear error",
      () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[2]!
          const dir = tempDir()
          const name = unique("e2e-admin")
          const config = writeConfig(dir, { keap: { baseUrl: sandbox.baseUrl, tenants: [{ name, auth: "apiKey" }] } })
          const env = baseEnv({ IDGRAPH_CONFIG: config, [apiKeyVariable(name)]: tenant.personalAccessToken! })
          const email = `${unique("hire")}@example.com`
          const create = ["keap", "users", "create", "--tenant", name, "--email", email, "--given-name", "Hire"]
          const dryRun = yield* cli([...create, "--dry-run"], env)
          expectExit(dryRun, 0)
          expect(JSON.parse(dryRun.stdout)).toMatchObject({ dryRun: true, request: { email, given_name: "Hire" } })
          expect((yield* sandbox.control.listUsers(tenant.id)).some((user) => user.email === email)).toBe(false)

          const created = yield* cli(create, env)
          expectExit(created, 0)
          expect(created.stderr).toContain("invitation")
          const invited = (yield* sandbox.control.listUsers(tenant.id)).find((user) => user.email === email)
          expect(invited?.status).toBe("Invited")

          const update = yield* cli(
            ["keap", "users", "update", "--tenant", name, "--id", String(invited!.id), "--job-title", "Engineer"],
            env,
          )
          expectExit(update, 0)
          expect(JSON.parse(update.stdout)).toMatchObject({ dryRun: false })

          // This sandbox, like Keap's v1 spec, has no DELETE /v1/users/{id}: the CLI says so and changes nothing.
          const deactivate = yield* cli(
            ["keap", "users", "deactivate", "--tenant", name, "--id", String(invited!.id)],
            env,
          )
          expectExit(deactivate, 1)
          expect(deactivate.stderr).toMatch(/not available on this account/)
          const after = (yield* sandbox.control.listUsers(tenant.id)).find((user) => user.email === email)
          expect(after?.status).toBe("Invited")
        }),
      300_000,
    )
  },
)

describe("idgraph when Neo4j goes away", () => {
  it.live(
    "Neo4j stopped in the middle of a run: a clear error, a non-zero exit, nothing removed; after a restart a re-run converges",
    () =>
      Effect.scoped(
        Effect.gen(function* () {
          const sandbox = yield* makeKeapSandbox({ port: 0, usersPerTenant: 300, tenants: 1, limits: "off" })
          const tenant = sandbox.tenants[0]!
          const dir = tempDir()
          const port = yield* Effect.promise(freePort)
          const neo4jEnv = baseEnv({
            IDGRAPH_NEO4J_HOME: path.join(dir, "neo4j"),
            IDGRAPH_NEO4J_PORT: String(port),
            IDGRAPH_NEO4J_HEAP: "512m",
            IDGRAPH_NEO4J_PAGECACHE_MB: "64",
          })
          delete neo4jEnv.NEO4J_PASSWORD
          yield* Effect.addFinalizer(() => Effect.promise(() => runCli(["neo4j", "stop"], { env: neo4jEnv })))
          expectExit(yield* cli(["neo4j", "start"], neo4jEnv), 0)

          const name = unique("e2e-neo4j")
          const config = writeConfig(dir, { keap: { baseUrl: sandbox.baseUrl, tenants: [{ name, auth: "apiKey" }] } })
          const env = {
            ...neo4jEnv,
            IDGRAPH_CONFIG: config,
            NEO4J_URI: `bolt://127.0.0.1:${port}`,
            NEO4J_USER: "neo4j",
            [apiKeyVariable(name)]: tenant.personalAccessToken!,
          }
          const uri = `bolt://127.0.0.1:${port}`
          expectExit(yield* cli(["ingest", "keap"], env), 0)

          const victim = (yield* sandbox.control.listUsers(tenant.id)).find(
            (user) => !user.admin && user.status === "Active",
          )!
          yield* sandbox.control.removeUser(tenant.id, victim.id)
          // Slow pages, so that the stop lands while the run extracts; its records are written after the stop.
          yield* sandbox.control.setFaults({ latency: { ms: 4000 } })
          const running = startCli(["ingest", "keap"], { env })
          const finished = waitForCli(running)
          yield* Effect.promise(
            () =>
              new Promise<void>((resolve) => {
                let seen = ""
                running.stderr.on("data", (chunk) => {
                  seen += String(chunk)
                  if (seen.includes("ingestion started")) resolve()
                })
              }),
          )
          expectExit(yield* cli(["neo4j", "stop"], neo4jEnv), 0)
          const interrupted = yield* Effect.promise(() => finished)
          expect(interrupted.code).not.toBe(0)
          expect(interrupted.stderr).toMatch(/Neo4j at bolt:\/\/127\.0\.0\.1:\d+ is unavailable|did not answer/)
          expect(interrupted.stderr).toContain("nothing")

          yield* sandbox.control.clearFaults
          expectExit(yield* cli(["neo4j", "start"], neo4jEnv), 0)
          const afterCrash = yield* Effect.promise(() => readAccounts(`keap:${name}`, uri))
          expect(afterCrash.find((account) => account.uid === `keap:${name}:${victim.id}`)?.active).toBe(true)

          const summaryFile = path.join(dir, "rerun.json")
          expectExit(yield* cli(["ingest", "keap", "--summary-json", summaryFile], env), 0)
          expect(tenantRun(readSummary(summaryFile), name)).toMatchObject({
            status: "completed",
            seen: 299,
            created: 0,
            removed: 1,
          })
          const converged = yield* Effect.promise(() => readAccounts(`keap:${name}`, uri))
          expect(converged.filter((account) => account.active)).toHaveLength(299)
        }),
      ),
    900_000,
  )
})

describe("idgraph demo", () => {
  it.live(
    "runs from nothing, and a second run converges on the same graph",
    () =>
      Effect.gen(function* () {
        const cwd = tempDir("idgraph-demo-")
        const env = baseEnv()
        const first = yield* cli(["demo"], env, cwd)
        expectExit(first, 0)
        for (const heading of [
          "Authorised keap:",
          "Ingestion summary",
          "What the graph now knows",
          "Access review",
          "Orphaned accounts",
        ]) {
          expect(first.stdout).toContain(heading)
        }
        const html = fs.readFileSync(path.join(cwd, "idgraph-review.html"), "utf8")
        expect(html).toMatch(/^<!doctype html>/)
        expect(html).toContain("Orphaned accounts")
        const second = yield* cli(["demo"], env, cwd)
        expectExit(second, 0)
        const keapLines = second.stdout.split("\n").filter((line) => /^keap:\w+\s+completed/.test(line))
        expect(keapLines).toHaveLength(3)
        for (const line of keapLines) expect(line).toMatch(/^keap:\w+\s+completed\s+(\d+)\s+0\s+0\s+\1\s+0\s/)
        expect(second.stdout).toMatch(/^okta:acme-idp\s+completed\s+(\d+)\s+0\s+0\s+\1\s+0\s/m)
        const counts = (stdout: string) =>
          stdout.slice(stdout.indexOf("What the graph now knows"), stdout.indexOf("Who is"))
        expect(counts(second.stdout)).toBe(counts(first.stdout))
      }),
    900_000,
  )
})
