/**
 * Keap's OAuth 2.0 endpoints: `GET /app/oauth/authorize` (auto-approving) and `POST /token`.
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Effect } from "effect"
import { withFaults } from "./faults.js"
import { basicCredentials, json, queryOf } from "./http.js"
import type { SandboxState } from "./state.js"
import type { TenantStore, UserRecord } from "./store.js"

const noStore = { "cache-control": "no-store", pragma: "no-cache" }

const tokenError = (status: number, error: string, description: string) =>
  json(status, { error, error_description: description }, noStore)

const findUser = (tenant: TenantStore, wanted: string | null): UserRecord | undefined => {
  if (wanted === null || wanted === "") return tenant.owner()
  if (/^\d+$/.test(wanted)) return tenant.get(Number(wanted))
  return tenant.findByEmail(wanted)
}

/**
 * `GET /app/oauth/authorize`: no person clicks here, so it approves at once and redirects to
 * `redirect_uri?code=...&scope=...&state=...`. `tenant` picks the Keap account (default: the first), `user` the
 * authorising user by id or e-mail (default: the account's owner).
 */
export const authorize = (state: SandboxState) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = queryOf(request)
    const clientId = query.get("client_id") ?? ""
    if (!state.clients.has(clientId))
      return json(400, { error: "invalid_client", error_description: "Unknown client_id" })
    const redirectUri = query.get("redirect_uri") ?? ""
    let target: URL
    try {
      target = new URL(redirectUri)
    } catch {
      return json(400, { error: "invalid_request", error_description: "redirect_uri is missing or not a URL" })
    }
    const stateParam = query.get("state")
    if (stateParam !== null) target.searchParams.set("state", stateParam)
    if (query.get("response_type") !== "code") {
      target.searchParams.set("error", "unsupported_response_type")
      return HttpServerResponse.redirect(target.toString(), { status: 302 })
    }
    const tenantId = query.get("tenant") ?? state.tenantOrder[0]?.id ?? ""
    const tenant = state.tenants.get(tenantId)
    if (tenant === undefined) {
      return json(400, { error: "invalid_request", error_description: `Unknown tenant ${tenantId}` })
    }
    const user = findUser(tenant, query.get("user"))
    if (user === undefined) return json(400, { error: "invalid_request", error_description: "Unknown user" })
    target.searchParams.set("code", state.issueCode(clientId, tenant.id, user.id, redirectUri))
    target.searchParams.set("scope", `full|${tenant.id}.infusionsoft.com`)
    return HttpServerResponse.redirect(target.toString(), { status: 302 })
  })

const tokenHandler = (state: SandboxState) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const contentType = request.headers["content-type"] ?? ""
    // Keap reads only form bodies; a JSON body looks to it like no grant at all.
    if (!contentType.toLowerCase().includes("application/x-www-form-urlencoded")) {
      return tokenError(400, "invalid_request", "response_type or grant_type is required")
    }
    const form = new URLSearchParams(yield* Effect.orElseSucceed(request.text, () => ""))
    const grantType = form.get("grant_type")
    if (grantType === null || grantType === "") {
      return tokenError(400, "invalid_request", "response_type or grant_type is required")
    }
    const basic = basicCredentials(request.headers.authorization)
    if (grantType === "authorization_code") {
      const clientId = form.get("client_id") ?? basic?.id ?? ""
      const clientSecret = form.get("client_secret") ?? basic?.secret ?? ""
      const client = state.clients.get(clientId)
      if (client === undefined || client.clientSecret !== clientSecret) {
        return tokenError(401, "invalid_client", "Invalid client credentials")
      }
      const code = form.get("code")
      if (code === null || code === "") return tokenError(400, "invalid_request", "code is required")
      const result = state.exchangeCode(clientId, code, form.get("redirect_uri") ?? "")
      return result._tag === "ok"
        ? json(200, result.tokens, noStore)
        : tokenError(400, "invalid_grant", result.description)
    }
    if (grantType === "refresh_token") {
      // Keap takes the client credentials of a refresh in HTTP Basic only.
      if (basic === undefined) return tokenError(401, "invalid_client", "Client authentication required (HTTP Basic)")
      const client = state.clients.get(basic.id)
      if (client === undefined || client.clientSecret !== basic.secret) {
        return tokenError(401, "invalid_client", "Invalid client credentials")
      }
      const refreshToken = form.get("refresh_token")
      if (refreshToken === null || refreshToken === "") {
        return tokenError(400, "invalid_request", "refresh_token is required")
      }
      const result = state.refresh(client.clientId, refreshToken)
      if (result._tag === "ok") return json(200, result.tokens, noStore)
      return state.options.invalidRefreshTokenError === "invalid_grant"
        ? tokenError(400, "invalid_grant", "Invalid refresh token")
        : tokenError(400, "invalid_request", "Invalid Refresh Token")
    }
    return tokenError(400, "unsupported_grant_type", `Unsupported grant_type ${grantType}`)
  })

/** `POST /token`: code exchange (client credentials in the body) and refresh (HTTP Basic), form-encoded only. */
export const token = (state: SandboxState) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const handler = tokenHandler(state)
    if (state.faults.includeTokenEndpoint !== true) return yield* handler
    return yield* withFaults(
      state,
      request,
      (status) => tokenError(status, "server_error", "The Service is temporarily unavailable"),
      handler,
    )
  })
