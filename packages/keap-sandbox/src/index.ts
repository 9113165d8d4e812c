/**
 * @idgraph/keap-sandbox: a faithful Keap REST API on loopback, for tests, the demo and benchmarks.
 *
 * @since 0.1.0
 */
export * from "./Dataset.js"
export * from "./KeapSandbox.js"
export * from "./SandboxControl.js"
export * from "./SandboxOptions.js"
