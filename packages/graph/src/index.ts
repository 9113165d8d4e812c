/**
 * @idgraph/graph: the Neo4j identity graph. Migrations, the batched loader, identity maintenance, run provenance,
 * the accounts-file source and the queries (resolve, access review, changes, summary).
 *
 * @since 0.1.0
 */
export * as AccountsFile from "./AccountsFile.js"
export { AccountsFileError } from "./AccountsFile.js"
export * from "./GraphErrors.js"
export * from "./IdentityGraph.js"
export * from "./Migrations.js"
export * from "./Review.js"
export * from "./RunSummary.js"
export * from "./Views.js"
