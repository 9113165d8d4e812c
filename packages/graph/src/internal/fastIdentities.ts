/**
 * The first-load fast path of identity maintenance: the identities of a batch's brand-new accounts are decided in
 * memory inside the batch's own write transaction and written with it, so that new accounts need neither the
 * `identityDirty` flag nor the closure reads of `maintainIdentities`.
 *
 * It runs only while nobody holds the `identity-maintenance` lease: the transaction write-locks the lease node first,
 * so a maintenance pass cannot start before the batch commits, and another run's fast batch waits for it. It reads,
 * under that lock, the linking identifiers the new accounts hold, their holders and the identities of those holders
 * with all their members. Components of new accounts plus the identities they touch are computed by union-find.
 * A component is decided here only when everything it touches is clean: no holder or member still flagged, no
 * identifier pending a shared recomputation, no identifier that this batch makes shared. Every other component is
 * left to `maintainIdentities` exactly as before (its new accounts flagged, their identifiers flagged). So the result
 * is the same partition and the same uid rule: identities that merge keep the oldest uid, the others get
 * `MERGED_INTO`.
 */
import type { ManagedTransaction } from "neo4j-driver"
import { int, type Row, run } from "./cypher.js"
import {
  type ClosureAccount,
  CREATE_IDENTITIES,
  identityProperties,
  toClosureAccount,
  UPDATE_IDENTITIES,
  WRITE_ASSIGNMENTS,
  WRITE_MERGES,
} from "./identityMaintenance.js"

/** Write-locks the maintenance lease node for the transaction and says whether no maintenance holds it. */
const LOCK_MAINTENANCE = `
MERGE (l:RunLease {uid: "identity-maintenance"})
SET l.lockedAt = $nowMs
RETURN l.holder IS NULL OR l.expiresAtMs < $nowMs AS free`

// Holders of shared identifiers are not listed: a shared identifier links nothing and stays shared when one gains
// holders.
// Non-linking identifiers are read only to know whether they exist.
const READ_IDENTIFIERS = `
UNWIND $uids AS uid
MATCH (x:Identifier {uid: uid})
WITH x, coalesce(x.shared, false) AS shared
RETURN x.uid AS uid, shared, x.dirty IS NOT NULL AS dirty,
       CASE WHEN shared OR NOT coalesce(x.linking, false) THEN [] ELSE
         [(x)<-[:HAS_IDENTIFIER]-(h:Account) |
           {tenantUid: h.tenantUid, flagged: h.identityDirty IS NOT NULL,
            identity: head([(h)-[:BELONGS_TO]->(i:Identity) | i.uid])}]
       END AS holders`

const READ_IDENTITIES = `
UNWIND $uids AS uid
MATCH (i:Identity {uid: uid})
RETURN i.uid AS uid, i.createdAtMs AS createdAtMs,
       [(i)<-[:BELONGS_TO]-(m:Account) |
         m {.uid, .system, .tenantUid, .email, .givenName, .familyName, .active, .status, .firstSeenAtMs,
            flagged: m.identityDirty IS NOT NULL,
            links: [(m)-[:HAS_IDENTIFIER]->(x:Identifier) WHERE x.linking AND NOT coalesce(x.shared, false) | x.uid]}]
       AS members`

/**
 * A new account of the batch, as the fast path needs it: what a closure account says, before it has an identity.
 * Its `links` are all its linking identifiers; the shared ones are dropped when it joins a component.
 */
export interface NewAccount
  extends Pick<
    ClosureAccount,
    "uid" | "system" | "tenantUid" | "email" | "givenName" | "familyName" | "active" | "status" | "links"
  > {
  /** Uids of all its identifiers. */
  readonly identifiers: ReadonlyArray<string>
}

/** What the fast path decided for a batch. */
export interface FastDecision {
  /** New account uid -> identity uid, for the accounts decided here (the others stay flagged). */
  readonly identityOf: ReadonlyMap<string, string>
  /** Identifiers that must stay flagged for `maintainIdentities` (pending, or made shared by this batch). */
  readonly dirtyIdentifiers: ReadonlySet<string>
  /** Which of the new accounts' identifiers exist (read under the lock: nothing deletes them before commit). */
  readonly existingIdentifiers: ReadonlySet<string>
  readonly identitiesCreated: number
  readonly identitiesMerged: number
  readonly accountsMoved: number
  readonly newIdentities: ReadonlyArray<{ uid: string; props: ReturnType<typeof identityProperties> }>
  readonly updatedIdentities: ReadonlyArray<{ uid: string; props: ReturnType<typeof identityProperties> }>
  readonly merges: ReadonlyArray<{ loser: string; winner: string }>
  readonly moves: ReadonlyArray<{ account: string; identity: string }>
}

interface IdentityRow {
  readonly uid: string
  readonly createdAtMs: number
  readonly members: ReadonlyArray<ClosureAccount>
  readonly flagged: boolean
}

const compareIdentities = (a: IdentityRow, b: IdentityRow) =>
  a.createdAtMs - b.createdAtMs || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)

/**
 * Decides, inside the batch's write transaction, the identities of `accounts` (all new, all of `tenantUid`).
 * Returns null when a maintenance pass holds the lease: then every account stays on the flagged path.
 */
export const decideNewAccounts = async (
  tx: ManagedTransaction,
  accounts: ReadonlyArray<NewAccount>,
  options: {
    readonly tenantUid: string
    readonly sharedThreshold: number
    readonly nowMs: number
    readonly newIdentityUid: () => string
  },
): Promise<FastDecision | null> => {
  const lock = await run(tx, LOCK_MAINTENANCE, { nowMs: int(options.nowMs) })
  if (lock[0]?.free !== true) return null

  const batchHolders = new Map<string, Array<string>>()
  for (const account of accounts) {
    for (const link of account.links) {
      const list = batchHolders.get(link)
      if (list === undefined) batchHolders.set(link, [account.uid])
      else list.push(account.uid)
    }
  }
  const wanted = new Set<string>()
  for (const account of accounts) for (const identifier of account.identifiers) wanted.add(identifier)
  const identifierRows = await run(tx, READ_IDENTIFIERS, { uids: [...wanted].sort() })
  const existing = new Map(identifierRows.map((row) => [String(row.uid), row]))

  // Union-find over "a:<account uid>" and "i:<identity uid>".
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    for (;;) {
      const up = parent.get(root)
      if (up === undefined || up === root) break
      root = up
    }
    let node = x
    while (node !== root) {
      const up = parent.get(node)!
      parent.set(node, root)
      node = up
    }
    return root
  }
  const union = (a: string, b: string) => {
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent.set(rb, ra)
  }
  const unclean = new Set<string>()
  for (const account of accounts) parent.set(`a:${account.uid}`, `a:${account.uid}`)
  const dirtyIdentifiers = new Set<string>()
  const identitiesWanted = new Set<string>()

  for (const [identifier, holders] of batchHolders) {
    const row = existing.get(identifier)
    const first = `a:${holders[0]!}`
    if (row !== undefined && row.shared === true) {
      // Shared already: links nothing and stays shared; a pending recomputation might unshare it.
      if (row.dirty === true) {
        dirtyIdentifiers.add(identifier)
        for (const holder of holders) unclean.add(`a:${holder}`)
      }
      continue
    }
    const graphHolders = (row?.holders as Array<Record<string, unknown>> | undefined) ?? []
    const inTenant = graphHolders.filter((holder) => holder.tenantUid === options.tenantUid).length + holders.length
    if (inTenant > options.sharedThreshold || row?.dirty === true) {
      // Becomes shared with this batch (or is pending): the flagged path decides and reports it.
      dirtyIdentifiers.add(identifier)
      for (const holder of holders) unclean.add(`a:${holder}`)
      continue
    }
    for (const holder of holders) union(first, `a:${holder}`)
    for (const holder of graphHolders) {
      const identity = holder.identity as string | null
      if (identity === null || holder.flagged === true) {
        unclean.add(first)
        if (identity === null) continue
      }
      const node = `i:${identity}`
      if (!parent.has(node)) parent.set(node, node)
      identitiesWanted.add(identity)
      union(first, node)
    }
  }

  const identities = new Map<string, IdentityRow>()
  if (identitiesWanted.size > 0) {
    const rows = await run(tx, READ_IDENTITIES, { uids: [...identitiesWanted].sort() })
    for (const row of rows) {
      const uid = String(row.uid)
      const createdAtMs = Number(row.createdAtMs ?? 0)
      const members = (row.members as Array<Row>).map((member) =>
        toClosureAccount({ ...member, token: null, identityUid: uid, identityCreatedAtMs: createdAtMs }),
      )
      const flagged = (row.members as Array<Record<string, unknown>>).some((member) => member.flagged === true)
      identities.set(uid, { uid, createdAtMs, members, flagged })
      if (flagged) unclean.add(`i:${uid}`)
    }
  }
  for (const uid of identitiesWanted) if (!identities.has(uid)) unclean.add(`i:${uid}`)

  const uncleanRoots = new Set([...unclean].map(find))
  const components = new Map<string, { accounts: Array<NewAccount>; identities: Array<IdentityRow> }>()
  const componentOf = (node: string) => {
    const root = find(node)
    let component = components.get(root)
    if (component === undefined) {
      component = { accounts: [], identities: [] }
      components.set(root, component)
    }
    return { root, component }
  }
  for (const account of accounts) {
    const { root, component } = componentOf(`a:${account.uid}`)
    if (!uncleanRoots.has(root)) component.accounts.push(account)
  }
  for (const identity of identities.values()) {
    const { root, component } = componentOf(`i:${identity.uid}`)
    if (!uncleanRoots.has(root)) component.identities.push(identity)
  }

  const identityOf = new Map<string, string>()
  const newIdentities: Array<{ uid: string; props: ReturnType<typeof identityProperties> }> = []
  const updatedIdentities: Array<{ uid: string; props: ReturnType<typeof identityProperties> }> = []
  const merges: Array<{ loser: string; winner: string }> = []
  const moves: Array<{ account: string; identity: string }> = []
  for (const { accounts: fresh, identities: old } of components.values()) {
    if (fresh.length === 0) continue
    const members: Array<ClosureAccount> = fresh.map((account) => ({
      ...account,
      // A decided component touches no identifier this batch makes shared: the shared ones are already marked.
      links: account.links.filter((link) => existing.get(link)?.shared !== true),
      token: null,
      firstSeenAtMs: options.nowMs,
      identityUid: null,
      identityCreatedAtMs: 0,
    }))
    for (const identity of old) members.push(...identity.members)
    const props = identityProperties(members)
    let uid: string
    if (old.length === 0) {
      uid = options.newIdentityUid()
      newIdentities.push({ uid, props })
    } else {
      const [winner, ...losers] = [...old].sort(compareIdentities)
      uid = winner!.uid
      updatedIdentities.push({ uid, props })
      for (const loser of losers) {
        merges.push({ loser: loser.uid, winner: uid })
        for (const member of loser.members) moves.push({ account: member.uid, identity: uid })
      }
    }
    for (const account of fresh) identityOf.set(account.uid, uid)
  }
  return {
    identityOf,
    dirtyIdentifiers,
    existingIdentifiers: new Set(existing.keys()),
    identitiesCreated: newIdentities.length,
    identitiesMerged: merges.length,
    accountsMoved: moves.length + identityOf.size,
    newIdentities,
    updatedIdentities,
    merges,
    moves,
  }
}

/** Writes the identities a decision creates, before the accounts that belong to them are created. */
export const writeNewIdentities = async (tx: ManagedTransaction, decision: FastDecision, now: Date) => {
  if (decision.newIdentities.length > 0) {
    await run(tx, CREATE_IDENTITIES, {
      now: now.toISOString(),
      nowMs: int(now.getTime()),
      identities: decision.newIdentities,
    })
  }
}

/** Writes the rest of a decision (updated and merged identities, moved members), after the accounts exist. */
export const writeIdentityChanges = async (tx: ManagedTransaction, decision: FastDecision, now: Date) => {
  const params = { now: now.toISOString(), nowMs: int(now.getTime()) }
  if (decision.updatedIdentities.length > 0) {
    await run(tx, UPDATE_IDENTITIES, { ...params, identities: decision.updatedIdentities })
  }
  if (decision.moves.length > 0) await run(tx, WRITE_ASSIGNMENTS, { assignments: decision.moves })
  if (decision.merges.length > 0) await run(tx, WRITE_MERGES, { ...params, merges: decision.merges })
}
