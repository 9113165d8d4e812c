/**
 * The batched loader: one read query per batch to compare content hashes, then one write transaction that upserts
 * only what changed and touches what did not. Query texts are constants per system label, so plans are cached.
 */
import { createHash } from "node:crypto"
import { type AccountRecord, accountUid, identifierUid, isLinkingKind, systemLabel, tenantUid } from "@idgraph/identity"
import type { Neo4jConnection } from "@idgraph/neo4j-local"
import { Effect } from "effect"
import type { GraphError } from "../GraphErrors.js"
import { int, read, run, write } from "./cypher.js"
import {
  decideNewAccounts,
  type FastDecision,
  type NewAccount,
  writeIdentityChanges,
  writeNewIdentities,
} from "./fastIdentities.js"

/** A stable hash of everything the graph stores about an account, so unchanged accounts cost one comparison. */
export const contentHash = (record: AccountRecord): string => {
  const identifiers = record.identifiers.map(identifierUid).sort()
  const content = [
    record.system,
    record.tenant,
    record.externalId,
    record.email,
    record.emailRaw,
    record.givenName,
    record.familyName,
    record.admin,
    record.partner,
    record.status,
    record.statusRaw,
    record.createdAt,
    record.updatedAt,
    record.globalUserId,
    record.infusionsoftId,
    identifiers,
  ]
  return createHash("sha256").update(JSON.stringify(content)).digest("base64url")
}

const millis = (iso: string | null) => {
  if (iso === null) return null
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? null : int(ms)
}

/** The account node's properties from a record (null removes a property under `SET +=`). */
const accountProperties = (record: AccountRecord, hash: string) => ({
  system: record.system,
  tenant: record.tenant,
  tenantUid: tenantUid(record),
  externalId: record.externalId,
  email: record.email,
  emailRaw: record.emailRaw,
  givenName: record.givenName,
  familyName: record.familyName,
  admin: record.admin,
  partner: record.partner,
  status: record.status,
  statusRaw: record.statusRaw,
  createdAt: record.createdAt,
  createdAtMs: millis(record.createdAt),
  updatedAt: record.updatedAt,
  globalUserId: record.globalUserId,
  infusionsoftId: record.infusionsoftId,
  contentHash: hash,
})

const COMPARE = `
UNWIND $rows AS row
OPTIONAL MATCH (a:Account {uid: row.uid})
RETURN row.uid AS uid, a IS NOT NULL AS exists, coalesce(a.contentHash = row.hash, false) AS same,
       coalesce(a.active, false) AS active,
       CASE WHEN a IS NOT NULL AND NOT coalesce(a.contentHash = row.hash, false)
            THEN [(a)-[:HAS_IDENTIFIER]->(i:Identifier) | i.uid] ELSE [] END AS identifiers`

const TOUCH = `
UNWIND $uids AS uid
MATCH (a:Account {uid: uid})
SET a.lastSeenRunId = $runId, a.lastSeenAt = $now`

// The label is spliced in as text because Cypher cannot take a label as a parameter. It is safe: the label comes
// only from systemLabel(system) where `system` was validated against the AccountRecord schema (/^[a-z][a-z0-9_-]*$/),
// so it is letters and digits only (checked again below), and it is back-quoted besides.
// Everything that depends on the account's previous state is decided in memory, so that this query neither reads
// what it writes nor needs an Eager operator: the props map carries exactly the fields to set.
const updateQuery = (label: string) => `
UNWIND $rows AS row
MATCH (a:Account {uid: row.uid})
SET a += row.props
SET a:\`${label}\``

// New accounts (the compare step found no node, and the tenant lease keeps other runs of this tenant out) are
// created with their tenant and identifier relationships in one pass: no MERGE to check, no second lookup.
const createQuery = (label: string) => `
MATCH (t:Tenant {uid: $tenantUid})
UNWIND $rows AS row
CREATE (a:Account:\`${label}\`)
SET a = row.props
SET a += $common
CREATE (t)-[:HAS_ACCOUNT]->(a)
WITH a, row
CALL (a, row) {
  MATCH (i:Identity {uid: row.identity})
  CREATE (a)-[:BELONGS_TO]->(i)
}
WITH a, row
UNWIND row.identifiers AS identifierUid
MATCH (i:Identifier {uid: identifierUid})
CREATE (a)-[:HAS_IDENTIFIER]->(i)`

// One query shape per step, each a plain UNWIND over a list; all run in the batch's one transaction.
const UNLINK_IDENTIFIERS = `
UNWIND $links AS link
MATCH (a:Account {uid: link.account})-[r:HAS_IDENTIFIER]->(i:Identifier {uid: link.identifier})
SET i.dirty = true
DELETE r`

const MERGE_IDENTIFIERS = `
UNWIND $identifiers AS x
MERGE (i:Identifier {uid: x.uid})
ON CREATE SET i.kind = x.kind, i.value = x.value, i.linking = x.linking
SET i.dirty = true`

// Identifiers of new accounts whose identities the batch decided itself: nothing for maintenance to recompute.
const MERGE_CLEAN_IDENTIFIERS = `
UNWIND $identifiers AS x
MERGE (i:Identifier {uid: x.uid})
ON CREATE SET i.kind = x.kind, i.value = x.value, i.linking = x.linking`

// Identifiers the batch read under the maintenance lock and found missing: nothing to merge against.
const CREATE_IDENTIFIERS = `
UNWIND $identifiers AS x
CREATE (i:Identifier)
SET i = x`

const LINK_IDENTIFIERS = `
UNWIND $links AS link
MATCH (a:Account {uid: link.account})
MATCH (i:Identifier {uid: link.identifier})
MERGE (a)-[:HAS_IDENTIFIER]->(i)`

const SAFE_LABEL = /^[A-Za-z][A-Za-z0-9]*$/

/** The write queries of one system (one query shape per system and step, so plans are cached). */
export interface SystemQueries {
  readonly create: string
  readonly update: string
}

/** The write queries of one system, built once per run. */
export const queriesFor = (system: string): SystemQueries => {
  const label = systemLabel(system)
  if (!SAFE_LABEL.test(label)) throw new Error(`BUG: unsafe system label ${JSON.stringify(label)}`)
  return { create: createQuery(label), update: updateQuery(label) }
}

/** Counts of one batch. */
export interface BatchCounts {
  readonly seen: number
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  readonly reactivated: number
  /** New accounts whose identities the batch decided (not left flagged for maintenance). */
  readonly identities: {
    readonly accounts: number
    readonly created: number
    readonly merged: number
    readonly moved: number
  }
}

/** The run a batch belongs to. */
export interface BatchContext {
  readonly runId: string
  readonly tenantUid: string
  readonly queries: SystemQueries
  readonly dryRun: boolean
  /** Set when the batch may decide the identities of new accounts itself (see fastIdentities.ts). */
  readonly identities: {
    readonly sharedThreshold: number
    readonly newIdentityUid: () => string
  } | null
}

/** Loads one batch of records of one tenant: compare hashes, then write what changed in one transaction. */
export const loadBatch = (
  connection: Neo4jConnection,
  context: BatchContext,
  batch: ReadonlyArray<AccountRecord>,
): Effect.Effect<BatchCounts, GraphError> =>
  Effect.gen(function* () {
    // Last occurrence wins within a batch; sorted by key so concurrent writers lock nodes in one order.
    const byUid = new Map<string, AccountRecord>()
    for (const record of batch) byUid.set(accountUid(record), record)
    const uids = [...byUid.keys()].sort()
    const hashes = new Map(uids.map((uid) => [uid, contentHash(byUid.get(uid)!)]))
    const compared = yield* read(connection, "comparing a batch with the graph", (tx) =>
      run(tx, COMPARE, { rows: uids.map((uid) => ({ uid, hash: hashes.get(uid) })) }),
    )
    const now = new Date()
    const nowMs = int(now.getTime())
    const touch: Array<string> = []
    const rows: Array<Record<string, unknown>> = []
    const created: Array<{ props: Record<string, unknown>; identifiers: Array<string> }> = []
    const newAccounts: Array<NewAccount> = []
    // Identifiers that gain or lose a holder among existing accounts: always flagged for maintenance.
    const touched = new Set<string>()
    const unlinks: Array<{ account: string; identifier: string }> = []
    const links: Array<{ account: string; identifier: string }> = []
    const identifiers = new Map<string, { uid: string; kind: string; value: string; linking: boolean }>()
    let updated = 0
    let unchanged = 0
    let reactivated = 0
    for (const row of compared) {
      const uid = String(row.uid)
      const record = byUid.get(uid)!
      const exists = row.exists === true
      const active = row.active === true
      if (exists && active && row.same === true) {
        unchanged++
        touch.push(uid)
        continue
      }
      const props: Record<string, unknown> = {
        ...accountProperties(record, hashes.get(uid)!),
        lastSeenRunId: context.runId,
        lastSeenAt: now.toISOString(),
        active: true,
        // Content, links or presence changed: the account's identity must be recomputed.
        identityDirty: context.runId,
      }
      if (!exists) {
        // What every new account of the batch shares travels once, as $common.
        const {
          system: _system,
          tenant: _tenant,
          tenantUid: _tenantUid,
          lastSeenRunId: _run,
          lastSeenAt: _at,
          active: _active,
          ...own
        } = props
        created.push({ props: { ...own, uid }, identifiers: record.identifiers.map(identifierUid) })
        newAccounts.push({
          uid,
          system: record.system,
          tenantUid: context.tenantUid,
          email: record.email,
          givenName: record.givenName,
          familyName: record.familyName,
          active: true,
          status: record.status,
          links: [
            ...new Set(record.identifiers.filter((identifier) => isLinkingKind(identifier.kind)).map(identifierUid)),
          ],
          identifiers: record.identifiers.map(identifierUid),
        })
        for (const identifier of record.identifiers) {
          const key = identifierUid(identifier)
          identifiers.set(key, {
            uid: key,
            kind: identifier.kind,
            value: identifier.value,
            linking: isLinkingKind(identifier.kind),
          })
        }
        continue
      }
      if (!active) {
        reactivated++
        Object.assign(props, {
          removedAt: null,
          removedAtMs: null,
          removedByRunId: null,
          reactivatedAtMs: nowMs,
          reactivatedByRunId: context.runId,
        })
      } else updated++
      if (row.same !== true) Object.assign(props, { changedAtMs: nowMs, changedByRunId: context.runId })
      rows.push({ uid, props })
      const wanted = new Map(record.identifiers.map((identifier) => [identifierUid(identifier), identifier]))
      const current = new Set(row.identifiers as Array<string>)
      for (const identifier of current) {
        if (!wanted.has(identifier)) unlinks.push({ account: uid, identifier })
      }
      for (const [identifier, { kind, value }] of wanted) {
        if (current.has(identifier)) continue
        links.push({ account: uid, identifier })
        touched.add(identifier)
        identifiers.set(identifier, { uid: identifier, kind, value, linking: isLinkingKind(kind) })
      }
    }
    let decided: FastDecision | null = null
    const writeBatch = (mergeOnly: boolean) =>
      write(connection, "writing a batch", async (tx) => {
        const params = { runId: context.runId, now: now.toISOString(), nowMs }
        if (unlinks.length > 0) await run(tx, UNLINK_IDENTIFIERS, { links: unlinks })
        const decision =
          context.identities !== null && newAccounts.length > 0
            ? await decideNewAccounts(tx, newAccounts, {
                tenantUid: context.tenantUid,
                sharedThreshold: context.identities.sharedThreshold,
                nowMs: now.getTime(),
                newIdentityUid: context.identities.newIdentityUid,
              })
            : null
        // Flagged: identifiers of changed accounts, of new accounts left to maintenance, and those the decision
        // leaves pending. The others were settled by the decision.
        const dirty = new Set(touched)
        if (decision !== null) for (const identifier of decision.dirtyIdentifiers) dirty.add(identifier)
        const rowsToCreate = created.map((row) => {
          const identity = decision?.identityOf.get(row.props.uid as string)
          if (identity === undefined) {
            for (const identifier of row.identifiers) dirty.add(identifier)
            return { ...row, identity: null }
          }
          const { identityDirty: _flag, ...props } = row.props
          return { props, identifiers: row.identifiers, identity }
        })
        const byKey = (a: { uid: string }, b: { uid: string }) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)
        const all = [...identifiers.values()].sort(byKey)
        // Missing identifiers of new accounts are created; existing ones need a write only to be flagged.
        const known = decision === null || mergeOnly ? null : decision.existingIdentifiers
        const creatable = (uid: string) => known !== null && !touched.has(uid) && !known.has(uid)
        const flagged = all.filter(
          (identifier) => dirty.has(identifier.uid) && (known === null || !creatable(identifier.uid)),
        )
        const clean = known === null ? all.filter((identifier) => !dirty.has(identifier.uid)) : []
        const fresh = all
          .filter((identifier) => creatable(identifier.uid))
          .map((identifier) => (dirty.has(identifier.uid) ? { ...identifier, dirty: true } : identifier))
        if (flagged.length > 0) await run(tx, MERGE_IDENTIFIERS, { identifiers: flagged })
        if (clean.length > 0) await run(tx, MERGE_CLEAN_IDENTIFIERS, { identifiers: clean })
        if (fresh.length > 0) await run(tx, CREATE_IDENTIFIERS, { identifiers: fresh })
        if (decision !== null) await writeNewIdentities(tx, decision, now)
        if (rowsToCreate.length > 0) {
          await run(tx, context.queries.create, {
            tenantUid: context.tenantUid,
            rows: rowsToCreate,
            common: {
              // Every record of a batch is of the run's system and tenant (checked by the caller).
              system: batch[0]!.system,
              tenant: batch[0]!.tenant,
              tenantUid: context.tenantUid,
              lastSeenRunId: context.runId,
              lastSeenAt: now.toISOString(),
              active: true,
              firstSeenAt: now.toISOString(),
              firstSeenAtMs: nowMs,
              firstSeenRunId: context.runId,
            },
          })
        }
        if (decision !== null) await writeIdentityChanges(tx, decision, now)
        if (rows.length > 0) await run(tx, context.queries.update, { rows })
        if (links.length > 0) await run(tx, LINK_IDENTIFIERS, { links })
        if (touch.length > 0) await run(tx, TOUCH, { ...params, uids: touch })
        return decision
      })
    if (!context.dryRun && (created.length > 0 || rows.length > 0 || touch.length > 0)) {
      // A run on another tenant that could not take the fast path may create one of the same identifiers at the
      // same time: the batch then runs again, merging every identifier.
      decided = yield* writeBatch(false).pipe(
        Effect.catchIf(
          (error) => error._tag === "GraphQueryFailed" && error.code.includes("ConstraintValidationFailed"),
          () => writeBatch(true),
        ),
      )
    }
    return {
      seen: uids.length,
      created: created.length,
      updated,
      unchanged,
      reactivated,
      identities: {
        accounts: decided?.identityOf.size ?? 0,
        created: decided?.identitiesCreated ?? 0,
        merged: decided?.identitiesMerged ?? 0,
        moved: decided?.accountsMoved ?? 0,
      },
    }
  })
