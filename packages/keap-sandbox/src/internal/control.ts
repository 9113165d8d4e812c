/**
 * The control API under `/__sandbox`: change data between runs, move the clock, inject faults, read statistics.
 * camelCase JSON, no credentials: it is the sandbox's own surface, never mistaken for Keap's.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import type { SandboxUserStatus } from "../Dataset.js"
import type { FaultSettings, SandboxInfo, SandboxTenantInfo, SandboxUser } from "../SandboxControl.js"
import { json, looksLikeEmail } from "./http.js"
import type { SandboxState } from "./state.js"
import { type TenantStore, type UserRecord, updatedIso } from "./store.js"

const statuses: ReadonlySet<string> = new Set<SandboxUserStatus>(["Active", "Invited", "Inactive", "NotAUser"])

const problem = (status: number, message: string) => json(status, { error: message })

const userView = (user: UserRecord): SandboxUser => ({
  id: user.id,
  globalUserId: user.globalUserId,
  keapId: user.keapId,
  givenName: user.givenName,
  familyName: user.familyName,
  email: user.email,
  status: user.status,
  admin: user.admin,
  partner: user.partner,
  createdAt: user.createdIso,
  updatedAt: updatedIso(user),
})

const tenantView = (state: SandboxState, tenant: TenantStore): SandboxTenantInfo => ({
  id: tenant.id,
  name: tenant.name,
  seatLimit: tenant.seatLimit,
  seatsUsed: tenant.seatsUsed(),
  users: tenant.size,
  apiKeys: [...state.apiKeys.values()].filter((key) => key.tenantId === tenant.id),
})

const body = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
  Effect.map(
    Effect.orElseSucceed(request.text, () => ""),
    (text): Record<string, unknown> => {
      if (text.trim() === "") return {}
      try {
        const parsed: unknown = JSON.parse(text)
        return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {}
      } catch {
        return {}
      }
    },
  ),
)

const withTenant = <E, R>(
  state: SandboxState,
  f: (tenant: TenantStore) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
) =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const tenant = state.tenants.get(params.tenantId ?? "")
    return tenant === undefined ? Effect.succeed(problem(404, `Unknown tenant ${params.tenantId}`)) : f(tenant)
  })

const withUser = <E, R>(
  state: SandboxState,
  f: (tenant: TenantStore, user: UserRecord) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
) =>
  withTenant(state, (tenant) =>
    Effect.flatMap(HttpRouter.params, (params) => {
      const user = tenant.get(Number(params.userId))
      return user === undefined ? Effect.succeed(problem(404, `Unknown user ${params.userId}`)) : f(tenant, user)
    }),
  )

/** Validate a user change; a message when invalid. */
const invalidChange = (change: Record<string, unknown>): string | undefined => {
  if (change.email !== undefined && (typeof change.email !== "string" || !looksLikeEmail(change.email))) {
    return "email must be an e-mail address"
  }
  if (change.status !== undefined && (typeof change.status !== "string" || !statuses.has(change.status))) {
    return "status must be one of Active, Invited, Inactive, NotAUser"
  }
  for (const flag of ["admin", "partner"]) {
    if (change[flag] !== undefined && typeof change[flag] !== "boolean") return `${flag} must be a boolean`
  }
  for (const name of ["givenName", "familyName"]) {
    if (change[name] !== undefined && typeof change[name] !== "string") return `${name} must be a string`
  }
  if (change.globalUserId !== undefined && !Number.isSafeInteger(change.globalUserId)) {
    return "globalUserId must be an integer"
  }
  return undefined
}

const addUser = (state: SandboxState) =>
  withTenant(state, (tenant) =>
    Effect.map(body, (input) => {
      if (typeof input.email !== "string") return problem(400, "email is required")
      const invalid = invalidChange(input)
      if (invalid !== undefined) return problem(400, invalid)
      const now = state.clock.now()
      const owner = tenant.owner()?.id ?? 0
      const user = tenant.add({
        globalUserId: typeof input.globalUserId === "number" ? input.globalUserId : state.globalUserIdFor(input.email),
        givenName: typeof input.givenName === "string" ? input.givenName : input.email.split("@")[0]!,
        familyName: typeof input.familyName === "string" ? input.familyName : null,
        middleName: null,
        preferredName: null,
        email: input.email,
        status: (input.status as SandboxUserStatus | undefined) ?? "Active",
        admin: input.admin === true,
        partner: input.partner === true,
        jobTitle: null,
        companyName: tenant.name,
        website: null,
        timeZone: null,
        address: null,
        phoneNumbers: [],
        faxNumbers: [],
        createdAt: now,
        updatedAt: now,
        createdBy: owner,
        updatedBy: owner,
      })
      return json(201, userView(user))
    }),
  )

const changeUser = (state: SandboxState) =>
  withUser(state, (tenant, user) =>
    Effect.map(body, (change) => {
      const invalid = invalidChange(change)
      if (invalid !== undefined) return problem(400, invalid)
      if (typeof change.email === "string") user.email = change.email
      if (typeof change.status === "string") user.status = change.status as SandboxUserStatus
      if (typeof change.admin === "boolean") user.admin = change.admin
      if (typeof change.partner === "boolean") user.partner = change.partner
      if (typeof change.givenName === "string") user.givenName = change.givenName
      if (typeof change.familyName === "string") user.familyName = change.familyName
      user.updatedAt = state.clock.now()
      tenant.changed()
      return json(200, userView(user))
    }),
  )

const acceptInvitation = (state: SandboxState) =>
  withUser(state, (tenant, user) => {
    if (user.status !== "Invited") return Effect.succeed(problem(409, `User ${user.id} is ${user.status}, not Invited`))
    user.status = "Active"
    user.updatedAt = state.clock.now()
    tenant.changed()
    return Effect.succeed(json(200, userView(user)))
  })

const validFaults = (input: Record<string, unknown>): FaultSettings | string => {
  const rate = (value: unknown, name: string) => {
    if (value === undefined) return undefined
    if (typeof value !== "object" || value === null) return `${name} must be an object`
    const { rate, count, status } = value as Record<string, unknown>
    if (typeof rate !== "number" || rate < 0 || rate > 1) return `${name}.rate must be a number in [0, 1]`
    if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0)) return `${name}.count must be >= 0`
    if (status !== undefined && (!Number.isInteger(status) || (status as number) < 500 || (status as number) > 599)) {
      return `${name}.status must be a 5xx status`
    }
    return undefined
  }
  const problems = [
    rate(input.serverErrors, "serverErrors"),
    rate(input.connectionResets, "connectionResets"),
    rate(input.truncatedBodies, "truncatedBodies"),
  ].filter((message) => message !== undefined)
  if (problems.length > 0) return problems.join("; ")
  const latency = input.latency as { ms?: unknown; jitterMs?: unknown } | undefined
  if (latency !== undefined && (typeof latency.ms !== "number" || latency.ms < 0)) return "latency.ms must be >= 0"
  const storm = input.rateLimitStorm as { durationMs?: unknown } | undefined
  if (storm !== undefined && (typeof storm.durationMs !== "number" || storm.durationMs < 0)) {
    return "rateLimitStorm.durationMs must be >= 0"
  }
  return input as FaultSettings
}

/** The control API routes, relative to `/__sandbox`. */
export const controlRouter = (state: SandboxState) =>
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/info",
      Effect.sync(() =>
        json(200, {
          seed: state.options.seed,
          oauthClients: [...state.clients.values()],
          tenants: state.tenantOrder.map((tenant) => tenantView(state, tenant)),
          limits: state.options.enforceLimits ? state.options.limits : "off",
          legacyUserEndpoints: state.options.legacyUserEndpoints,
          v1AdminField: state.options.v1AdminField,
          v2Shape: state.options.v2Shape,
        } satisfies SandboxInfo),
      ),
    ),
    HttpRouter.get(
      "/tenants",
      Effect.sync(() =>
        json(
          200,
          state.tenantOrder.map((tenant) => tenantView(state, tenant)),
        ),
      ),
    ),
    HttpRouter.patch(
      "/tenants/:tenantId",
      withTenant(state, (tenant) =>
        Effect.map(body, (input) => {
          if (!Number.isInteger(input.seatLimit) || (input.seatLimit as number) < 0) {
            return problem(400, "seatLimit must be a non-negative integer")
          }
          tenant.seatLimit = input.seatLimit as number
          return json(200, tenantView(state, tenant))
        }),
      ),
    ),
    HttpRouter.get(
      "/tenants/:tenantId/users",
      withTenant(state, (tenant) => Effect.sync(() => json(200, tenant.all().map(userView)))),
    ),
    HttpRouter.post("/tenants/:tenantId/users", addUser(state)),
    HttpRouter.get(
      "/tenants/:tenantId/users/:userId",
      withUser(state, (_, user) => Effect.succeed(json(200, userView(user)))),
    ),
    HttpRouter.patch("/tenants/:tenantId/users/:userId", changeUser(state)),
    HttpRouter.del(
      "/tenants/:tenantId/users/:userId",
      withUser(state, (tenant, user) => {
        tenant.remove(user.id)
        return Effect.succeed(HttpServerResponse.empty({ status: 204 }))
      }),
    ),
    HttpRouter.post("/tenants/:tenantId/users/:userId/accept", acceptInvitation(state)),
    HttpRouter.get(
      "/clock",
      Effect.sync(() => json(200, { now: new Date(state.clock.now()).toISOString(), offsetMs: state.clock.offsetMs })),
    ),
    HttpRouter.post(
      "/clock/advance",
      Effect.map(body, (input) => {
        const ms = input.ms
        if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return problem(400, "ms must be >= 0")
        state.clock.advance(ms)
        return json(200, { now: new Date(state.clock.now()).toISOString(), offsetMs: state.clock.offsetMs })
      }),
    ),
    HttpRouter.get(
      "/faults",
      Effect.sync(() => json(200, state.faults)),
    ),
    HttpRouter.put(
      "/faults",
      Effect.map(body, (input) => {
        const faults = validFaults(input)
        if (typeof faults === "string") return problem(400, faults)
        state.setFaults(faults)
        return json(200, state.faults)
      }),
    ),
    HttpRouter.del(
      "/faults",
      Effect.sync(() => {
        state.setFaults({})
        return HttpServerResponse.empty({ status: 204 })
      }),
    ),
    HttpRouter.post(
      "/oauth/revoke-refresh-tokens",
      Effect.sync(() => json(200, { revoked: state.revokeRefreshTokens() })),
    ),
    HttpRouter.get(
      "/stats",
      Effect.sync(() => json(200, state.stats())),
    ),
    HttpRouter.del(
      "/stats",
      Effect.sync(() => {
        state.resetStats()
        return HttpServerResponse.empty({ status: 204 })
      }),
    ),
    HttpRouter.post(
      "/reset",
      Effect.sync(() => {
        state.reset()
        return HttpServerResponse.empty({ status: 204 })
      }),
    ),
  )
