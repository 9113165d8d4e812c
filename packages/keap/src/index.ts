/**
 * @idgraph/keap: the Keap REST client and extractor.
 *
 * @since 0.1.0
 */
export * from "./KeapSchema.js"
