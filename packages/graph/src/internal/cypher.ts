/**
 * Running parameterised Cypher from Effect: sessions, transactions, error mapping and Integer conversion.
 * Every query text in this package is a constant; data only ever travels as parameters.
 */
import type { Neo4jConnection } from "@idgraph/neo4j-local"
import { Effect } from "effect"
import neo4j, { type ManagedTransaction } from "neo4j-driver"
import { type GraphError, GraphQueryFailed, GraphUnavailable } from "../GraphErrors.js"

/** Plain JS rows: Integers become numbers, nodes become their properties. */
export type Row = Record<string, unknown>

/** Converts driver values to plain JS: Integer -> number, Node/Relationship -> properties, recursively. */
export const toNative = (value: unknown): unknown => {
  if (value === null || value === undefined) return null
  if (neo4j.isInt(value)) return (value as { toNumber(): number }).toNumber()
  if (Array.isArray(value)) return value.map(toNative)
  if (typeof value === "object") {
    if (neo4j.isNode(value as never) || neo4j.isRelationship(value as never)) {
      return toNative((value as { properties: unknown }).properties)
    }
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) out[key] = toNative(inner)
    return out
  }
  return value
}

const UNAVAILABLE_CODES = new Set(["ServiceUnavailable", "SessionExpired"])

/** Maps a driver error to the package's typed errors. */
export const toGraphError =
  (connection: Neo4jConnection, during: string) =>
  (error: unknown): GraphError => {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown"
    const detail = error instanceof Error ? error.message : String(error)
    if (UNAVAILABLE_CODES.has(code) || /ECONNREFUSED|ECONNRESET|connection.*(closed|refused)/i.test(detail)) {
      return new GraphUnavailable({ uri: connection.uri, during, detail })
    }
    return new GraphQueryFailed({ during, code, detail })
  }

/** Runs one query inside a managed transaction and returns plain rows. */
export const run = async (tx: ManagedTransaction, text: string, params: Record<string, unknown> = {}) => {
  const result = await tx.run(text, params)
  return result.records.map((record) => toNative(record.toObject()) as Row)
}

/** One write transaction (retried by the driver on transient errors). */
export const write = <A>(
  connection: Neo4jConnection,
  during: string,
  work: (tx: ManagedTransaction) => Promise<A>,
): Effect.Effect<A, GraphError> =>
  Effect.tryPromise({
    try: async () => {
      const session = connection.driver.session({ database: connection.database })
      try {
        return await session.executeWrite(work)
      } finally {
        await session.close()
      }
    },
    catch: toGraphError(connection, during),
  })

/** One read transaction. */
export const read = <A>(
  connection: Neo4jConnection,
  during: string,
  work: (tx: ManagedTransaction) => Promise<A>,
): Effect.Effect<A, GraphError> =>
  Effect.tryPromise({
    try: async () => {
      const session = connection.driver.session({ database: connection.database, defaultAccessMode: "READ" })
      try {
        return await session.executeRead(work)
      } finally {
        await session.close()
      }
    },
    catch: toGraphError(connection, during),
  })

/** A single read query returning plain rows. */
export const readRows = (
  connection: Neo4jConnection,
  during: string,
  text: string,
  params: Record<string, unknown> = {},
): Effect.Effect<ReadonlyArray<Row>, GraphError> => read(connection, during, (tx) => run(tx, text, params))

/** A single write query returning plain rows. */
export const writeRows = (
  connection: Neo4jConnection,
  during: string,
  text: string,
  params: Record<string, unknown> = {},
): Effect.Effect<ReadonlyArray<Row>, GraphError> => write(connection, during, (tx) => run(tx, text, params))

/** A schema command: auto-commit, since schema and data cannot share a transaction. */
export const schemaCommand = (connection: Neo4jConnection, text: string): Effect.Effect<void, GraphError> =>
  Effect.tryPromise({
    try: async () => {
      const session = connection.driver.session({ database: connection.database })
      try {
        await session.run(text)
      } finally {
        await session.close()
      }
    },
    catch: toGraphError(connection, "migrating the schema"),
  })

/** Integer parameter (JS numbers travel as floats, which LIMIT and friends refuse). */
export const int = (value: number) => neo4j.int(value)
