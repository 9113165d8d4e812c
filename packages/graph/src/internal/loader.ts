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
// so it is letters and digits only, and it is back-quoted besides.
const upsertQuery = (label: string) => `
MATCH (t:Tenant {uid: $tenantUid})
UNWIND $rows AS row
MERGE (a:Account {uid: row.uid})
ON CREATE SET a.firstSeenAt = $now, a.firstSeenAtMs = $nowMs, a.firstSeenRunId = $runId
SET a += row.props,
    a.lastSeenRunId = $runId, a.lastSeenAt = $now, a.active = true,
    a.removedAt = null, a.removedAtMs = null, a.removedByRunId = null,
    a.identityDirty = $runId,
    a.changedAtMs = CASE WHEN row.changed THEN $nowMs ELSE a.changedAtMs END,
    a.changedByRunId = CASE WHEN row.changed THEN $runId ELSE a.changedByRunId END,
    a.reactivatedAtMs = CASE WHEN row.reactivated THEN $nowMs ELSE a.reactivatedAtMs END,
    a.reactivatedByRunId = CASE WHEN row.reactivated THEN $runId ELSE a.reactivatedByRunId END
SET a:\`${label}\`
MERGE (t)-[:HAS_ACCOUNT]->(a)
WITH a, row
CALL (a, row) {
  UNWIND row.removedIdentifiers AS removedUid
  MATCH (a)-[r:HAS_IDENTIFIER]->(i:Identifier {uid: removedUid})
  SET i.dirty = true
  DELETE r
}
CALL (a, row) {
  UNWIND row.addedIdentifiers AS added
  MERGE (i:Identifier {uid: added.uid})
  ON CREATE SET i.kind = added.kind, i.value = added.value, i.linking = added.linking, i.shared = false
  SET i.dirty = true
  MERGE (a)-[:HAS_IDENTIFIER]->(i)
}`

const SAFE_LABEL = /^[A-Za-z][A-Za-z0-9]*$/

/** The upsert query of one system, built once per system (one query shape per system, so plans are cached). */
export const upsertQueryFor = (system: string): string => {
  const label = systemLabel(system)
  if (!SAFE_LABEL.test(label)) throw new Error(`BUG: unsafe system label ${JSON.stringify(label)}`)
  return upsertQuery(label)
}

/** Counts of one batch. */
export interface BatchCounts {
  readonly seen: number
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  readonly reactivated: number
}

/** The run a batch belongs to. */
export interface BatchContext {
  readonly runId: string
  readonly tenantUid: string
  readonly upsert: string
  readonly dryRun: boolean
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
    const touch: Array<string> = []
    const rows: Array<Record<string, unknown>> = []
    let created = 0
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
      if (!exists) created++
      else if (!active) reactivated++
      else updated++
      const wanted = new Map(record.identifiers.map((identifier) => [identifierUid(identifier), identifier]))
      const current = new Set(row.identifiers as Array<string>)
      rows.push({
        uid,
        props: accountProperties(record, hashes.get(uid)!),
        changed: exists && row.same !== true,
        reactivated: exists && !active,
        removedIdentifiers: [...current].filter((identifier) => !wanted.has(identifier)),
        addedIdentifiers: [...wanted]
          .filter(([identifier]) => !current.has(identifier))
          .map(([uid, identifier]) => ({
            uid,
            kind: identifier.kind,
            value: identifier.value,
            linking: isLinkingKind(identifier.kind),
          })),
      })
    }
    if (!context.dryRun && (rows.length > 0 || touch.length > 0)) {
      const now = new Date()
      yield* write(connection, "writing a batch", async (tx) => {
        const params = {
          runId: context.runId,
          tenantUid: context.tenantUid,
          now: now.toISOString(),
          nowMs: int(now.getTime()),
        }
        if (rows.length > 0) await run(tx, context.upsert, { ...params, rows })
        if (touch.length > 0) await run(tx, TOUCH, { ...params, uids: touch })
      })
    }
    return { seen: uids.length, created, updated, unchanged, reactivated }
  })
