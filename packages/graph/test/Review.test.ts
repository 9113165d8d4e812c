import { describe, expect, layer } from "@effect/vitest"
import type { AccountRecord } from "@idgraph/identity"
import { Effect, Stream } from "effect"
import { type AccountFinding, IdentityGraph, type Review } from "../src/index.js"
import { account, graphLayer, unique } from "./fixtures.js"

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString()
const uids = (findings: ReadonlyArray<AccountFinding>) => findings.map((finding) => finding.account.uid).sort()

describe("the access review", () => {
  layer(graphLayer(), { timeout: 120_000, excludeTestServices: true })((it) => {
    // One hand-built graph, loaded through the loader, with one person per case the findings must tell apart.
    const s = unique("rv")
    const k1 = `k1-${s}`
    const k2 = `k2-${s}`
    const okta = `o-${s}`
    const mail = (name: string) => `${name}@${s}.example`
    const keap1: Array<AccountRecord> = [
      account({ tenant: k1, id: "alice", email: mail("alice"), admin: true }),
      account({ tenant: k1, id: "bob", email: mail("bob"), admin: false }),
      account({ tenant: k1, id: "carol", email: mail("carol"), admin: true, status: "inactive" }),
      account({ tenant: k1, id: "erin", email: mail("erin"), status: "invited", createdAt: daysAgo(30) }),
      account({ tenant: k1, id: "frank", email: mail("frank"), status: "invited", createdAt: daysAgo(2) }),
      account({ tenant: k1, id: "gina-1", email: mail("gina"), globalUserId: `g-gina-${s}` }),
      account({ tenant: k1, id: "gina-2", email: mail("GINA") }),
      account({ tenant: k1, id: "hal", email: mail("hal"), admin: true }),
      account({ tenant: k1, id: "ivy-1", email: mail("ivy") }),
      account({ tenant: k1, id: "ivy-2", email: mail("ivy"), status: "inactive" }),
    ]
    const keap2: Array<AccountRecord> = [
      account({ tenant: k2, id: "dave", email: mail("dave") }),
      account({ tenant: k2, id: "gina", email: mail("gina.k2"), globalUserId: `g-gina-${s}` }),
      account({ tenant: k2, id: "sales-1", email: mail("sales") }),
      account({ tenant: k2, id: "sales-2", email: mail("sales") }),
      account({ tenant: k2, id: "sales-3", email: mail("sales") }),
      account({ tenant: k2, id: "nobody" }),
    ]
    const directory: Array<AccountRecord> = [
      account({ system: "okta", tenant: okta, id: "a", email: mail("alice") }),
      account({ system: "okta", tenant: okta, id: "d", email: mail("dave"), status: "inactive" }),
      account({ system: "okta", tenant: okta, id: "g", email: mail("gina") }),
      account({ system: "okta", tenant: okta, id: "h", email: mail("hal") }),
    ]
    const scope = { tenantUids: [`keap:${k1}`, `keap:${k2}`, `okta:${okta}`] }

    const load = Effect.gen(function* () {
      const graph = yield* IdentityGraph
      yield* graph.ingest({ system: "keap", tenant: k1, records: Stream.fromIterable(keap1) })
      yield* graph.ingest({ system: "keap", tenant: k2, records: Stream.fromIterable(keap2) })
      yield* graph.ingest({ system: "okta", tenant: okta, records: Stream.fromIterable(directory) })
      // Hal leaves Keap tenant k1 (one of ten accounts: under the guard): a removed admin is no active admin.
      yield* graph.ingest({
        system: "keap",
        tenant: k1,
        records: Stream.fromIterable(keap1.filter((record) => record.externalId !== "hal")),
      })
      return yield* graph.review({ authoritativeSystem: "okta", staleDays: 14, scope })
    })
    let cached: Review | undefined
    const reviewed = Effect.suspend(() => (cached ? Effect.succeed(cached) : Effect.tap(load, (r) => (cached = r))))
    const k = (tenant: string, id: string) => `keap:${tenant}:${id}`

    it.effect("active admins: active accounts with the admin flag, each with the person's other accounts", () =>
      Effect.gen(function* () {
        const review = yield* reviewed
        // carol is an admin but inactive; hal was removed.
        expect(uids(review.activeAdmins)).toEqual([k(k1, "alice")])
        const alice = review.activeAdmins[0]!
        expect(alice.otherAccounts.map((other) => other.uid)).toEqual([`okta:${okta}:a`])
        expect(alice.identity?.systems).toEqual(["keap", "okta"])
      }),
    )

    it.effect("orphaned accounts: active, while the person has no active account in the authoritative source", () =>
      Effect.gen(function* () {
        const review = yield* reviewed
        // bob has no okta account; dave's is inactive; gina-1/gina-2/gina(k2) are one person with okta:g active.
        // sales-* and nobody have no okta account either; erin/frank are invited, not active; ivy has none.
        expect(uids(review.orphanedAccounts)).toEqual(
          [
            k(k1, "bob"),
            k(k1, "ivy-1"),
            k(k2, "dave"),
            k(k2, "nobody"),
            k(k2, "sales-1"),
            k(k2, "sales-2"),
            k(k2, "sales-3"),
          ].sort(),
        )
        const dave = review.orphanedAccounts.find((finding) => finding.account.uid === k(k2, "dave"))!
        expect(dave.otherAccounts.map((other) => [other.uid, other.status])).toEqual([[`okta:${okta}:d`, "inactive"]])
        expect(dave.detail).toContain("no active okta account")
        const graph = yield* IdentityGraph
        const without = yield* graph.review({ scope })
        expect(without.orphanedAccounts).toEqual([])
      }),
    )

    it.effect("stale invitations: pending longer than the given days", () =>
      Effect.gen(function* () {
        const review = yield* reviewed
        expect(uids(review.staleInvitations)).toEqual([k(k1, "erin")])
        const graph = yield* IdentityGraph
        const strict = yield* graph.review({ staleDays: 1, scope })
        expect(uids(strict.staleInvitations)).toEqual([k(k1, "erin"), k(k1, "frank")])
      }),
    )

    it.effect("duplicate accounts: one person, several active accounts in one tenant", () =>
      Effect.gen(function* () {
        const review = yield* reviewed
        // gina has two active accounts in k1 (and one in k2, which is no duplicate); ivy's second is inactive.
        expect(uids(review.duplicateAccounts)).toEqual([k(k1, "gina-1"), k(k1, "gina-2")])
        expect(review.duplicateAccounts[0]!.detail).toContain(`2 active accounts of one person in keap:${k1}`)
        expect(review.duplicateAccounts[0]!.otherAccounts.map((other) => other.uid)).toEqual(
          [k(k1, "gina-2"), k(k2, "gina"), `okta:${okta}:g`].sort(),
        )
      }),
    )

    it.effect("shared identifiers: held by more than two accounts of one tenant, reported and not linking", () =>
      Effect.gen(function* () {
        const review = yield* reviewed
        expect(review.sharedIdentifiers.map((finding) => finding.identifier)).toEqual([`email:${mail("sales")}`])
        expect(review.sharedIdentifiers[0]!.holders.map((holder) => holder.uid)).toEqual([
          k(k2, "sales-1"),
          k(k2, "sales-2"),
          k(k2, "sales-3"),
        ])
        // Not linked: three separate people.
        const identities = new Set(
          review.orphanedAccounts.filter((f) => f.account.externalId.startsWith("sales")).map((f) => f.identity?.uid),
        )
        expect(identities.size).toBe(3)
      }),
    )

    it.effect("accounts with no linking identifier", () =>
      Effect.gen(function* () {
        const review = yield* reviewed
        expect(uids(review.unlinkedAccounts)).toEqual([k(k2, "nobody")])
      }),
    )

    it.effect("resolve finds a person by e-mail (any case), account uid, Keap global id and identity uid", () =>
      Effect.gen(function* () {
        yield* reviewed
        const graph = yield* IdentityGraph
        const byEmail = yield* graph.resolve(`  ${mail("GINA")} `)
        expect(byEmail.matchedBy).toEqual(["email"])
        expect(byEmail.identities).toHaveLength(1)
        const gina = byEmail.identities[0]!
        expect(gina.accounts.map((a) => a.uid)).toEqual(
          [k(k1, "gina-1"), k(k1, "gina-2"), k(k2, "gina"), `okta:${okta}:g`].sort(),
        )
        expect(gina.primaryEmail).toBe(mail("gina"))
        expect(gina.tenants).toHaveLength(3)
        expect((yield* graph.resolve(k(k2, "gina"))).identities.map((i) => i.uid)).toEqual([gina.uid])
        expect((yield* graph.resolve(`g-gina-${s}`)).identities.map((i) => i.uid)).toEqual([gina.uid])
        expect((yield* graph.resolve(gina.uid)).identities.map((i) => i.uid)).toEqual([gina.uid])
        // A shared mailbox resolves to every person behind it.
        expect((yield* graph.resolve(mail("sales"))).identities).toHaveLength(3)
        expect((yield* graph.resolve(mail("nobody-at-all"))).identities).toEqual([])
      }),
    )

    it.effect("summary counts the scope", () =>
      Effect.gen(function* () {
        yield* reviewed
        const graph = yield* IdentityGraph
        const summary = yield* graph.summary(scope)
        expect(summary).toEqual({
          tenants: 3,
          accounts: 20,
          activeAccounts: 19,
          // alice, bob, carol, erin, frank, gina, hal, ivy, dave, sales x3, nobody
          identities: 13,
          peopleInSeveralTenants: 4,
          peopleInSeveralSystems: 4,
          sharedIdentifiers: 1,
        })
      }),
    )
  })
})

describe("changes since a run", () => {
  layer(graphLayer(), { timeout: 120_000, excludeTestServices: true })((it) => {
    it.effect("lists what later runs created, updated, removed and reactivated", () =>
      Effect.gen(function* () {
        const graph = yield* IdentityGraph
        const tenant = unique("chg")
        const mail = (n: string) => `${n}@${tenant}.example`
        const base = Array.from({ length: 10 }, (_, i) => account({ tenant, id: String(i), email: mail(`p${i}`) }))
        const first = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(base) })
        const changed = [
          ...base.slice(1).map((record) => (record.externalId === "2" ? { ...record, givenName: "New" } : record)),
          account({ tenant, id: "new", email: mail("new") }),
        ]
        const second = yield* graph.ingest({ system: "keap", tenant, records: Stream.fromIterable(changed) })
        const third = yield* graph.ingest({
          system: "keap",
          tenant,
          records: Stream.fromIterable([base[0]!, ...changed]),
        })
        expect(third.reactivated).toBe(1)
        const changes = yield* graph.changesSince(first.runId, { tenantUids: [`keap:${tenant}`] })
        expect(changes.runs.map((run) => run.runId)).toEqual([second.runId, third.runId])
        expect(changes.created.map((a) => a.externalId)).toEqual(["new"])
        expect(changes.updated.map((a) => a.externalId)).toEqual(["2"])
        expect(changes.removed.map((a) => a.externalId)).toEqual([])
        expect(changes.reactivated.map((a) => a.externalId)).toEqual(["0"])
        const sinceSecond = yield* graph.changesSince(second.runId, { tenantUids: [`keap:${tenant}`] })
        expect(sinceSecond.created).toEqual([])
        expect(sinceSecond.reactivated.map((a) => a.externalId)).toEqual(["0"])
        const listed = yield* graph.runs({ scope: { tenantUids: [`keap:${tenant}`] } })
        expect(listed.map((run) => [run.runId, run.status, run.reactivated])).toEqual([
          [third.runId, "completed", 1],
          [second.runId, "completed", 0],
          [first.runId, "completed", 0],
        ])
        expect(listed[1]).toMatchObject({ seen: 10, created: 1, updated: 1, removed: 1, unchanged: 8 })
        const unknown = yield* Effect.flip(graph.changesSince("run_nope"))
        expect(unknown._tag).toBe("UnknownRun")
      }),
    )
  })
})
