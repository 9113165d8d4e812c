/**
 * @idgraph/keap: the Keap REST client and extractor. Wire schemas, auth (OAuth2 and API keys), a shared rate budget
 * per credential, bounded retries, page-by-page listing streams and the mapping of Keap users to `AccountRecord`.
 *
 * @since 0.1.0
 */
export * from "./KeapAuth.js"
export * from "./KeapClient.js"
export * from "./KeapConfig.js"
export * from "./KeapError.js"
export * from "./KeapExtractor.js"
export * from "./KeapLayer.js"
export * from "./KeapMapping.js"
export * from "./KeapRateBudget.js"
export * from "./KeapRetry.js"
export * from "./KeapSchema.js"
export * from "./KeapTokenStore.js"
