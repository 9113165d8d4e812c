/**
 * Test fixtures: accounts built like a source builds them, unique tenant names per test (every test shares one
 * Neo4j), and scoped snapshots of the graph.
 */
import { randomUUID } from "node:crypto"
import {
  type AccountRecord,
  type AccountStatus,
  canonicalEmail,
  type Identifier,
  standardIdentifiers,
} from "@idgraph/identity"
import { Neo4j } from "@idgraph/neo4j-local"
import { Effect, Layer, Option } from "effect"
import { IdentityGraph, type IdentityGraphOptions } from "../src/index.js"

/** A short suffix that makes tenant names unique to one test. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

export interface AccountSpec {
  readonly system?: string
  readonly tenant: string
  readonly id: string
  readonly email?: string | null
  readonly givenName?: string | null
  readonly familyName?: string | null
  readonly status?: AccountStatus
  readonly admin?: boolean | null
  readonly globalUserId?: string | null
  readonly createdAt?: string | null
  readonly extra?: ReadonlyArray<Identifier>
}

/** An AccountRecord as a source would produce it. */
export const account = (spec: AccountSpec): AccountRecord => {
  const email = Option.getOrNull(canonicalEmail(spec.email ?? null))
  return {
    system: spec.system ?? "keap",
    tenant: spec.tenant,
    externalId: spec.id,
    email,
    emailRaw: spec.email ?? null,
    givenName: spec.givenName ?? null,
    familyName: spec.familyName ?? null,
    admin: spec.admin ?? null,
    partner: null,
    status: spec.status ?? "active",
    statusRaw: spec.status ?? "active",
    createdAt: spec.createdAt ?? null,
    updatedAt: null,
    globalUserId: spec.globalUserId ?? null,
    infusionsoftId: null,
    identifiers: standardIdentifiers({ email, globalUserId: spec.globalUserId ?? null, extra: spec.extra ?? [] }),
  }
}

/** The graph service over the test run's Neo4j. */
export const graphLayer = (options: Partial<IdentityGraphOptions> = {}) =>
  IdentityGraph.layer(options).pipe(Layer.provideMerge(Neo4j.layer))

/** Rows of a read query. */
export const query = (text: string, params: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    const { driver, database } = yield* Neo4j
    const result = yield* Effect.promise(() => driver.executeQuery(text, params, { database }))
    return result.records.map((record) => {
      const row: Record<string, unknown> = {}
      for (const key of record.keys) row[String(key)] = native(record.get(key))
      return row
    })
  })

const native = (value: unknown): unknown => {
  if (value === null || value === undefined) return null
  if (typeof value === "object" && value !== null && "toNumber" in value && "low" in value) {
    return (value as { toNumber(): number }).toNumber()
  }
  if (Array.isArray(value)) return value.map(native)
  if (typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) out[key] = native(inner)
    return out
  }
  return value
}

/** The partition of the tenants' accounts into identities, as sorted lists of account uids. */
export const graphPartition = (tenantUids: ReadonlyArray<string>) =>
  Effect.map(
    query(
      `MATCH (a:Account) WHERE a.tenantUid IN $tenantUids
       OPTIONAL MATCH (a)-[:BELONGS_TO]->(i:Identity)
       RETURN a.uid AS account, i.uid AS identity`,
      { tenantUids },
    ),
    (rows) => {
      const groups = new Map<string, Array<string>>()
      const identityOf = new Map<string, string>()
      for (const row of rows) {
        const identity = String(row.identity ?? `none:${row.account}`)
        identityOf.set(String(row.account), identity)
        groups.set(identity, [...(groups.get(identity) ?? []), String(row.account)])
      }
      const partition = [...groups.values()].map((group) => group.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
      return { partition, identityOf }
    },
  )

/**
 * Everything the graph holds about the tenants: nodes with properties and relationships, minus the provenance that
 * a re-run must change (when each account was last seen, by which run).
 */
export const snapshot = (tenantUids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const accounts = yield* query(
      `MATCH (t:Tenant)-[:HAS_ACCOUNT]->(a:Account) WHERE t.uid IN $tenantUids
       RETURN t.uid AS tenant, labels(a) AS labels, properties(a) AS props ORDER BY a.uid`,
      { tenantUids },
    )
    const identifiers = yield* query(
      `MATCH (a:Account)-[:HAS_IDENTIFIER]->(x:Identifier) WHERE a.tenantUid IN $tenantUids
       RETURN a.uid AS account, properties(x) AS props ORDER BY a.uid, x.uid`,
      { tenantUids },
    )
    const identities = yield* query(
      `MATCH (a:Account)-[:BELONGS_TO]->(i:Identity) WHERE a.tenantUid IN $tenantUids
       RETURN a.uid AS account, i.uid AS identity, i.primaryEmail AS primaryEmail, i.displayName AS displayName,
              i.systems AS systems, i.accountCount AS accountCount ORDER BY a.uid`,
      { tenantUids },
    )
    const counts = yield* query(
      `MATCH (a:Account) WHERE a.tenantUid IN $tenantUids
       RETURN count { (a)-[:HAS_IDENTIFIER]->() } + count { (a)-[:BELONGS_TO]->() } + count { ()-[:HAS_ACCOUNT]->(a) } AS rels,
              count { (a)--() } AS degree`,
      { tenantUids },
    )
    const strip = (props: unknown) => {
      const { lastSeenAt: _a, lastSeenRunId: _b, ...rest } = props as Record<string, unknown>
      return rest
    }
    return {
      accounts: accounts.map((row): Record<string, unknown> => ({ ...row, props: strip(row.props) })),
      identifiers,
      identities,
      counts,
    }
  })
