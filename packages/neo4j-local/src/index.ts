/**
 * @idgraph/neo4j-local: a real Neo4j wherever the project runs.
 *
 * @since 0.1.0
 */
export * from "./LocalServer.js"
export * from "./LocalServerCommands.js"
export * from "./Neo4j.js"
export * from "./Neo4jErrors.js"
