/**
 * Keap's wire shapes, as the specs give them: v1 and v2 users, userinfo, error bodies, quota headers. Optional
 * fields the sandbox has no value for are omitted (the specs type them as non-null).
 */
import { AdmissionLog } from "./admission.js"
import type { Budget, SandboxState } from "./state.js"
import { type TenantStore, type UserRecord, updatedIso } from "./store.js"

type Json = Record<string, unknown>

const putIfPresent = (target: Json, key: string, value: unknown) => {
  if (value !== null && value !== undefined) target[key] = value
}

const str = JSON.stringify
const list = (items: ReadonlyArray<unknown>) => (items.length === 0 ? "[]" : str(items))
const optional = (key: string, value: string | null) => (value === null ? "" : `,"${key}":${str(value)}`)

/**
 * A v1 `RestUser` as JSON text. Written out by hand rather than through an object: v1 pages carry up to 1000 users
 * and benchmarks walk a million, so this is the sandbox's hottest path.
 */
export const v1UserJson = (user: UserRecord, withAdmin: boolean): string =>
  `{"id":${user.id},"global_user_id":${user.globalUserId},"infusionsoft_id":${str(user.keapId)},"given_name":${str(user.givenName)}` +
  optional("family_name", user.familyName) +
  optional("middle_name", user.middleName) +
  optional("preferred_name", user.preferredName) +
  `,"email_address":${str(user.email)}` +
  optional("company_name", user.companyName) +
  optional("job_title", user.jobTitle) +
  optional("website", user.website) +
  optional("time_zone", user.timeZone) +
  (user.address === null ? "" : `,"address":${str(user.address)}`) +
  `,"phone_numbers":${list(user.phoneNumbers)},"fax_numbers":${list(user.faxNumbers)},"partner":${user.partner}` +
  (withAdmin ? `,"admin":${user.admin}` : "") +
  `,"status":"${user.status === "NotAUser" ? "Inactive" : user.status}","date_created":"${user.createdIso}","last_updated":"${updatedIso(user)}","created_by":${user.createdBy},"last_updated_by":${user.updatedBy}}`

const v2Statuses = { Active: "ACTIVE", Invited: "INVITED", Inactive: "INACTIVE", NotAUser: "NOT_A_USER" } as const

/** A v2 `User`; `legacy` renders as older v2 builds did (int64 ids, `Active`-style statuses). */
export const v2User = (user: UserRecord, shape: "current" | "legacy"): Json => {
  const legacy = shape === "legacy"
  const out: Json = {
    id: legacy ? user.id : String(user.id),
    global_user_id: legacy ? user.globalUserId : String(user.globalUserId),
    keap_id: legacy ? Number(user.keapId) : user.keapId,
    given_name: user.givenName,
  }
  putIfPresent(out, "family_name", user.familyName)
  putIfPresent(out, "middle_name", user.middleName)
  putIfPresent(out, "nickname", user.preferredName)
  putIfPresent(out, "title", user.jobTitle)
  putIfPresent(out, "company_name", user.companyName)
  putIfPresent(out, "website", user.website)
  putIfPresent(out, "address", user.address)
  out.phone_numbers = user.phoneNumbers
  out.fax_numbers = user.faxNumbers
  out.email_addresses = [{ email: user.email, field: "EMAIL1" }]
  out.admin = user.admin
  out.partner = user.partner
  out.status = legacy ? user.status : v2Statuses[user.status]
  out.create_time = user.createdIso
  out.update_time = updatedIso(user)
  out.created_by = user.createdBy
  out.updated_by = user.updatedBy
  return out
}

/** `GET /v1/oauth/connect/userinfo`. */
export const v1UserInfo = (user: UserRecord): Json => {
  const out: Json = {
    sub: String(user.globalUserId),
    email: user.email,
    given_name: user.givenName,
    family_name: user.familyName ?? "",
    global_user_id: user.globalUserId,
    infusionsoft_id: user.keapId,
    is_admin: user.admin,
  }
  putIfPresent(out, "middle_name", user.middleName)
  putIfPresent(out, "preferred_name", user.preferredName)
  return out
}

/** `GET /v2/oauth/connect/userinfo`. */
export const v2UserInfo = (user: UserRecord, tenant: TenantStore): Json => {
  const out: Json = {
    sub: String(user.globalUserId),
    id: String(user.globalUserId),
    keap_id: user.keapId,
    email: user.email,
    given_name: user.givenName,
  }
  putIfPresent(out, "family_name", user.familyName)
  putIfPresent(out, "middle_name", user.middleName)
  putIfPresent(out, "preferred_name", user.preferredName)
  out.is_admin = user.admin
  out.tenant_id = tenant.id
  return out
}

/** v1 error body: Keap serialises a Java throwable; clients read `message`. */
export const v1Error = (message: string): Json => ({ message })

const v2StatusNames: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "ALREADY_EXISTS",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
}

/** v2 error body `{code, message, status, details}`. */
export const v2Error = (code: number, message: string): Json => ({
  code,
  message,
  status: v2StatusNames[code] ?? "UNKNOWN",
  details: [],
})

/** The gateway's 401 bodies. */
export const unauthorizedFault = (reason: "missing" | "invalid" | "expired"): Json =>
  reason === "expired"
    ? {
        fault: {
          faultstring: "Access Token expired",
          detail: { errorcode: "keymanagement.service.access_token_expired" },
        },
      }
    : {
        fault: {
          faultstring: "Invalid Access Token",
          detail: { errorcode: "keymanagement.service.invalid_access_token" },
        },
      }

/** The gateway's 429 body in one of the two shapes seen. */
export const rateLimitedBody = (shape: "quotaFault" | "quotaExceeded", identifier: string): Json =>
  shape === "quotaFault"
    ? {
        fault: {
          faultstring: `Rate limit quota violation. Quota limit  exceeded. Identifier : ${identifier}`,
          detail: { errorcode: "policies.ratelimit.QuotaViolation" },
        },
      }
    : { code: "429", message: "Quota Exceeded", status: "Request Throttled", details: null }

/** The gateway's 5xx body (injected faults). */
export const gatewayErrorBody = (status: number): Json => ({
  fault: {
    faultstring: status === 504 ? "Gateway Timeout" : "The Service is temporarily unavailable",
    detail: {
      errorcode:
        status === 504
          ? "messaging.adaptors.http.flow.GatewayTimeout"
          : "messaging.adaptors.http.flow.ServiceUnavailable",
    },
  },
})

/**
 * Keap's quota headers for a budget and tenant, as counted after this request: the day quota
 * (`x-keap-product-quota-*`), the minute throttle (`x-keap-product-throttle-*`) and the tenant's minute|day throttle.
 */
export const quotaHeaders = (
  state: SandboxState,
  budget: Budget,
  tenantId: string,
  now: number,
  wallNow: number,
): Record<string, string> => {
  const windows = budget.windows
  const dayUsed = budget.log.inDay(wallNow)
  const minuteUsed = budget.log.inMinute(now)
  const tenantLog = state.tenantLog(tenantId)
  const tenantLimits = state.options.limits.tenant
  const tenantMinute = tenantLog.inMinute(now)
  const tenantDay = tenantLog.inDay(wallNow)
  return {
    "x-keap-product-quota-limit": String(windows.perDay),
    "x-keap-product-quota-time-unit": "day",
    "x-keap-product-quota-interval": "1",
    "x-keap-product-quota-available": String(Math.max(0, windows.perDay - dayUsed)),
    "x-keap-product-quota-used": String(dayUsed),
    "x-keap-product-quota-expiry-time": String(AdmissionLog.dayExpiry(wallNow)),
    "x-keap-product-throttle-limit": String(windows.perMinute),
    "x-keap-product-throttle-time-unit": "minute",
    "x-keap-product-throttle-interval": "1",
    "x-keap-product-throttle-available": String(Math.max(0, windows.perMinute - minuteUsed)),
    "x-keap-product-throttle-used": String(minuteUsed),
    "x-keap-tenant-id": tenantId,
    "x-keap-tenant-throttle-limit": `${tenantLimits.perMinute}|${tenantLimits.perDay}`,
    "x-keap-tenant-throttle-time-unit": "minute|day",
    "x-keap-tenant-throttle-interval": "1|1",
    "x-keap-tenant-throttle-available": `${Math.max(0, tenantLimits.perMinute - tenantMinute)}|${Math.max(0, tenantLimits.perDay - tenantDay)}`,
    "x-keap-tenant-throttle-used": `${tenantMinute}|${tenantDay}`,
  }
}

/** Quota headers for a 401: the credential is unknown, so nothing is counted against anything. */
export const anonymousQuotaHeaders = (state: SandboxState, kind: "oauth" | "apiKey", wallNow: number) => {
  const windows = kind === "oauth" ? state.options.limits.oauthClient : state.options.limits.apiKey
  const tenantLimits = state.options.limits.tenant
  return {
    "x-keap-product-quota-limit": String(windows.perDay),
    "x-keap-product-quota-time-unit": "day",
    "x-keap-product-quota-interval": "1",
    "x-keap-product-quota-available": String(windows.perDay),
    "x-keap-product-quota-used": "0",
    "x-keap-product-quota-expiry-time": String(AdmissionLog.dayExpiry(wallNow)),
    "x-keap-product-throttle-limit": String(windows.perMinute),
    "x-keap-product-throttle-time-unit": "minute",
    "x-keap-product-throttle-interval": "1",
    "x-keap-product-throttle-available": String(windows.perMinute),
    "x-keap-product-throttle-used": "0",
    "x-keap-tenant-id": "",
    "x-keap-tenant-throttle-limit": `${tenantLimits.perMinute}|${tenantLimits.perDay}`,
    "x-keap-tenant-throttle-time-unit": "minute|day",
    "x-keap-tenant-throttle-interval": "1|1",
    "x-keap-tenant-throttle-available": `${tenantLimits.perMinute}|${tenantLimits.perDay}`,
    "x-keap-tenant-throttle-used": "0|0",
  }
}
