import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    // One Neo4j for the whole run, started before any project and shared through NEO4J_URI.
    globalSetup: ["./packages/neo4j-local/src/VitestGlobalSetup.ts"],
  },
})
