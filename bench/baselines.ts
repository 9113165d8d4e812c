/**
 * The peers idgraph's loader is measured against, on the same accounts, constraints and server:
 * a Cartography-style load (UNWIND batches of 10,000, `MERGE ... SET +=`, no change detection, no identity
 * resolution) and a per-row MERGE (one transaction per account).
 */
import { type AccountRecord, accountUid, identifierUid, systemLabel, tenantUid } from "@idgraph/identity"
import type { Driver } from "neo4j-driver"

// The label is fixed to KeapUser here (the generator emits only Keap accounts), never built from data.
const MERGE_ROWS = `
UNWIND $rows AS row
MERGE (t:Tenant {uid: row.tenantUid})
MERGE (a:Account:KeapUser {uid: row.uid})
SET a += row.props, a.lastUpdated = $updateTag
MERGE (t)-[h:HAS_ACCOUNT]->(a)
SET h.lastUpdated = $updateTag
WITH a, row
UNWIND row.identifiers AS identifier
MERGE (i:Identifier {uid: identifier.uid})
SET i.kind = identifier.kind, i.value = identifier.value, i.lastUpdated = $updateTag
MERGE (a)-[r:HAS_IDENTIFIER]->(i)
SET r.lastUpdated = $updateTag`

const toRow = (record: AccountRecord) => {
  if (systemLabel(record.system) !== "KeapUser") throw new Error("the baselines load Keap accounts only")
  return {
    uid: accountUid(record),
    tenantUid: tenantUid(record),
    props: {
      system: record.system,
      tenant: record.tenant,
      externalId: record.externalId,
      email: record.email,
      emailRaw: record.emailRaw,
      givenName: record.givenName,
      familyName: record.familyName,
      admin: record.admin,
      partner: record.partner,
      status: record.status,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      globalUserId: record.globalUserId,
      infusionsoftId: record.infusionsoftId,
    },
    identifiers: record.identifiers.map((identifier) => ({ ...identifier, uid: identifierUid(identifier) })),
  }
}

/** Cartography's pattern: UNWIND batches of 10,000 rows, `MERGE` then `SET +=`, one transaction per batch. */
export const cartographyStyleLoad = async (driver: Driver, records: ReadonlyArray<AccountRecord>) => {
  const started = performance.now()
  const updateTag = Date.now()
  for (let offset = 0; offset < records.length; offset += 10_000) {
    const rows = records.slice(offset, offset + 10_000).map(toRow)
    const session = driver.session()
    try {
      await session.executeWrite((tx) => tx.run(MERGE_ROWS, { rows, updateTag }))
    } finally {
      await session.close()
    }
  }
  return { accounts: records.length, seconds: (performance.now() - started) / 1000 }
}

/** The naive pattern: one transaction per account. */
export const perRowLoad = async (driver: Driver, records: ReadonlyArray<AccountRecord>) => {
  const started = performance.now()
  const updateTag = Date.now()
  const session = driver.session()
  try {
    for (const record of records) {
      await session.executeWrite((tx) => tx.run(MERGE_ROWS, { rows: [toRow(record)], updateTag }))
    }
  } finally {
    await session.close()
  }
  return { accounts: records.length, seconds: (performance.now() - started) / 1000 }
}

/** Empties the database in chunks (a single DETACH DELETE of 100k nodes would need a large transaction). */
export const clearGraph = async (driver: Driver) => {
  for (;;) {
    const result = await driver.executeQuery("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS deleted")
    if (Number(result.records[0]?.get("deleted")) === 0) return
  }
}
