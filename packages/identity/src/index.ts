/**
 * @idgraph/identity: the pure identity domain shared by every source and the graph.
 *
 * @since 0.1.0
 */
export * from "./AccountRecord.js"
export * from "./Email.js"
export * from "./Identifier.js"
export * from "./Resolution.js"
