import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Either, Stream } from "effect"
import { AccountsFile, IdentityGraph } from "../src/index.js"
import { account, graphLayer, unique } from "./fixtures.js"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "idgraph-accounts-file-"))
const file = (name: string, content: string) => {
  const target = path.join(dir, name)
  fs.writeFileSync(target, content)
  return target
}
const collect = <A, E>(stream: Stream.Stream<A, E>) =>
  Effect.map(Stream.runCollect(stream), (chunk) => Array.from(chunk))

describe("AccountsFile", () => {
  it.effect("reads CSV with quoting, canonical e-mails, statuses, flags and extra identifiers", () =>
    Effect.gen(function* () {
      const csv = file(
        "okta.csv",
        [
          "\uFEFFsystem,tenant,id,email,given_name,family_name,status,admin,identifiers",
          'okta,acme,00u1," Ann@Example.COM ","Ann","O\'Neil, Jr.",ACTIVE,yes,employee_id:E-1;okta_id:00u1',
          "",
          'okta,acme,00u2,,"Bob ""the builder""",,deprovisioned,no,',
        ].join("\n"),
      )
      const records = yield* collect(AccountsFile.read(csv))
      expect(records).toHaveLength(2)
      expect(records[0]).toMatchObject({
        system: "okta",
        tenant: "acme",
        externalId: "00u1",
        email: "ann@example.com",
        emailRaw: "Ann@Example.COM",
        familyName: "O'Neil, Jr.",
        status: "active",
        admin: true,
      })
      expect(records[0]!.identifiers).toEqual([
        { kind: "email", value: "ann@example.com" },
        { kind: "employee_id", value: "E-1" },
        { kind: "okta_id", value: "00u1" },
      ])
      expect(records[1]).toMatchObject({
        givenName: 'Bob "the builder"',
        email: null,
        status: "inactive",
        admin: false,
      })
      expect(records[1]!.identifiers).toEqual([])
    }),
  )

  it.effect("reads JSONL with camelCase or snake_case fields and the file's system and tenant", () =>
    Effect.gen(function* () {
      const jsonl = file(
        "hr.jsonl",
        [
          JSON.stringify({ id: 7, email: "c@example.com", givenName: "Cy", identifiers: { employee_id: "E-7" } }),
          JSON.stringify({
            id: "8",
            email: "d@example.com",
            family_name: "Dee",
            identifiers: [{ kind: "employee_id", value: "E-8" }],
          }),
        ].join("\n"),
      )
      const records = yield* collect(AccountsFile.read(jsonl, { system: "bamboohr", tenant: "acme" }))
      expect(records.map((r) => [r.system, r.tenant, r.externalId, r.givenName, r.familyName])).toEqual([
        ["bamboohr", "acme", "7", "Cy", null],
        ["bamboohr", "acme", "8", null, "Dee"],
      ])
      expect(records[1]!.identifiers).toContainEqual({ kind: "employee_id", value: "E-8" })
    }),
  )

  it.effect("check reports every bad line with its number and keeps the good ones", () =>
    Effect.gen(function* () {
      const csv = file(
        "bad.csv",
        [
          "system,tenant,id,email,admin,identifiers",
          "okta,acme,1,ok@example.com,,",
          "okta,acme,,x@example.com,,",
          "okta,acme,3,not-an-email,,",
          "okta,acme,4,a@example.com,maybe,",
          "okta,acme,1,dup@example.com,,",
          "okta,acme,6,b@example.com,,Bad-Kind:1",
          'okta,acme,7,"unterminated,,',
          "okta,acme,8",
          "Okta,acme,9,c@example.com,,",
        ].join("\n"),
      )
      const result = yield* AccountsFile.check(csv)
      expect(result.records).toBe(1)
      expect(result.tenants).toEqual(["okta:acme"])
      expect(result.errors.map((error) => [error.line, error.reason])).toEqual([
        [3, "id is missing"],
        [4, 'email "not-an-email" is not an e-mail address'],
        [5, 'admin must be true/false, yes/no or 1/0, not "maybe"'],
        [6, "account okta:acme:1 appears twice"],
        [7, 'identifier kind "Bad-Kind" must be lower snake case (employee_id, okta_id, ...)'],
        [8, "a quoted field is not closed (fields cannot span lines)"],
        [9, "3 fields where the header has 6"],
        [10, expect.stringContaining("system")],
      ])
      expect(result.errors[0]!.message).toBe(`${csv}:3: id is missing`)
      // read stops at the first bad line, with its number.
      const error = yield* Effect.flip(collect(AccountsFile.read(csv)))
      expect(error.line).toBe(3)
    }),
  )

  it.effect("a line of another tenant than the one asked for is an error; an unknown column stops the file", () =>
    Effect.gen(function* () {
      const csv = file("mixed.csv", ["system,tenant,id", "okta,acme,1", "okta,other,2"].join("\n"))
      const result = yield* AccountsFile.check(csv, { system: "okta", tenant: "acme" })
      expect(result.records).toBe(1)
      expect(result.errors.map((e) => e.reason)).toEqual([`tenant "other" differs from the file's tenant "acme"`])
      const typo = file("typo.csv", ["system,tenant,id,emial", "okta,acme,1,a@example.com"].join("\n"))
      const error = yield* Effect.flip(AccountsFile.check(typo))
      expect(error.line).toBe(1)
      expect(error.reason).toContain(`unknown column(s) "emial"`)
      const missing = yield* Effect.flip(AccountsFile.check(path.join(dir, "nope.csv")))
      expect(missing.line).toBeNull()
      expect(missing.message).toContain("cannot read the file")
    }),
  )

  it.effect("toAccountRecord is pure and says why", () =>
    Effect.sync(() => {
      expect(Either.isLeft(AccountsFile.toAccountRecord({ id: "1" }, {}))).toBe(true)
      const ok = AccountsFile.toAccountRecord({ id: "1", global_user_id: "99" }, { system: "keap", tenant: "t" })
      expect(Either.getOrThrow(ok).identifiers).toEqual([{ kind: "keap_global_user_id", value: "99" }])
    }),
  )
})

describe("an accounts file as a second source", () => {
  layer(graphLayer(), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("loads through the same loader and links a Keap user to the directory person", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const suffix = unique("x")
        const keapTenant = `k-${suffix}`
        const oktaTenant = `o-${suffix}`
        yield* graph.ingest({
          system: "keap",
          tenant: keapTenant,
          records: Stream.fromIterable([account({ tenant: keapTenant, id: "1", email: `ann@${suffix}.example` })]),
        })
        const csv = file(
          `${suffix}.csv`,
          ["id,email,given_name,family_name,status", `00u1,ANN@${suffix}.example,Ann,Lee,ACTIVE`].join("\n"),
        )
        const run = yield* graph.ingest({
          system: "okta",
          tenant: oktaTenant,
          records: AccountsFile.read(csv, { system: "okta", tenant: oktaTenant }),
        })
        expect(run).toMatchObject({ status: "completed", created: 1 })
        const resolved = yield* graph.resolve(`ann@${suffix}.example`)
        expect(resolved.identities).toHaveLength(1)
        expect(resolved.identities[0]!.systems).toEqual(["keap", "okta"])
        expect(resolved.identities[0]!.displayName).toBe("Ann Lee")
        const labels = yield* Effect.gen(function* () {
          const { query } = yield* Effect.promise(() => import("./fixtures.js"))
          return yield* query(`MATCH (a:Account {uid: $uid}) RETURN labels(a) AS labels`, {
            uid: `okta:${oktaTenant}:00u1`,
          })
        })
        expect(labels[0]!.labels).toEqual(expect.arrayContaining(["Account", "OktaUser"]))
      }),
    )

    it.effect("a bad line fails the run at that line and removes nothing", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("file")
        const good = file(
          `${tenant}-1.csv`,
          ["id,email", ...[1, 2, 3, 4].map((i) => `${i},p${i}@${tenant}.example`)].join("\n"),
        )
        yield* graph.ingest({ system: "hr", tenant, records: AccountsFile.read(good, { system: "hr", tenant }) })
        const bad = file(`${tenant}-2.csv`, ["id,email", `1,p1@${tenant}.example`, "2,broken"].join("\n"))
        const error = yield* Effect.flip(
          graph.ingest({ system: "hr", tenant, records: AccountsFile.read(bad, { system: "hr", tenant }) }),
        )
        expect(error._tag).toBe("ExtractionFailed")
        expect(error.message).toContain(`${bad}:3: email "broken" is not an e-mail address`)
        const summary = yield* graph.summary({ tenantUids: [`hr:${tenant}`] })
        expect(summary.activeAccounts).toBe(4)
      }),
    )
  })
})
