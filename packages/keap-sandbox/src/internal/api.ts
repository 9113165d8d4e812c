/**
 * Keap's REST API under `/crm/rest`: the gateway (authentication, rate limits, quota headers, faults) around the v1
 * and v2 user endpoints.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Context, Effect } from "effect"
import { monotonicNow } from "./admission.js"
import { withFaults } from "./faults.js"
import { booleanParam, integerParam, json, jsonText, looksLikeEmail, originOf, pathOf, queryOf } from "./http.js"
import type { Principal, SandboxState } from "./state.js"
import { compareUsers, type NumberSlot, type SortField, type UserRecord } from "./store.js"
import {
  anonymousQuotaHeaders,
  gatewayErrorBody,
  quotaHeaders,
  rateLimitedBody,
  unauthorizedFault,
  v1Error,
  v1UserInfo,
  v1UserJson,
  v2Error,
  v2User,
  v2UserInfo,
} from "./wire.js"

/** The authenticated caller of the current Keap API request. */
export class CurrentPrincipal extends Context.Tag("@idgraph/keap-sandbox/CurrentPrincipal")<
  CurrentPrincipal,
  Principal
>() {}

const V1_MAX_LIMIT = 1000
const V2_DEFAULT_PAGE_SIZE = 50

const userIdParam = Effect.map(HttpRouter.params, (params) => {
  const raw = params.id ?? ""
  return /^\d+$/.test(raw) ? Number(raw) : undefined
})

/** Read a JSON object body; `undefined` when the body is not a JSON object. */
const jsonObjectBody = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
  Effect.map(
    Effect.orElseSucceed(request.text, () => ""),
    (text): Record<string, unknown> | undefined => {
      try {
        const parsed: unknown = JSON.parse(text)
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : undefined
      } catch {
        return undefined
      }
    },
  ),
)

const optionalString = (value: unknown): value is string | undefined => value === undefined || typeof value === "string"

// -----------------------------------------------------------------------------------------------------------------
// v1
// -----------------------------------------------------------------------------------------------------------------

const listUsersV1 = (state: SandboxState) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { tenant } = yield* CurrentPrincipal
    const query = queryOf(request)
    const limitParam = integerParam(query.get("limit"))
    const offsetParam = integerParam(query.get("offset"))
    if (limitParam === null || offsetParam === null) return json(400, v1Error("limit and offset must be integers"))
    const limit = limitParam === undefined || limitParam === 0 ? V1_MAX_LIMIT : Math.min(limitParam, V1_MAX_LIMIT)
    const offset = offsetParam ?? 0
    const includeInactiveRaw = query.get("include_inactive")
    const includePartnersRaw = query.get("include_partners")
    const view = tenant.v1View(booleanParam(includeInactiveRaw) ?? true, booleanParam(includePartnersRaw) ?? true)
    const users: Array<string> = []
    const end = Math.min(view.length, offset + limit)
    for (let index = offset; index < end; index++) users.push(v1UserJson(view[index]!, state.options.v1AdminField))
    let flags = ""
    if (includeInactiveRaw !== null) flags += `&include_inactive=${encodeURIComponent(includeInactiveRaw)}`
    if (includePartnersRaw !== null) flags += `&include_partners=${encodeURIComponent(includePartnersRaw)}`
    const base = `${originOf(request, state.baseUrl)}/crm/rest/v1/users`
    const next = JSON.stringify(`${base}?limit=${limit}&offset=${offset + limit}${flags}`)
    const previous = JSON.stringify(`${base}?limit=${limit}&offset=${Math.max(0, offset - limit)}${flags}`)
    return jsonText(200, `{"count":${view.length},"next":${next},"previous":${previous},"users":[${users.join(",")}]}`)
  })

const createUserV1 = (state: SandboxState) =>
  Effect.gen(function* () {
    const principal = yield* CurrentPrincipal
    const body = yield* jsonObjectBody
    if (body === undefined) return json(400, v1Error("Input could not be converted to a valid request"))
    const { email, given_name: givenName, admin, partner } = body
    if (typeof email !== "string" || email.trim() === "") return json(400, v1Error("email is required"))
    if (typeof givenName !== "string" || givenName.trim() === "") return json(400, v1Error("given_name is required"))
    if (!looksLikeEmail(email)) return json(400, v1Error(`Invalid email address: ${email}`))
    if (
      (admin !== undefined && typeof admin !== "boolean") ||
      (partner !== undefined && typeof partner !== "boolean")
    ) {
      return json(400, v1Error("admin and partner must be booleans"))
    }
    const tenant = principal.tenant
    if (tenant.seatsUsed() >= tenant.seatLimit) {
      return json(403, v1Error(`User limit reached: this account allows ${tenant.seatLimit} users`))
    }
    const now = state.clock.now()
    const user = tenant.add({
      globalUserId: state.globalUserIdFor(email),
      givenName,
      familyName: null,
      middleName: null,
      preferredName: null,
      email,
      status: "Invited",
      admin: admin === true,
      partner: partner === true,
      jobTitle: null,
      companyName: tenant.name,
      website: null,
      timeZone: null,
      address: null,
      phoneNumbers: [],
      faxNumbers: [],
      createdAt: now,
      updatedAt: now,
      createdBy: principal.userId,
      updatedBy: principal.userId,
    })
    return jsonText(201, v1UserJson(user, state.options.v1AdminField))
  })

const userInfoV1 = Effect.gen(function* () {
  const { tenant, userId } = yield* CurrentPrincipal
  const user = tenant.get(userId) ?? tenant.owner()
  return user === undefined ? json(404, v1Error("User not found")) : json(200, v1UserInfo(user))
})

const getUserV1 = (state: SandboxState) =>
  Effect.gen(function* () {
    const { tenant } = yield* CurrentPrincipal
    const id = yield* userIdParam
    const user = id === undefined ? undefined : tenant.get(id)
    return user === undefined
      ? json(404, v1Error("User not found"))
      : jsonText(200, v1UserJson(user, state.options.v1AdminField))
  })

const v1PatchFields = {
  given_name: "givenName",
  family_name: "familyName",
  middle_name: "middleName",
  preferred_name: "preferredName",
  job_title: "jobTitle",
  company_name: "companyName",
  website: "website",
  time_zone: "timeZone",
} as const

const patchUserV1 = (state: SandboxState) =>
  Effect.gen(function* () {
    const principal = yield* CurrentPrincipal
    const id = yield* userIdParam
    const user = id === undefined ? undefined : principal.tenant.get(id)
    if (user === undefined) return json(404, v1Error("User not found"))
    const body = yield* jsonObjectBody
    if (body === undefined) return json(400, v1Error("Input could not be converted to a valid request"))
    for (const key of Object.keys(v1PatchFields) as Array<keyof typeof v1PatchFields>) {
      if (!optionalString(body[key])) return json(400, v1Error(`${key} must be a string`))
    }
    if (!optionalString(body.email_address)) return json(400, v1Error("email_address must be a string"))
    if (typeof body.email_address === "string" && !looksLikeEmail(body.email_address)) {
      return json(400, v1Error(`Invalid email address: ${body.email_address}`))
    }
    for (const flag of ["admin", "partner"] as const) {
      if (body[flag] !== undefined && typeof body[flag] !== "boolean")
        return json(400, v1Error(`${flag} must be a boolean`))
    }
    for (const [wire, field] of Object.entries(v1PatchFields)) {
      const value = body[wire]
      if (typeof value !== "string") continue
      if (field === "givenName") user.givenName = value
      else user[field] = value
    }
    if (typeof body.email_address === "string") user.email = body.email_address
    if (typeof body.admin === "boolean") user.admin = body.admin
    if (typeof body.partner === "boolean") user.partner = body.partner
    user.updatedAt = state.clock.now()
    user.updatedBy = principal.userId
    principal.tenant.changed()
    return jsonText(200, v1UserJson(user, state.options.v1AdminField))
  })

const deleteUserV1 = (state: SandboxState) =>
  Effect.gen(function* () {
    const principal = yield* CurrentPrincipal
    const id = yield* userIdParam
    const user = id === undefined ? undefined : principal.tenant.get(id)
    if (user === undefined) return json(404, v1Error("User not found"))
    // Keap deactivates: the user keeps its id and history, and frees its seat.
    user.status = "Inactive"
    user.updatedAt = state.clock.now()
    user.updatedBy = principal.userId
    principal.tenant.changed()
    return HttpServerResponse.empty({ status: 204 })
  })

// -----------------------------------------------------------------------------------------------------------------
// v2
// -----------------------------------------------------------------------------------------------------------------

interface V2Filter {
  readonly email?: string
  readonly givenName?: string
  readonly includeInactive: boolean
  readonly includePartners: boolean
  readonly userIds?: ReadonlySet<number>
}

const parseFilter = (raw: string | null): V2Filter | string => {
  const filter: {
    email?: string
    givenName?: string
    includeInactive: boolean
    includePartners: boolean
    userIds?: ReadonlySet<number>
  } = { includeInactive: true, includePartners: true }
  if (raw === null || raw.trim() === "") return filter
  for (const clause of raw.split(";")) {
    if (clause.trim() === "") continue
    const at = clause.indexOf("==")
    if (at === -1) return `Invalid filter clause: ${clause}`
    const field = clause.slice(0, at).trim()
    const value = clause.slice(at + 2).trim()
    switch (field) {
      case "email":
        filter.email = value.toLowerCase()
        break
      case "given_name":
        filter.givenName = value.toLowerCase()
        break
      case "include_inactive":
      case "include_partners": {
        const flag = booleanParam(value)
        if (flag === undefined) return `Invalid boolean for ${field}: ${value}`
        if (field === "include_inactive") filter.includeInactive = flag
        else filter.includePartners = flag
        break
      }
      case "user_ids": {
        const ids = value.split(",").map((id) => id.trim())
        if (ids.some((id) => !/^\d+$/.test(id))) return `Invalid user_ids: ${value}`
        filter.userIds = new Set(ids.map(Number))
        break
      }
      default:
        return `Invalid filter field: ${field}`
    }
  }
  return filter
}

const matchesFilter = (filter: V2Filter, user: UserRecord) =>
  (filter.includeInactive || user.status !== "Inactive") &&
  (filter.includePartners || !user.partner) &&
  (filter.email === undefined || user.email.trim().toLowerCase() === filter.email) &&
  (filter.givenName === undefined || user.givenName.toLowerCase() === filter.givenName) &&
  (filter.userIds === undefined || filter.userIds.has(user.id))

const sortFields: ReadonlySet<string> = new Set(["create_time", "email", "name"])

const parseOrder = (raw: string | null): { readonly field: SortField; readonly descending: boolean } | string => {
  if (raw === null || raw.trim() === "") return { field: "id", descending: false }
  const [field, direction, ...rest] = raw.trim().split(/[\s,]+/)
  if (field === undefined || !sortFields.has(field) || rest.length > 0) return `Invalid order_by: ${raw}`
  if (direction !== undefined && direction !== "asc" && direction !== "desc") return `Invalid order_by: ${raw}`
  return { field: field as SortField, descending: direction === "desc" }
}

interface PageCursor {
  /** The order and filter the token belongs to. */
  readonly q: string
  /** The last user served: its id and sort keys. */
  readonly id: number
  readonly c: number
  readonly e: string
  readonly n: string
}

const encodeCursor = (query: string, user: UserRecord) =>
  Buffer.from(
    JSON.stringify({
      q: query,
      id: user.id,
      c: user.createdAt,
      e: user.email,
      n: user.familyName ?? "",
    } satisfies PageCursor),
  ).toString("base64url")

const decodeCursor = (token: string): PageCursor | undefined => {
  try {
    const cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as PageCursor
    return typeof cursor.q === "string" && typeof cursor.id === "number" ? cursor : undefined
  } catch {
    return undefined
  }
}

const listUsersV2 = (state: SandboxState) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { tenant } = yield* CurrentPrincipal
    const query = queryOf(request)
    const pageSizeParam = integerParam(query.get("page_size"))
    if (pageSizeParam === null || (pageSizeParam !== undefined && (pageSizeParam < 1 || pageSizeParam > 100))) {
      return json(400, v2Error(400, "page_size must be an integer between 1 and 100"))
    }
    const pageSize = pageSizeParam ?? V2_DEFAULT_PAGE_SIZE
    const filterRaw = query.get("filter")
    const filter = parseFilter(filterRaw)
    if (typeof filter === "string") return json(400, v2Error(400, filter))
    const orderRaw = query.get("order_by")
    const order = parseOrder(orderRaw)
    if (typeof order === "string") return json(400, v2Error(400, order))
    const signature = `${order.field}:${order.descending}:${filterRaw ?? ""}`
    const sorted = tenant.sorted(order.field, order.descending)
    let start = 0
    const token = query.get("page_token")
    if (token !== null && token !== "") {
      const cursor = decodeCursor(token)
      if (cursor === undefined || cursor.q !== signature) return json(400, v2Error(400, "Invalid page_token"))
      // Resume after the last user served, found by its sort keys: users added or removed meanwhile do not shift it.
      const probe = { id: cursor.id, createdAt: cursor.c, email: cursor.e, familyName: cursor.n } as UserRecord
      const compare = compareUsers(order.field, order.descending)
      let low = 0
      let high = sorted.length
      while (low < high) {
        const mid = (low + high) >>> 1
        if (compare(sorted[mid]!, probe) <= 0) low = mid + 1
        else high = mid
      }
      start = low
    }
    const page: Array<UserRecord> = []
    let index = start
    for (; index < sorted.length && page.length < pageSize; index++) {
      const user = sorted[index]!
      if (matchesFilter(filter, user)) page.push(user)
    }
    let more = false
    for (; index < sorted.length; index++) {
      if (matchesFilter(filter, sorted[index]!)) {
        more = true
        break
      }
    }
    const last = page[page.length - 1]
    return json(200, {
      users: page.map((user) => v2User(user, state.options.v2Shape)),
      next_page_token: more && last !== undefined ? encodeCursor(signature, last) : "",
    })
  })

const getUserV2 = (state: SandboxState) =>
  Effect.gen(function* () {
    const { tenant } = yield* CurrentPrincipal
    const params = yield* HttpRouter.params
    const raw = params.id ?? ""
    if (!/^\d+$/.test(raw)) return json(400, v2Error(400, `Invalid user_id: ${raw}`))
    const user = tenant.get(Number(raw))
    return user === undefined
      ? json(404, v2Error(404, `User ${raw} not found`))
      : json(200, v2User(user, state.options.v2Shape))
  })

/** `update_mask` names and the body fields they take their value from. */
const updateMaskFields: Readonly<Record<string, string>> = {
  address: "address",
  company_name: "company_name",
  email_address: "email_address",
  family_name: "family_name",
  fax_numbers: "fax_numbers",
  given_name: "given_name",
  job_title: "title",
  phone_numbers: "phone_numbers",
  time_zone: "time_zone",
  website: "website",
}
const bodyToMask = Object.fromEntries(Object.entries(updateMaskFields).map(([mask, body]) => [body, mask]))

const isSlotList = (value: unknown): value is ReadonlyArray<NumberSlot> =>
  Array.isArray(value) &&
  value.every(
    (slot) =>
      typeof slot === "object" &&
      slot !== null &&
      typeof (slot as Record<string, unknown>).field === "string" &&
      Object.values(slot as Record<string, unknown>).every((part) => typeof part === "string"),
  )

const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === "object" &&
  value !== null &&
  !Array.isArray(value) &&
  Object.values(value as Record<string, unknown>).every((part) => typeof part === "string")

const patchUserV2 = (state: SandboxState) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const principal = yield* CurrentPrincipal
    const params = yield* HttpRouter.params
    const raw = params.id ?? ""
    if (!/^\d+$/.test(raw)) return json(400, v2Error(400, `Invalid user_id: ${raw}`))
    const user = principal.tenant.get(Number(raw))
    if (user === undefined) return json(404, v2Error(404, `User ${raw} not found`))
    const body = yield* jsonObjectBody
    if (body === undefined) return json(400, v2Error(400, "The request body must be a JSON object"))
    const maskEntries = queryOf(request)
      .getAll("update_mask")
      .flatMap((entry) => entry.split(","))
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0)
    const unknown = maskEntries.filter((entry) => updateMaskFields[entry] === undefined)
    if (unknown.length > 0) return json(400, v2Error(400, `Invalid update_mask field(s): ${unknown.join(", ")}`))
    // Without a mask, every known field present in the body is updated; fields Keap does not patch are ignored.
    const fields =
      maskEntries.length > 0
        ? [...new Set(maskEntries)]
        : Object.keys(body)
            .map((key) => bodyToMask[key])
            .filter((mask): mask is string => mask !== undefined)
    const next = { ...user }
    for (const field of fields) {
      const value = body[updateMaskFields[field]!]
      switch (field) {
        case "given_name":
          if (typeof value !== "string" || value.trim() === "") return json(400, v2Error(400, "given_name is required"))
          next.givenName = value
          break
        case "family_name":
        case "company_name":
        case "job_title":
        case "time_zone":
        case "website": {
          if (!optionalString(value)) return json(400, v2Error(400, `${field} must be a string`))
          const key = (
            {
              family_name: "familyName",
              company_name: "companyName",
              job_title: "jobTitle",
              time_zone: "timeZone",
              website: "website",
            } as const
          )[field]
          next[key] = value ?? null
          break
        }
        case "email_address": {
          const email = isStringRecord(value) ? value.email : undefined
          if (email === undefined || !looksLikeEmail(email)) {
            return json(400, v2Error(400, "email_address.email must be a valid e-mail address"))
          }
          next.email = email
          break
        }
        case "address":
          if (value !== undefined && !isStringRecord(value)) return json(400, v2Error(400, "address must be an object"))
          next.address = value ?? null
          break
        case "phone_numbers":
        case "fax_numbers":
          if (value !== undefined && !isSlotList(value)) return json(400, v2Error(400, `${field} must be a list`))
          if (field === "phone_numbers") next.phoneNumbers = value ?? []
          else next.faxNumbers = value ?? []
          break
      }
    }
    Object.assign(user, next, { updatedAt: state.clock.now(), updatedBy: principal.userId })
    principal.tenant.changed()
    return json(200, v2User(user, state.options.v2Shape))
  })

const userInfoV2 = Effect.gen(function* () {
  const { tenant, userId } = yield* CurrentPrincipal
  const user = tenant.get(userId) ?? tenant.owner()
  return user === undefined ? json(404, v2Error(404, "User not found")) : json(200, v2UserInfo(user, tenant))
})

const userGroupsV2 = (state: SandboxState) =>
  Effect.gen(function* () {
    const { tenant } = yield* CurrentPrincipal
    return json(200, {
      user_groups: tenant.userGroups.map((group) => ({
        id: state.options.v2Shape === "legacy" ? group.id : String(group.id),
        name: group.name,
      })),
      next_page_token: "",
    })
  })

// -----------------------------------------------------------------------------------------------------------------
// The gateway
// -----------------------------------------------------------------------------------------------------------------

const errorFor = (isV2: boolean, status: number, message: string) =>
  json(status, isV2 ? v2Error(status, message) : v1Error(message))

const API_ROOT = "/crm/rest"

/**
 * Keap's API gateway around one endpoint: authenticate, count against the credential's budget (429 when over),
 * inject faults, run the endpoint, and put the quota headers on every answer.
 */
const gateway = <E, R>(
  state: SandboxState,
  endpoint: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  Exclude<R, CurrentPrincipal> | HttpServerRequest.HttpServerRequest
> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const isV2 = pathOf(request).startsWith(`${API_ROOT}/v2/`)
    const wallNow = Date.now()
    const now = monotonicNow()
    const apiKey = request.headers["x-keap-api-key"]
    const principal = state.authenticate(apiKey, request.headers.authorization)
    if (typeof principal === "string") {
      state.unauthorized++
      const kind = apiKey === undefined ? "oauth" : "apiKey"
      return json(401, unauthorizedFault(principal), anonymousQuotaHeaders(state, kind, wallNow))
    }
    const { budget, tenant } = principal
    const log = budget.log
    const tenantLog = state.tenantLog(tenant.id)
    log.requests++
    budget.byTenant.set(tenant.id, (budget.byTenant.get(tenant.id) ?? 0) + 1)
    const limits = state.options.limits
    const storm = state.stormActive()
    const overBudget =
      state.options.enforceLimits &&
      (log.inSecond(now) >= budget.windows.perSecond ||
        log.inMinute(now) >= budget.windows.perMinute ||
        log.inDay(wallNow) >= budget.windows.perDay ||
        tenantLog.inMinute(now) >= limits.tenant.perMinute ||
        tenantLog.inDay(wallNow) >= limits.tenant.perDay)
    if (storm || overBudget) {
      log.throttled++
      if (storm) state.faultCounters.stormRejections++
      return json(429, rateLimitedBody(limits.body, budget.key), quotaHeaders(state, budget, tenant.id, now, wallNow))
    }
    log.admit(now, wallNow)
    tenantLog.admit(now, wallNow)
    const headers = quotaHeaders(state, budget, tenant.id, now, wallNow)
    const routed = endpoint.pipe(
      Effect.provideService(CurrentPrincipal, principal),
      Effect.catchAllCause(() => Effect.succeed(errorFor(isV2, 500, "Internal Server Error"))),
    )
    const response = yield* withFaults(
      state,
      request,
      (status) =>
        status === 500 ? errorFor(isV2, 500, "Internal Server Error") : json(status, gatewayErrorBody(status)),
      routed,
    )
    // Straight onto Node's response (merged into the head when it is written): copying an immutable header set of
    // 17 entries on every answer costs more than the rest of a small request.
    const nodeResponse = NodeHttpServerRequest.toServerResponse(request)
    for (const name in headers) nodeResponse.setHeader(name, headers[name]!)
    return response
  })

/** Paths Keap does not serve (or this account lacks) still pass the gateway: 401 without credentials, else 404. */
const notFound = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  errorFor(pathOf(request).startsWith(`${API_ROOT}/v2/`), 404, "HTTP 404 Not Found"),
)

/**
 * Keap's REST API under `/crm/rest`, added to a router. Each endpoint is its own route behind the gateway (one
 * router, not a mounted one: routing twice per request was a measurable share of a small request's cost).
 */
export const keapApiRoutes =
  (state: SandboxState) =>
  <E, R>(router: HttpRouter.HttpRouter<E, R>) => {
    let routes = router.pipe(
      HttpRouter.get(`${API_ROOT}/v1/users`, gateway(state, listUsersV1(state))),
      HttpRouter.post(`${API_ROOT}/v1/users`, gateway(state, createUserV1(state))),
      HttpRouter.get(`${API_ROOT}/v1/oauth/connect/userinfo`, gateway(state, userInfoV1)),
      HttpRouter.get(`${API_ROOT}/v2/users`, gateway(state, listUsersV2(state))),
      HttpRouter.get(`${API_ROOT}/v2/users/:id`, gateway(state, getUserV2(state))),
      HttpRouter.patch(`${API_ROOT}/v2/users/:id`, gateway(state, patchUserV2(state))),
      HttpRouter.get(`${API_ROOT}/v2/oauth/connect/userinfo`, gateway(state, userInfoV2)),
      HttpRouter.get(`${API_ROOT}/v2/userGroups`, gateway(state, userGroupsV2(state))),
    )
    if (state.options.legacyUserEndpoints) {
      routes = routes.pipe(
        HttpRouter.get(`${API_ROOT}/v1/users/:id`, gateway(state, getUserV1(state))),
        HttpRouter.patch(`${API_ROOT}/v1/users/:id`, gateway(state, patchUserV1(state))),
        HttpRouter.del(`${API_ROOT}/v1/users/:id`, gateway(state, deleteUserV1(state))),
      )
    }
    return routes.pipe(HttpRouter.all(`${API_ROOT}/*`, gateway(state, notFound)))
  }
