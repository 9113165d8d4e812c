/**
 * Incremental identity maintenance. The loader flags what it touched: `Identifier.dirty` on identifiers that gained
 * or lost a holder, `Account.identityDirty = <token>` on accounts whose content, links or presence changed. This
 * module then
 *   1. recomputes `shared` for flagged identifiers (more than `sharedThreshold` holders in one tenant) and flags
 *      every holder of an identifier whose shared state flipped;
 *   2. takes flagged accounts in chunks, reads the affected subgraph (closed under links over linking, non-shared
 *      identifiers and under membership of the identities involved), computes its connected components in memory,
 *      and writes identities back in one transaction.
 * Flags live in the graph, so work left by an interrupted run is picked up by the next one.
 */
import { identifierUid } from "@idgraph/identity"
import type { Neo4jConnection } from "@idgraph/neo4j-local"
import { Effect } from "effect"
import type { GraphError } from "../GraphErrors.js"
import { int, type Row, readRows, run, write, writeRows } from "./cypher.js"

/** What one maintenance pass did. */
export interface IdentityMaintenanceReport {
  /** Identifiers whose shared state was recomputed. */
  readonly identifiersChecked: number
  /** Identifiers that became shared in this pass (uids). */
  readonly newlyShared: ReadonlyArray<string>
  /** Identifiers that stopped being shared in this pass (uids). */
  readonly noLongerShared: ReadonlyArray<string>
  /** Accounts whose component was recomputed. */
  readonly accountsRecomputed: number
  readonly identitiesCreated: number
  readonly identitiesMerged: number
  /** Accounts that moved to another identity. */
  readonly accountsMoved: number
}

const RECOMPUTE_SHARED = `
MATCH (i:Identifier) WHERE i.dirty = true
WITH i LIMIT $limit
OPTIONAL MATCH (i)<-[:HAS_IDENTIFIER]-(a:Account)
WITH i, a.tenantUid AS tenant, count(a) AS holders
WITH i, max(holders) AS most, sum(holders) AS total
WITH i, total, coalesce(i.linking, false) AND coalesce(most, 0) > $threshold AS nowShared, coalesce(i.shared, false) AS wasShared
CALL (i, nowShared, wasShared) {
  WITH i WHERE nowShared <> wasShared
  MATCH (i)<-[:HAS_IDENTIFIER]-(a:Account)
  SET a.identityDirty = $token
}
// shared is stored only while true (absent means not shared): an index entry per shared identifier only.
SET i.shared = CASE WHEN nowShared THEN true END
REMOVE i.dirty
WITH i, i.uid AS uid, total, nowShared, wasShared
// An identifier nobody holds any more is deleted (its uid was read above, before the node goes).
CALL (i, total) {
  WITH i WHERE total = 0
  DETACH DELETE i
}
RETURN count(*) AS checked,
       [x IN collect(CASE WHEN nowShared AND NOT wasShared AND total > 0 THEN uid END) WHERE x IS NOT NULL] AS becameShared,
       [x IN collect(CASE WHEN wasShared AND NOT nowShared AND total > 0 THEN uid END) WHERE x IS NOT NULL] AS stoppedShared`

const SEEDS = `
MATCH (a:Account) WHERE a.identityDirty IS NOT NULL
RETURN a.uid AS uid LIMIT $limit`

const EXPAND_ACCOUNTS = `
UNWIND $uids AS uid
MATCH (a:Account {uid: uid})
OPTIONAL MATCH (a)-[:BELONGS_TO]->(old:Identity)
RETURN a.uid AS uid, a.identityDirty AS token, a.system AS system, a.tenantUid AS tenantUid, a.email AS email,
       a.givenName AS givenName, a.familyName AS familyName, a.active AS active, a.status AS status,
       a.firstSeenAtMs AS firstSeenAtMs,
       old.uid AS identityUid, old.createdAtMs AS identityCreatedAtMs,
       [(a)-[:HAS_IDENTIFIER]->(i:Identifier) WHERE i.linking AND NOT coalesce(i.shared, false) | i.uid] AS links,
       [(a)-[:HAS_IDENTIFIER]->(i:Identifier)<-[:HAS_IDENTIFIER]-(b:Account)
          WHERE i.linking AND NOT coalesce(i.shared, false) | b.uid] AS neighbours`

const IDENTITY_MEMBERS = `
UNWIND $uids AS uid
MATCH (:Identity {uid: uid})<-[:BELONGS_TO]-(a:Account)
RETURN a.uid AS uid`

// New identities have fresh random uids: CREATE, no MERGE to check.
export const CREATE_IDENTITIES = `
UNWIND $identities AS idn
CREATE (i:Identity {uid: idn.uid})
SET i += idn.props, i.createdAt = $now, i.createdAtMs = $nowMs, i.updatedAt = $now`

export const UPDATE_IDENTITIES = `
UNWIND $identities AS idn
MATCH (i:Identity {uid: idn.uid})
SET i += idn.props, i.updatedAt = $now
REMOVE i.mergedAt, i.mergedAtMs, i.mergedInto`

// Accounts that had no identity yet (new accounts): nothing to remove, CREATE the membership.
const FIRST_ASSIGNMENTS = `
UNWIND $assignments AS asg
MATCH (a:Account {uid: asg.account})
MATCH (i:Identity {uid: asg.identity})
CREATE (a)-[:BELONGS_TO]->(i)`

export const WRITE_ASSIGNMENTS = `
UNWIND $assignments AS asg
MATCH (a:Account {uid: asg.account})
MATCH (i:Identity {uid: asg.identity})
CALL (a, i) {
  MATCH (a)-[old:BELONGS_TO]->(o:Identity) WHERE o <> i
  DELETE old
}
MERGE (a)-[:BELONGS_TO]->(i)`

export const WRITE_MERGES = `
UNWIND $merges AS m
MATCH (loser:Identity {uid: m.loser}), (winner:Identity {uid: m.winner})
MERGE (loser)-[:MERGED_INTO]->(winner)
SET loser.mergedAt = $now, loser.mergedAtMs = $nowMs, loser.mergedInto = winner.uid,
    loser.accountCount = 0, loser.activeAccountCount = 0, loser.tenantCount = 0, loser.systems = [], loser.tenants = []`

// A token changed since it was read means a concurrent load touched the account again: leave it flagged.
const CLEAR_FLAGS = `
// The hint keeps the planner on the uid constraint: the identityDirty index would scan every flagged account per row.
UNWIND $flags AS f
MATCH (a:Account {uid: f.uid}) USING INDEX a:Account(uid)
WHERE a.identityDirty = f.token
REMOVE a.identityDirty`

export interface ClosureAccount {
  readonly uid: string
  readonly token: string | null
  readonly system: string
  readonly tenantUid: string
  readonly email: string | null
  readonly givenName: string | null
  readonly familyName: string | null
  readonly active: boolean
  readonly status: string
  readonly firstSeenAtMs: number
  readonly identityUid: string | null
  readonly identityCreatedAtMs: number
  /** Uids of its linking identifiers that are not shared (the ones that link it to other accounts). */
  readonly links: ReadonlyArray<string>
}

export const byAge = (a: ClosureAccount, b: ClosureAccount) =>
  a.firstSeenAtMs - b.firstSeenAtMs || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)

/** Identity properties, decided from its accounts (oldest first): see README "Identity properties". */
export const identityProperties = (members: ReadonlyArray<ClosureAccount>) => {
  const sorted = [...members].sort(byAge)
  const live = sorted.filter((account) => account.active && account.status === "active")
  const present = sorted.filter((account) => account.active)
  const preference = [...live, ...present, ...sorted]
  // A shared mailbox (sales@) says nothing about who the person is: a personal address of a present account wins.
  const personal = (account: ClosureAccount) =>
    account.email !== null && account.links.includes(identifierUid({ kind: "email", value: account.email }))
  const primary = live.find(personal) ?? present.find(personal) ?? preference.find((account) => account.email !== null)
  const named = preference.find((account) => account.givenName !== null || account.familyName !== null)
  const displayName =
    named === undefined ? (primary?.email ?? null) : [named.givenName, named.familyName].filter(Boolean).join(" ")
  const tenants = Array.from(new Set(sorted.map((account) => account.tenantUid))).sort()
  return {
    primaryEmail: primary?.email ?? null,
    displayName,
    systems: Array.from(new Set(sorted.map((account) => account.system))).sort(),
    tenants,
    tenantCount: int(tenants.length),
    accountCount: int(sorted.length),
    activeAccountCount: int(present.length),
  }
}

/** An account as a closure or identity read returns it (`token`, `identityUid`, `identityCreatedAtMs` included). */
export const toClosureAccount = (row: Row): ClosureAccount => ({
  uid: String(row.uid),
  token: row.token === null ? null : String(row.token),
  system: String(row.system),
  tenantUid: String(row.tenantUid),
  email: (row.email as string | null) ?? null,
  givenName: (row.givenName as string | null) ?? null,
  familyName: (row.familyName as string | null) ?? null,
  active: row.active === true,
  status: String(row.status),
  firstSeenAtMs: Number(row.firstSeenAtMs ?? 0),
  identityUid: (row.identityUid as string | null) ?? null,
  identityCreatedAtMs: Number(row.identityCreatedAtMs ?? 0),
  links: (row.links as Array<string>) ?? [],
})

/** Reads the closure of `seeds`: every account linked to it, and every member of every identity involved. */
const readClosure = (connection: Neo4jConnection, seeds: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const accounts = new Map<string, ClosureAccount>()
    const identitiesSeen = new Set<string>()
    let frontier = [...new Set(seeds)]
    while (frontier.length > 0) {
      const rows = yield* readRows(connection, "reading the affected identities", EXPAND_ACCOUNTS, { uids: frontier })
      const next = new Set<string>()
      const newIdentities: Array<string> = []
      for (const row of rows) {
        const account = toClosureAccount(row)
        accounts.set(account.uid, account)
        for (const neighbour of row.neighbours as Array<string>) {
          if (!accounts.has(neighbour)) next.add(neighbour)
        }
        if (account.identityUid !== null && !identitiesSeen.has(account.identityUid)) {
          identitiesSeen.add(account.identityUid)
          newIdentities.push(account.identityUid)
        }
      }
      if (newIdentities.length > 0) {
        const members = yield* readRows(connection, "reading the affected identities", IDENTITY_MEMBERS, {
          uids: newIdentities,
        })
        for (const member of members) {
          const uid = String(member.uid)
          if (!accounts.has(uid)) next.add(uid)
        }
      }
      frontier = [...next].filter((uid) => !accounts.has(uid))
    }
    return accounts
  })

/** Connected components of the closure over its links. */
const components = (accounts: ReadonlyMap<string, ClosureAccount>): Array<Array<ClosureAccount>> => {
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    while (parent.get(root) !== root) root = parent.get(root)!
    parent.set(x, root)
    return root
  }
  const holderOf = new Map<string, string>()
  for (const account of accounts.values()) parent.set(account.uid, account.uid)
  for (const account of accounts.values()) {
    for (const link of account.links) {
      const holder = holderOf.get(link)
      if (holder === undefined) holderOf.set(link, account.uid)
      else {
        const a = find(holder)
        const b = find(account.uid)
        if (a !== b) parent.set(b, a)
      }
    }
  }
  const groups = new Map<string, Array<ClosureAccount>>()
  for (const account of accounts.values()) {
    const root = find(account.uid)
    const group = groups.get(root)
    if (group === undefined) groups.set(root, [account])
    else group.push(account)
  }
  return [...groups.values()].map((group) => group.sort(byAge))
}

interface Plan {
  readonly identities: Array<{ uid: string; props: ReturnType<typeof identityProperties> }>
  readonly newIdentities: Array<{ uid: string; props: ReturnType<typeof identityProperties> }>
  readonly firstAssignments: Array<{ account: string; identity: string }>
  readonly assignments: Array<{ account: string; identity: string }>
  readonly merges: Array<{ loser: string; winner: string }>
  readonly created: number
}

/**
 * Decides identity uids for the new components. Each old identity claims the component holding its oldest account;
 * a component claimed by several keeps the oldest identity (the others are merged into it), a component claimed by
 * none gets a new uid. So an unchanged component keeps its uid, a merge keeps the older uid and a split leaves the
 * uid with the part holding the oldest account.
 */
const plan = (groups: Array<Array<ClosureAccount>>, newUid: () => string): Plan => {
  const oldIdentities = new Map<string, { createdAtMs: number; anchor: ClosureAccount }>()
  for (const group of groups) {
    for (const account of group) {
      if (account.identityUid === null) continue
      const known = oldIdentities.get(account.identityUid)
      if (known === undefined || byAge(account, known.anchor) < 0) {
        oldIdentities.set(account.identityUid, { createdAtMs: account.identityCreatedAtMs, anchor: account })
      }
    }
  }
  const componentOf = new Map<string, number>()
  groups.forEach((group, index) => {
    for (const account of group) componentOf.set(account.uid, index)
  })
  const claims = new Map<number, Array<{ uid: string; createdAtMs: number }>>()
  for (const [uid, { createdAtMs, anchor }] of oldIdentities) {
    const index = componentOf.get(anchor.uid)!
    const list = claims.get(index) ?? []
    list.push({ uid, createdAtMs })
    claims.set(index, list)
  }
  const result: Plan = {
    identities: [],
    newIdentities: [],
    firstAssignments: [],
    assignments: [],
    merges: [],
    created: 0,
  }
  let created = 0
  groups.forEach((group, index) => {
    const claimants = (claims.get(index) ?? []).sort(
      (a, b) => a.createdAtMs - b.createdAtMs || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0),
    )
    let uid: string
    let fresh = false
    if (claimants.length === 0) {
      uid = newUid()
      fresh = true
      created++
    } else {
      uid = claimants[0]!.uid
      for (const loser of claimants.slice(1)) result.merges.push({ loser: loser.uid, winner: uid })
    }
    ;(fresh ? result.newIdentities : result.identities).push({ uid, props: identityProperties(group) })
    for (const account of group) {
      if (account.identityUid === null) result.firstAssignments.push({ account: account.uid, identity: uid })
      else if (account.identityUid !== uid) result.assignments.push({ account: account.uid, identity: uid })
    }
  })
  return { ...result, created }
}

/**
 * Records the shared threshold; when it differs from the recorded one (or none is recorded), flags every linking
 * identifier first, since which identifiers are shared anywhere may change.
 */
export const ensureSharedThreshold = (
  connection: Neo4jConnection,
  threshold: number,
): Effect.Effect<void, GraphError> =>
  Effect.gen(function* () {
    // A threshold changed since the last pass changes which identifiers are shared anywhere: re-check them all.
    const recorded = yield* readRows(
      connection,
      "reading the shared threshold",
      `OPTIONAL MATCH (s:IdGraphSchema {uid: "schema"}) RETURN s.sharedThreshold AS threshold`,
    )
    if (recorded[0]?.threshold !== threshold) {
      let flagged = 1
      while (flagged > 0) {
        const rows = yield* writeRows(
          connection,
          "flagging identifiers for a new shared threshold",
          `MATCH (i:Identifier) WHERE i.linking AND i.dirty IS NULL WITH i LIMIT $limit SET i.dirty = true RETURN count(i) AS flagged`,
          { limit: int(10_000) },
        )
        flagged = Number(rows[0]?.flagged ?? 0)
      }
      yield* writeRows(
        connection,
        "recording the shared threshold",
        `MERGE (s:IdGraphSchema {uid: "schema"}) SET s.sharedThreshold = $threshold`,
        { threshold: int(threshold) },
      )
    }
  })

/** Options of maintenance. */
export interface MaintenanceOptions {
  readonly sharedThreshold: number
  /** Seed accounts per chunk. */
  readonly chunkSize: number
  readonly newIdentityUid: () => string
}

/** Brings shared flags and identities up to date with everything the loader flagged. */
export const maintainIdentities = (
  connection: Neo4jConnection,
  options: MaintenanceOptions,
): Effect.Effect<IdentityMaintenanceReport, GraphError> =>
  Effect.gen(function* () {
    const token = `maintenance:${options.newIdentityUid()}`
    yield* ensureSharedThreshold(connection, options.sharedThreshold)
    let identifiersChecked = 0
    const newlyShared: Array<string> = []
    const noLongerShared: Array<string> = []
    for (;;) {
      const rows = yield* writeRows(connection, "recomputing shared identifiers", RECOMPUTE_SHARED, {
        limit: int(5_000),
        threshold: int(options.sharedThreshold),
        token,
      })
      const row = rows[0]
      const checked = Number(row?.checked ?? 0)
      if (checked === 0) break
      identifiersChecked += checked
      newlyShared.push(...((row?.becameShared as Array<string>) ?? []))
      noLongerShared.push(...((row?.stoppedShared as Array<string>) ?? []))
    }
    let accountsRecomputed = 0
    let identitiesCreated = 0
    let identitiesMerged = 0
    let accountsMoved = 0
    for (;;) {
      const seeds = yield* readRows(connection, "finding accounts to re-resolve", SEEDS, {
        limit: int(options.chunkSize),
      })
      if (seeds.length === 0) break
      const closure = yield* readClosure(
        connection,
        seeds.map((row) => String(row.uid)),
      )
      const decided = plan(components(closure), options.newIdentityUid)
      const now = new Date()
      const flags = [...closure.values()]
        .filter((account) => account.token !== null)
        .map((account) => ({ uid: account.uid, token: account.token }))
      yield* write(connection, "writing identities", async (tx) => {
        const params = { now: now.toISOString(), nowMs: int(now.getTime()) }
        if (decided.newIdentities.length > 0) {
          await run(tx, CREATE_IDENTITIES, { ...params, identities: decided.newIdentities })
        }
        if (decided.identities.length > 0)
          await run(tx, UPDATE_IDENTITIES, { ...params, identities: decided.identities })
        if (decided.firstAssignments.length > 0) {
          await run(tx, FIRST_ASSIGNMENTS, { assignments: decided.firstAssignments })
        }
        if (decided.assignments.length > 0) await run(tx, WRITE_ASSIGNMENTS, { assignments: decided.assignments })
        if (decided.merges.length > 0) await run(tx, WRITE_MERGES, { ...params, merges: decided.merges })
        await run(tx, CLEAR_FLAGS, { flags })
      })
      accountsRecomputed += closure.size
      identitiesCreated += decided.created
      identitiesMerged += decided.merges.length
      accountsMoved += decided.assignments.length + decided.firstAssignments.length
    }
    return {
      identifiersChecked,
      newlyShared,
      noLongerShared,
      accountsRecomputed,
      identitiesCreated,
      identitiesMerged,
      accountsMoved,
    }
  })
