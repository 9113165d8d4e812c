/**
 * `pnpm sandbox [--port 8789] [--seed 42] [--tenants 3] [--users-per-tenant 500] [--no-limits]
 * [--legacy-user-endpoints] [--v1-admin-field] [--v2-shape current|legacy] [--host 127.0.0.1]`
 *
 * Starts the Keap sandbox, prints one ready line with its base URL, and serves until stopped.
 */
import { parseArgs } from "node:util"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { KeapSandbox } from "./KeapSandbox.js"
import { type KeapSandboxOptions, sandboxDefaults } from "./SandboxOptions.js"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8789" },
    host: { type: "string", default: sandboxDefaults.host },
    seed: { type: "string", default: String(sandboxDefaults.seed) },
    tenants: { type: "string", default: String(sandboxDefaults.tenants) },
    "users-per-tenant": { type: "string", default: String(sandboxDefaults.usersPerTenant) },
    "no-limits": { type: "boolean", default: false },
    "legacy-user-endpoints": { type: "boolean", default: false },
    "v1-admin-field": { type: "boolean", default: false },
    "v2-shape": { type: "string", default: "current" },
  },
  strict: true,
})

const integer = (name: string, raw: string): number => {
  if (!/^\d+$/.test(raw)) {
    process.stderr.write(`--${name} must be a non-negative integer, got ${raw}\n`)
    process.exit(2)
  }
  return Number(raw)
}

const v2Shape = values["v2-shape"]
if (v2Shape !== "current" && v2Shape !== "legacy") {
  process.stderr.write(`--v2-shape must be current or legacy, got ${v2Shape}\n`)
  process.exit(2)
}

const options: KeapSandboxOptions = {
  port: integer("port", values.port),
  host: values.host,
  seed: integer("seed", values.seed),
  tenants: integer("tenants", values.tenants),
  usersPerTenant: integer("users-per-tenant", values["users-per-tenant"]),
  legacyUserEndpoints: values["legacy-user-endpoints"],
  v1AdminField: values["v1-admin-field"],
  v2Shape,
  ...(values["no-limits"] ? { limits: "off" as const } : {}),
}

const program = Effect.gen(function* () {
  const sandbox = yield* KeapSandbox
  const tenants = sandbox.tenants.map((tenant) => tenant.id).join(", ")
  yield* Console.log(
    `Keap sandbox ready at ${sandbox.baseUrl} (seed ${options.seed}, tenants ${tenants}, ${options.usersPerTenant} users each; credentials at ${sandbox.baseUrl}/__sandbox/tenants)`,
  )
  return yield* Effect.never
})

NodeRuntime.runMain(program.pipe(Effect.provide(Layer.fresh(KeapSandbox.layer(options)))))
