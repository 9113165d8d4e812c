import { defineProject } from "vitest/config"

export default defineProject({
  test: { name: "keap-sandbox", include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 240_000 },
})
