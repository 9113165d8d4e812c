/**
 * idgraph, the command line. `main.ts` runs it; these are its parts, for tests and for anyone embedding the CLI.
 *
 * @since 0.1.0
 */
export * from "./AuthFlow.js"
export * from "./Cli.js"
export * from "./CliErrors.js"
export * from "./Demo.js"
export * from "./ExitCode.js"
export * from "./IdgraphConfig.js"
export * from "./Ingestion.js"
export * from "./Progress.js"
export * from "./render/Format.js"
export * from "./render/ResolutionRender.js"
export * from "./render/ReviewRender.js"
export * from "./render/SummaryRender.js"
