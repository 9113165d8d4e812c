/**
 * The read side: resolve, review, changes since a run, summary counts. Every query takes the scope as parameters
 * (null means everything), so one query text serves both the product and scoped tests.
 */
import { canonicalEmail } from "@idgraph/identity"
import type { Neo4jConnection } from "@idgraph/neo4j-local"
import { Effect, Option } from "effect"
import { type GraphError, UnknownRun } from "../GraphErrors.js"
import type { AccountFinding, FindingKind, Review, ReviewOptions, SharedIdentifierFinding } from "../Review.js"
import type { RunRecord } from "../RunSummary.js"
import type {
  AccountView,
  Changes,
  GraphSummary,
  IdentityView,
  Resolution,
  ResolvedIdentity,
  ResolveMatch,
  Scope,
} from "../Views.js"
import { int, type Row, readRows } from "./cypher.js"

const ACCOUNT = `{.uid, .system, .tenant, .tenantUid, .externalId, .email, .emailRaw, .givenName, .familyName, .admin,
  .partner, .status, .active, .globalUserId, .infusionsoftId, .createdAt, .firstSeenAt, .lastSeenAt, .removedAt}`
const IDENTITY = `{.uid, .primaryEmail, .displayName, .systems, .tenants, .accountCount, .activeAccountCount}`
const IN_SCOPE = (a: string) =>
  `($tenantUids IS NULL OR ${a}.tenantUid IN $tenantUids) AND ($systems IS NULL OR ${a}.system IN $systems)`

const scopeParams = (scope: Scope | undefined) => ({
  tenantUids: scope?.tenantUids === undefined ? null : [...scope.tenantUids],
  systems: scope?.systems === undefined ? null : [...scope.systems],
})

const toAccountView = (value: unknown): AccountView => {
  const row = value as Record<string, unknown>
  const text = (key: string) => (row[key] === null || row[key] === undefined ? null : String(row[key]))
  const flag = (key: string) => (typeof row[key] === "boolean" ? (row[key] as boolean) : null)
  return {
    uid: String(row.uid),
    system: String(row.system),
    tenant: String(row.tenant),
    tenantUid: String(row.tenantUid),
    externalId: String(row.externalId),
    email: text("email"),
    emailRaw: text("emailRaw"),
    givenName: text("givenName"),
    familyName: text("familyName"),
    admin: flag("admin"),
    partner: flag("partner"),
    status: String(row.status),
    active: row.active === true,
    globalUserId: text("globalUserId"),
    infusionsoftId: text("infusionsoftId"),
    createdAt: text("createdAt"),
    firstSeenAt: text("firstSeenAt"),
    lastSeenAt: text("lastSeenAt"),
    removedAt: text("removedAt"),
  }
}

const toIdentityView = (value: unknown): IdentityView | null => {
  if (value === null || value === undefined) return null
  const row = value as Record<string, unknown>
  return {
    uid: String(row.uid),
    primaryEmail: (row.primaryEmail as string | null) ?? null,
    displayName: (row.displayName as string | null) ?? null,
    systems: (row.systems as Array<string>) ?? [],
    tenants: (row.tenants as Array<string>) ?? [],
    accountCount: Number(row.accountCount ?? 0),
    activeAccountCount: Number(row.activeAccountCount ?? 0),
  }
}

const byUid = (a: AccountView, b: AccountView) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)

const RESOLVE = `
CALL () {
  MATCH (a:Account {uid: $key}) RETURN a, "account" AS how
  UNION
  MATCH (:Identifier {uid: $emailUid})<-[:HAS_IDENTIFIER]-(a:Account) RETURN a, "email" AS how
  UNION
  MATCH (:Identifier {uid: $globalUid})<-[:HAS_IDENTIFIER]-(a:Account) RETURN a, "keap_global_user_id" AS how
  UNION
  MATCH (:Identity {uid: $key})-[:MERGED_INTO*0..]->(i:Identity)<-[:BELONGS_TO]-(a:Account)
  WHERE NOT (i)-[:MERGED_INTO]->() RETURN a, "identity" AS how
}
MATCH (a)-[:BELONGS_TO]->(i:Identity)
WITH i, collect(DISTINCT how) AS hows
RETURN i ${IDENTITY} AS identity, hows,
       [(i)<-[:BELONGS_TO]-(m:Account) | m ${ACCOUNT}] AS accounts
ORDER BY i.uid`

/** Resolves an e-mail, account uid, Keap global user id or identity uid to identities with all their accounts. */
export const resolve = (connection: Neo4jConnection, key: string): Effect.Effect<Resolution, GraphError> =>
  Effect.gen(function* () {
    const trimmed = key.trim()
    const email = canonicalEmail(trimmed)
    const rows = yield* readRows(connection, "resolving a key", RESOLVE, {
      key: trimmed,
      emailUid: Option.match(email, { onNone: () => null, onSome: (value) => `email:${value}` }),
      globalUid: `keap_global_user_id:${trimmed}`,
    })
    const matchedBy = new Set<ResolveMatch>()
    const identities: Array<ResolvedIdentity> = rows.map((row) => {
      for (const how of row.hows as Array<ResolveMatch>) matchedBy.add(how)
      return {
        ...toIdentityView(row.identity)!,
        accounts: (row.accounts as Array<unknown>).map(toAccountView).sort(byUid),
      }
    })
    return { key: trimmed, matchedBy: [...matchedBy].sort(), identities }
  })

// The tail of every account finding, once the identity is bound as `owner`: the account, its person, and the
// person's other accounts.
const OWNED_FINDING_TAIL = `
RETURN a ${ACCOUNT} AS account, owner ${IDENTITY} AS identity,
       [(owner)<-[:BELONGS_TO]-(o:Account) WHERE o <> a | o ${ACCOUNT}] AS others, detail
ORDER BY a.uid`

const FINDING_TAIL = `
OPTIONAL MATCH (a)-[:BELONGS_TO]->(owner:Identity)
${OWNED_FINDING_TAIL}`

const ACTIVE_ADMINS = `
MATCH (a:Account) WHERE a.admin = true AND a.active AND a.status = "active" AND ${IN_SCOPE("a")}
WITH a, "admin in " + a.tenantUid AS detail
${FINDING_TAIL}`

// Accounts are grouped per identity first, so the authoritative-account check runs once per person.
const ORPHANED = `
MATCH (a:Account)
WHERE a.active AND a.status = "active" AND a.system <> $authoritative AND ${IN_SCOPE("a")}
MATCH (a)-[:BELONGS_TO]->(owner:Identity)
WITH owner, collect(a) AS accounts
WHERE NOT EXISTS {
    MATCH (owner)<-[:BELONGS_TO]-(h:Account)
    WHERE h.system = $authoritative AND h.active AND h.status = "active"
  }
UNWIND accounts AS a
WITH a, owner, "active in " + a.tenantUid + ", but the person has no active " + $authoritative + " account" AS detail
${OWNED_FINDING_TAIL}`

const STALE_INVITATIONS = `
MATCH (a:Account)
WHERE a.active AND a.status = "invited" AND coalesce(a.createdAtMs, a.firstSeenAtMs) < $cutoffMs AND ${IN_SCOPE("a")}
WITH a, "invited since " + coalesce(a.createdAt, a.firstSeenAt) AS detail
${FINDING_TAIL}`

const DUPLICATES = `
MATCH (a:Account)
WHERE a.active AND a.status = "active" AND ${IN_SCOPE("a")}
MATCH (a)-[:BELONGS_TO]->(owner:Identity)
WITH owner, a.tenantUid AS tenant, collect(a) AS accounts
WHERE size(accounts) > 1
UNWIND accounts AS a
WITH a, owner, toString(size(accounts)) + " active accounts of one person in " + tenant AS detail
${OWNED_FINDING_TAIL}`

const UNLINKED = `
MATCH (a:Account)
WHERE a.active AND ${IN_SCOPE("a")}
  AND NOT EXISTS { MATCH (a)-[:HAS_IDENTIFIER]->(x:Identifier) WHERE x.linking }
WITH a, "no e-mail or other linking identifier: cannot be tied to a person" AS detail
${FINDING_TAIL}`

const SHARED = `
MATCH (x:Identifier {shared: true})<-[:HAS_IDENTIFIER]-(a:Account)
WHERE ${IN_SCOPE("a")}
WITH x, collect(a ${ACCOUNT}) AS holders
RETURN x.uid AS identifier, x.kind AS kind, x.value AS value, holders
ORDER BY x.uid`

const findings = (
  connection: Neo4jConnection,
  kind: FindingKind,
  text: string,
  params: Record<string, unknown>,
): Effect.Effect<ReadonlyArray<AccountFinding>, GraphError> =>
  Effect.map(readRows(connection, `reviewing (${kind})`, text, params), (rows) =>
    rows.map((row: Row) => ({
      kind,
      account: toAccountView(row.account),
      identity: toIdentityView(row.identity),
      otherAccounts: (row.others as Array<unknown>).map(toAccountView).sort(byUid),
      detail: String(row.detail),
    })),
  )

/** The access review. */
export const review = (connection: Neo4jConnection, options: ReviewOptions): Effect.Effect<Review, GraphError> =>
  Effect.gen(function* () {
    const now = options.now ?? new Date()
    const staleDays = options.staleDays ?? 14
    const params = scopeParams(options.scope)
    const authoritative = options.authoritativeSystem ?? null
    const [activeAdmins, orphanedAccounts, staleInvitations, duplicateAccounts, unlinkedAccounts, shared] =
      yield* Effect.all(
        [
          findings(connection, "active-admin", ACTIVE_ADMINS, params),
          authoritative === null
            ? Effect.succeed([])
            : findings(connection, "orphaned-account", ORPHANED, { ...params, authoritative }),
          findings(connection, "stale-invitation", STALE_INVITATIONS, {
            ...params,
            cutoffMs: int(now.getTime() - staleDays * 86_400_000),
          }),
          findings(connection, "duplicate-account", DUPLICATES, params),
          findings(connection, "unlinked-account", UNLINKED, params),
          readRows(connection, "reviewing (shared identifiers)", SHARED, params),
        ],
        { concurrency: 3 },
      )
    const sharedIdentifiers: Array<SharedIdentifierFinding> = shared.map((row) => ({
      identifier: String(row.identifier),
      kind: String(row.kind),
      value: String(row.value),
      holders: (row.holders as Array<unknown>).map(toAccountView).sort(byUid),
    }))
    return {
      generatedAt: now.toISOString(),
      authoritativeSystem: authoritative,
      staleDays,
      activeAdmins,
      orphanedAccounts,
      staleInvitations,
      duplicateAccounts,
      sharedIdentifiers,
      unlinkedAccounts,
    }
  })

const CHANGES = `
MATCH (since:IngestionRun {uid: $runId})
MATCH (later:IngestionRun) WHERE later.seq > since.seq AND ($tenantUids IS NULL OR later.tenantUid IN $tenantUids)
WITH since, later ORDER BY later.seq
WITH since, collect(later {runId: later.uid, .tenantUid, .status}) AS runs, collect(later.uid) AS runIds
CALL (runIds) {
  MATCH (a:Account) WHERE a.firstSeenRunId IN runIds AND ${IN_SCOPE("a")}
  RETURN collect(a ${ACCOUNT}) AS created
}
CALL (runIds) {
  MATCH (a:Account) WHERE a.changedByRunId IN runIds AND NOT a.firstSeenRunId IN runIds AND ${IN_SCOPE("a")}
  RETURN collect(a ${ACCOUNT}) AS updated
}
CALL (runIds) {
  MATCH (a:Account) WHERE a.removedByRunId IN runIds AND ${IN_SCOPE("a")}
  RETURN collect(a ${ACCOUNT}) AS removed
}
CALL (runIds) {
  MATCH (a:Account) WHERE a.reactivatedByRunId IN runIds AND ${IN_SCOPE("a")}
  RETURN collect(a ${ACCOUNT}) AS reactivated
}
CALL (since) {
  MATCH (i:Identity)-[:MERGED_INTO]->(w:Identity)
  WHERE i.mergedAtMs > coalesce(since.finishedAtMs, since.startedAtMs)
    AND ($tenantUids IS NULL OR any(t IN w.tenants WHERE t IN $tenantUids))
  RETURN collect({uid: i.uid, into: w.uid}) AS merged
}
RETURN runs, created, updated, removed, reactivated, merged`

/** What later runs changed since `runId`. */
export const changesSince = (
  connection: Neo4jConnection,
  runId: string,
  scope: Scope | undefined,
): Effect.Effect<Changes, GraphError | UnknownRun> =>
  Effect.gen(function* () {
    const rows = yield* readRows(connection, "reading changes since a run", CHANGES, { runId, ...scopeParams(scope) })
    const row = rows[0]
    if (row === undefined) return yield* new UnknownRun({ runId })
    const accounts = (key: string) => (row[key] as Array<unknown>).map(toAccountView).sort(byUid)
    return {
      sinceRunId: runId,
      runs: row.runs as Changes["runs"],
      created: accounts("created"),
      updated: accounts("updated"),
      removed: accounts("removed"),
      reactivated: accounts("reactivated"),
      mergedIdentities: (row.merged as Changes["mergedIdentities"]).slice().sort((a, b) => (a.uid < b.uid ? -1 : 1)),
    }
  })

const SUMMARY = `
CALL () {
  MATCH (t:Tenant) WHERE ($tenantUids IS NULL OR t.uid IN $tenantUids) AND ($systems IS NULL OR t.system IN $systems)
  RETURN count(t) AS tenants
}
CALL () {
  MATCH (a:Account) WHERE ${IN_SCOPE("a")}
  RETURN count(a) AS accounts, count(CASE WHEN a.active THEN 1 END) AS activeAccounts
}
CALL () {
  MATCH (i:Identity) WHERE NOT (i)-[:MERGED_INTO]->()
    AND EXISTS { MATCH (i)<-[:BELONGS_TO]-(a:Account) WHERE ${IN_SCOPE("a")} }
  RETURN count(i) AS identities, count(CASE WHEN i.tenantCount > 1 THEN 1 END) AS severalTenants,
         count(CASE WHEN size(i.systems) > 1 THEN 1 END) AS severalSystems
}
CALL () {
  MATCH (x:Identifier {shared: true}) WHERE EXISTS { MATCH (x)<-[:HAS_IDENTIFIER]-(a:Account) WHERE ${IN_SCOPE("a")} }
  RETURN count(x) AS shared
}
RETURN tenants, accounts, activeAccounts, identities, severalTenants, severalSystems, shared`

/** Headline counts. */
export const summary = (
  connection: Neo4jConnection,
  scope: Scope | undefined,
): Effect.Effect<GraphSummary, GraphError> =>
  Effect.map(readRows(connection, "counting the graph", SUMMARY, scopeParams(scope)), (rows) => {
    const row = rows[0] ?? {}
    return {
      tenants: Number(row.tenants ?? 0),
      accounts: Number(row.accounts ?? 0),
      activeAccounts: Number(row.activeAccounts ?? 0),
      identities: Number(row.identities ?? 0),
      peopleInSeveralTenants: Number(row.severalTenants ?? 0),
      peopleInSeveralSystems: Number(row.severalSystems ?? 0),
      sharedIdentifiers: Number(row.shared ?? 0),
    }
  })

const RUNS = `
MATCH (r:IngestionRun)
WHERE ($tenantUids IS NULL OR r.tenantUid IN $tenantUids) AND ($systems IS NULL OR r.system IN $systems)
RETURN r {runId: r.uid, .seq, .system, .tenant, .tenantUid, .status, .startedAt, .finishedAt, .seen, .created,
          .updated, .unchanged, .reactivated, .removed, .quarantined, .apiCalls, .throttled, .error} AS run
ORDER BY r.seq DESC
LIMIT $limit`

/** The most recent runs, newest first. */
export const runs = (
  connection: Neo4jConnection,
  scope: Scope | undefined,
  limit: number,
): Effect.Effect<ReadonlyArray<RunRecord>, GraphError> =>
  Effect.map(readRows(connection, "listing runs", RUNS, { ...scopeParams(scope), limit: int(limit) }), (rows) =>
    rows.map((row) => {
      const run = row.run as Record<string, unknown>
      const count = (key: string) => (run[key] === null || run[key] === undefined ? null : Number(run[key]))
      return {
        runId: String(run.runId),
        seq: Number(run.seq),
        system: String(run.system),
        tenant: String(run.tenant),
        tenantUid: String(run.tenantUid),
        status: String(run.status) as RunRecord["status"],
        startedAt: String(run.startedAt),
        finishedAt: (run.finishedAt as string | null) ?? null,
        seen: count("seen"),
        created: count("created"),
        updated: count("updated"),
        unchanged: count("unchanged"),
        reactivated: count("reactivated"),
        removed: count("removed"),
        quarantined: count("quarantined"),
        apiCalls: count("apiCalls"),
        throttled: count("throttled"),
        error: (run.error as string | null) ?? null,
      }
    }),
  )
