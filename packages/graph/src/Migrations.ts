/**
 * Schema migrations: uniqueness constraints on every key and indexes on the lookup keys, applied idempotently at
 * start, with the applied version recorded on a `(:IdGraphSchema {uid: "schema"})` node.
 *
 * @since 0.1.0
 */
import type { Neo4jConnection } from "@idgraph/neo4j-local"
import { Effect } from "effect"
import type { GraphError } from "./GraphErrors.js"
import { int, schemaCommand, writeRows } from "./internal/cypher.js"

/** One versioned step: schema commands, each idempotent (`IF NOT EXISTS`). */
export interface Migration {
  readonly version: number
  readonly description: string
  readonly statements: ReadonlyArray<string>
}

const unique = (label: string) =>
  `CREATE CONSTRAINT ${label.toLowerCase()}_uid IF NOT EXISTS FOR (n:${label}) REQUIRE n.uid IS UNIQUE`
const index = (label: string, property: string) =>
  `CREATE INDEX ${label.toLowerCase()}_${property.toLowerCase()} IF NOT EXISTS FOR (n:${label}) ON (n.${property})`

/** Every migration, in order. Append; never edit a released step. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "uniqueness on every uid; lookup and maintenance indexes",
    statements: [
      ...["Tenant", "Account", "Identifier", "Identity", "IngestionRun", "RunLease", "IdGraphSchema"].map(unique),
      index("Account", "globalUserId"),
      index("Account", "infusionsoftId"),
      index("Account", "email"),
      // The loader flags accounts and identifiers whose identity must be recomputed; these find the flags fast.
      index("Account", "identityDirty"),
      index("Identifier", "dirty"),
      index("Identifier", "shared"),
      index("IngestionRun", "tenantUid"),
    ],
  },
]

/** The schema version this code expects. */
export const schemaVersion: number = migrations[migrations.length - 1]!.version

// Two processes (or two test files) migrating at once may race on the same schema rule: that is success.
const alreadyThere = (error: GraphError) =>
  error._tag === "GraphQueryFailed" && /AlreadyExists|already exists|equivalent/i.test(`${error.code} ${error.detail}`)

/** Applies every migration (idempotent), waits for the indexes to come online and records the version. */
export const migrate = (connection: Neo4jConnection): Effect.Effect<number, GraphError> =>
  Effect.gen(function* () {
    for (const migration of migrations) {
      for (const statement of migration.statements) {
        yield* schemaCommand(connection, statement).pipe(Effect.catchIf(alreadyThere, () => Effect.void))
      }
    }
    yield* schemaCommand(connection, "CALL db.awaitIndexes(300)")
    yield* writeRows(
      connection,
      "recording the schema version",
      `MERGE (s:IdGraphSchema {uid: "schema"})
       SET s.version = CASE WHEN coalesce(s.version, 0) > $version THEN s.version ELSE $version END,
           s.migratedAt = $now`,
      { version: int(schemaVersion), now: new Date().toISOString() },
    )
    return schemaVersion
  })
