import { describe, expect, layer } from "@effect/vitest"
import {
  ListUserGroupsResponse,
  ListUsersPaginatedResponse,
  RestUser,
  TokenErrorResponse,
  TokenResponse,
  User,
  UserInfoV1,
  UserInfoV2,
  Users,
  V1ErrorBody,
  V2ErrorBody,
} from "@idgraph/keap"
import { Effect, Redacted, Schema } from "effect"
import { KeapSandbox } from "../src/KeapSandbox.js"
import {
  type Answer,
  apiKeyHeaders,
  basic,
  bearer,
  decodeBody,
  form,
  quotaHeaderNames,
  rawBody,
  SpecRestUser,
  SpecUser,
  send,
} from "./support/http.js"

const CALLBACK = "http://127.0.0.1:9/callback"

const authorizeUrl = (sandbox: KeapSandbox["Type"], params: Record<string, string>) => {
  const url = new URL(sandbox.authorizeUrl)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return url.toString()
}

/** Walk authorize by hand and return the code from the redirect. */
const codeFor = (sandbox: KeapSandbox["Type"], tenantId: string) =>
  Effect.gen(function* () {
    const answer = yield* send(
      authorizeUrl(sandbox, {
        client_id: sandbox.oauthClient.clientId,
        redirect_uri: CALLBACK,
        response_type: "code",
        scope: "full",
        state: "s1",
        tenant: tenantId,
      }),
    )
    expect(answer.status).toBe(302)
    const location = new URL(answer.headers.get("location")!)
    expect(location.origin + location.pathname).toBe(CALLBACK)
    expect(location.searchParams.get("state")).toBe("s1")
    expect(location.searchParams.get("scope")).toBe(`full|${tenantId}.infusionsoft.com`)
    return location.searchParams.get("code")!
  })

const exchange = (sandbox: KeapSandbox["Type"], code: string, redirectUri = CALLBACK) =>
  send(
    sandbox.tokenUrl,
    form({
      client_id: sandbox.oauthClient.clientId,
      client_secret: sandbox.oauthClient.clientSecret,
      code,
      grant_type: "authorization_code",
      redirect_uri: redirectUri,
    }),
  )

const refresh = (sandbox: KeapSandbox["Type"], refreshToken: string) => {
  const request = form({ grant_type: "refresh_token", refresh_token: refreshToken })
  return send(sandbox.tokenUrl, {
    ...request,
    headers: {
      ...request.headers,
      authorization: basic(sandbox.oauthClient.clientId, sandbox.oauthClient.clientSecret),
    },
  })
}

const tokenError = (answer: Answer) => decodeBody(TokenErrorResponse, answer)

/** All users of a tenant through v1 offset pages. */
const walkV1 = (sandbox: KeapSandbox["Type"], key: string, limit: number, flags = "") =>
  Effect.gen(function* () {
    const pages: Array<Users> = []
    let url: string | undefined = `${sandbox.apiBaseUrl}/v1/users?limit=${limit}&offset=0${flags}`
    while (url !== undefined) {
      const answer: Answer = yield* send(url, { headers: apiKeyHeaders(key) })
      expect(answer.status).toBe(200)
      const raw = rawBody(answer)
      for (const user of raw.users as Array<unknown>) Schema.decodeUnknownSync(SpecRestUser)(user)
      const page = decodeBody(Users, answer)
      pages.push(page)
      url = page.users.length < limit ? undefined : page.next
    }
    return pages
  })

layer(KeapSandbox.layer({ seed: 7, tenants: 3, usersPerTenant: 60, limits: "off" }), { excludeTestServices: true })(
  "KeapSandbox",
  (it) => {
    describe("OAuth", () => {
      it.effect("authorize redirects with a code that exchanges for Keap's token response", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[1]!
          const code = yield* codeFor(sandbox, tenant.id)
          const answer = yield* exchange(sandbox, code)
          expect(answer.status).toBe(200)
          expect(answer.headers.get("cache-control")).toBe("no-store")
          const tokens = decodeBody(TokenResponse, answer)
          expect(tokens.token_type).toBe("bearer")
          expect(tokens.expires_in).toBe(86_400)
          expect(tokens.scope).toBe(`full|${tenant.id}.infusionsoft.com`)
          const users = yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=1`, {
            headers: bearer(Redacted.value(tokens.access_token)),
          })
          expect(users.status).toBe(200)
          for (const name of quotaHeaderNames) expect(users.headers.get(name), name).not.toBeNull()
          expect(users.headers.get("x-keap-tenant-id")).toBe(tenant.id)
          // A code is single use.
          const again = yield* exchange(sandbox, code)
          expect(again.status).toBe(400)
          expect(tokenError(again).error).toBe("invalid_grant")
        }),
      )

      it.effect("the token endpoint rejects JSON, bad clients, bad codes and unknown grants as Keap does", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const json = yield* send(sandbox.tokenUrl, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ grant_type: "refresh_token", refresh_token: "x" }),
          })
          expect(json.status).toBe(400)
          expect(tokenError(json)).toEqual({
            error: "invalid_request",
            error_description: "response_type or grant_type is required",
          })
          const code = yield* codeFor(sandbox, sandbox.tenants[0]!.id)
          const badSecret = yield* send(
            sandbox.tokenUrl,
            form({
              client_id: sandbox.oauthClient.clientId,
              client_secret: "wrong",
              code,
              grant_type: "authorization_code",
              redirect_uri: CALLBACK,
            }),
          )
          expect(badSecret.status).toBe(401)
          expect(tokenError(badSecret).error).toBe("invalid_client")
          const wrongRedirect = yield* exchange(sandbox, code, "http://127.0.0.1:9/elsewhere")
          expect(wrongRedirect.status).toBe(400)
          expect(tokenError(wrongRedirect).error).toBe("invalid_grant")
          const unknownCode = yield* exchange(sandbox, "no-such-code")
          expect(tokenError(unknownCode).error).toBe("invalid_grant")
          const password = yield* send(sandbox.tokenUrl, form({ grant_type: "password" }))
          expect(password.status).toBe(400)
          expect(tokenError(password).error).toBe("unsupported_grant_type")
          const unknownClient = yield* send(
            authorizeUrl(sandbox, { client_id: "nobody", redirect_uri: CALLBACK, response_type: "code" }),
          )
          expect(unknownClient.status).toBe(400)
          const implicit = yield* send(
            authorizeUrl(sandbox, {
              client_id: sandbox.oauthClient.clientId,
              redirect_uri: CALLBACK,
              response_type: "token",
            }),
          )
          expect(implicit.status).toBe(302)
          expect(new URL(implicit.headers.get("location")!).searchParams.get("error")).toBe("unsupported_response_type")
        }),
      )

      it.effect("refresh tokens rotate: the old one dies on use, the new one works, Basic is required", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const before = yield* sandbox.stats
          const tokens = yield* sandbox.authorize({ tenantId: sandbox.tenants[0]!.id })
          const first = yield* refresh(sandbox, Redacted.value(tokens.refreshToken))
          expect(first.status).toBe(200)
          const rotated = decodeBody(TokenResponse, first)
          expect(Redacted.value(rotated.refresh_token)).not.toBe(Redacted.value(tokens.refreshToken))
          const reused = yield* refresh(sandbox, Redacted.value(tokens.refreshToken))
          expect(reused.status).toBe(400)
          expect(tokenError(reused)).toEqual({ error: "invalid_grant", error_description: "Invalid refresh token" })
          const inBody = yield* send(
            sandbox.tokenUrl,
            form({
              grant_type: "refresh_token",
              refresh_token: Redacted.value(rotated.refresh_token),
              client_id: sandbox.oauthClient.clientId,
              client_secret: sandbox.oauthClient.clientSecret,
            }),
          )
          expect(inBody.status).toBe(401)
          expect(tokenError(inBody).error).toBe("invalid_client")
          const second = yield* refresh(sandbox, Redacted.value(rotated.refresh_token))
          expect(second.status).toBe(200)
          const fresh = decodeBody(TokenResponse, second)
          const works = yield* send(`${sandbox.apiBaseUrl}/v2/oauth/connect/userinfo`, {
            headers: bearer(Redacted.value(fresh.access_token)),
          })
          expect(works.status).toBe(200)
          const after = yield* sandbox.stats
          const counts = (stats: typeof after) =>
            stats.clients.find((c) => c.clientId === sandbox.oauthClient.clientId)!
          expect(counts(after).tokenRefreshes - (counts(before)?.tokenRefreshes ?? 0)).toBe(2)
          expect(counts(after).failedRefreshes - (counts(before)?.failedRefreshes ?? 0)).toBe(1)
        }),
      )
    })

    describe("credentials", () => {
      it.effect("PATs and SAKs reach their own tenant as X-Keap-API-Key or Bearer", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          for (const tenant of sandbox.tenants) {
            const viaHeader = yield* send(`${sandbox.apiBaseUrl}/v1/oauth/connect/userinfo`, {
              headers: apiKeyHeaders(tenant.personalAccessToken!),
            })
            expect(viaHeader.status).toBe(200)
            expect(viaHeader.headers.get("x-keap-tenant-id")).toBe(tenant.id)
            const info = decodeBody(UserInfoV1, viaHeader)
            expect(typeof rawBody(viaHeader).global_user_id).toBe("number")
            expect(info.is_admin).toBe(true)
            const viaBearer = yield* send(`${sandbox.apiBaseUrl}/v2/oauth/connect/userinfo`, {
              headers: bearer(tenant.serviceAccountKey!),
            })
            expect(viaBearer.status).toBe(200)
            expect(tenant.serviceAccountKey!.startsWith("KeapAK")).toBe(true)
            const v2 = decodeBody(UserInfoV2, viaBearer)
            expect(v2.tenant_id).toBe(tenant.id)
            expect(v2.sub).toBe(info.sub)
          }
        }),
      )

      it.effect("a missing or unknown credential gets the gateway's 401 fault with quota headers", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          for (const headers of [{}, bearer("not-a-token"), apiKeyHeaders("KeapAK-nope")]) {
            const answer = yield* send(`${sandbox.apiBaseUrl}/v2/users`, { headers })
            expect(answer.status).toBe(401)
            expect(rawBody(answer)).toEqual({
              fault: {
                faultstring: "Invalid Access Token",
                detail: { errorcode: "keymanagement.service.invalid_access_token" },
              },
            })
            for (const name of quotaHeaderNames) expect(answer.headers.get(name), name).not.toBeNull()
            expect(answer.headers.get("x-keap-tenant-throttle-limit")).toBe("10000|250000")
          }
        }),
      )
    })

    describe("v1 users", () => {
      it.effect("offset pages walk every user with absolute next/previous URLs and no admin field", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[0]!
          const pages = yield* walkV1(sandbox, tenant.serviceAccountKey!, 25)
          const seen = pages.flatMap((page) => page.users)
          const expected = (yield* sandbox.control.listUsers(tenant.id)).filter((user) => user.status !== "NotAUser")
          expect(seen.map((user) => user.id)).toEqual(expected.map((user) => String(user.id)))
          expect(pages[0]!.count).toBe(expected.length)
          expect(pages[0]!.next).toBe(`${sandbox.apiBaseUrl}/v1/users?limit=25&offset=25`)
          expect(pages[1]!.previous).toBe(`${sandbox.apiBaseUrl}/v1/users?limit=25&offset=0`)
          expect(seen.every((user) => user.admin === undefined)).toBe(true)
          expect(new Set(seen.map((user) => user.status))).toEqual(new Set(["Active", "Invited", "Inactive"]))
        }),
      )

      it.effect("include_inactive=false and include_partners=false filter, and next keeps the flags", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[1]!
          const all = (yield* walkV1(sandbox, tenant.serviceAccountKey!, 1000)).flatMap((page) => page.users)
          const flags = "&include_inactive=false&include_partners=false"
          const pages = yield* walkV1(sandbox, tenant.serviceAccountKey!, 20, flags)
          const filtered = pages.flatMap((page) => page.users)
          expect(filtered.length).toBeGreaterThan(0)
          expect(filtered.every((user) => user.status !== "Inactive" && user.partner === false)).toBe(true)
          expect(filtered.length).toBe(all.filter((user) => user.status !== "Inactive" && !user.partner).length)
          expect(pages[0]!.next).toContain(flags)
        }),
      )

      it.effect("offset pages are not a snapshot: removing a user mid-listing shifts the next page", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[2]!
          const key = tenant.personalAccessToken!
          const first = decodeBody(
            Users,
            yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=10&offset=0`, { headers: apiKeyHeaders(key) }),
          )
          const before = decodeBody(
            Users,
            yield* send(`${sandbox.apiBaseUrl}/v1/users?limit=10&offset=10`, { headers: apiKeyHeaders(key) }),
          )
          yield* sandbox.control.removeUser(tenant.id, Number(first.users[3]!.id))
          const second = decodeBody(Users, yield* send(first.next!, { headers: apiKeyHeaders(key) }))
          // The first user of the old second page slid into the first page: a naive walk never sees it.
          expect(second.users[0]!.id).toBe(before.users[1]!.id)
          expect(second.count).toBe(first.count! - 1)
        }),
      )

      it.effect("POST /v1/users answers 201 with an Invited user, and fails at the seat limit", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[0]!
          const create = (email: string) =>
            send(`${sandbox.apiBaseUrl}/v1/users`, {
              method: "POST",
              headers: { ...bearer(tenant.serviceAccountKey!), "content-type": "application/json" },
              body: JSON.stringify({ email, given_name: "Nova", admin: false, partner: false }),
            })
          const created = yield* create("nova.new@northwind.example")
          expect(created.status).toBe(201)
          Schema.decodeUnknownSync(SpecRestUser)(rawBody(created))
          const user = decodeBody(RestUser, created)
          expect(user.status).toBe("Invited")
          expect(user.email_address).toBe("nova.new@northwind.example")
          const info = (yield* sandbox.control.tenants).find((t) => t.id === tenant.id)!
          yield* sandbox.control.setSeatLimit(tenant.id, info.seatsUsed)
          const full = yield* create("nova.two@northwind.example")
          expect(full.status).toBe(403)
          expect(decodeBody(V1ErrorBody, full).message).toContain("User limit")
          const invalid = yield* send(`${sandbox.apiBaseUrl}/v1/users`, {
            method: "POST",
            headers: { ...bearer(tenant.serviceAccountKey!), "content-type": "application/json" },
            body: JSON.stringify({ email: "x@northwind.example" }),
          })
          expect(invalid.status).toBe(400)
          expect(decodeBody(V1ErrorBody, invalid).message).toContain("given_name")
          yield* sandbox.control.setSeatLimit(tenant.id, info.seatLimit)
        }),
      )

      it.effect("GET/PATCH/DELETE /v1/users/{id} answer 404 without the legacy switch", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const key = sandbox.tenants[0]!.serviceAccountKey!
          for (const method of ["GET", "PATCH", "DELETE"]) {
            const answer = yield* send(`${sandbox.apiBaseUrl}/v1/users/1`, { method, headers: apiKeyHeaders(key) })
            expect(answer.status).toBe(404)
            expect(decodeBody(V1ErrorBody, answer).message).toBeDefined()
          }
        }),
      )
    })

    describe("v2 users", () => {
      it.effect("cursor pages of at most 100 walk every user in spec shape; the last token is empty", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[1]!
          const seen: Array<User> = []
          let token = ""
          let pages = 0
          do {
            const answer = yield* send(`${sandbox.apiBaseUrl}/v2/users?page_size=25&page_token=${token}`, {
              headers: bearer(tenant.serviceAccountKey!),
            })
            expect(answer.status).toBe(200)
            for (const user of rawBody(answer).users as Array<unknown>) Schema.decodeUnknownSync(SpecUser)(user)
            const page = decodeBody(ListUsersPaginatedResponse, answer)
            expect(page.users.length).toBeLessThanOrEqual(25)
            seen.push(...page.users)
            token = page.next_page_token ?? ""
            pages++
          } while (token !== "")
          const expected = yield* sandbox.control.listUsers(tenant.id)
          expect(seen.map((user) => user.id)).toEqual(expected.map((user) => String(user.id)))
          expect(pages).toBe(Math.ceil(expected.length / 25))
          expect(seen.some((user) => user.admin === true)).toBe(true)
          for (const size of ["0", "101", "ten"]) {
            const bad = yield* send(`${sandbox.apiBaseUrl}/v2/users?page_size=${size}`, {
              headers: bearer(tenant.serviceAccountKey!),
            })
            expect(bad.status).toBe(400)
            expect(decodeBody(V2ErrorBody, bad)).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" })
          }
        }),
      )

      it.effect("filter and order_by work as documented; unknown fields are 400", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[0]!
          const shared = sandbox.dataset.sharedMailboxes.find((mailbox) => mailbox.tenantId === tenant.id)!
          const list = (query: string) =>
            Effect.map(
              send(`${sandbox.apiBaseUrl}/v2/users?page_size=100&${query}`, {
                headers: bearer(tenant.serviceAccountKey!),
              }),
              (answer) => ({
                answer,
                page: answer.status === 200 ? decodeBody(ListUsersPaginatedResponse, answer) : undefined,
              }),
            )
          const byEmail = yield* list(`filter=${encodeURIComponent(`email==${shared.email.toUpperCase()}`)}`)
          expect(byEmail.page!.users.map((user) => Number(user.id)).sort((a, b) => a - b)).toEqual(shared.userIds)
          const active = yield* list(`filter=${encodeURIComponent("include_inactive==false;user_ids==1,2,3")}`)
          expect(active.page!.users.every((user) => ["1", "2", "3"].includes(user.id))).toBe(true)
          expect(active.page!.users.every((user) => user.status !== "INACTIVE")).toBe(true)
          const byEmailOrder = yield* list(`order_by=${encodeURIComponent("email desc")}`)
          const emails = byEmailOrder.page!.users.map((user) => user.email_addresses![0]!.email!.trim().toLowerCase())
          expect(emails).toEqual([...emails].sort().reverse())
          const byCreation = yield* list("order_by=create_time")
          const times = byCreation.page!.users.map((user) => Date.parse(user.create_time!))
          expect(times).toEqual([...times].sort((a, b) => a - b))
          for (const query of ["filter=admin%3D%3Dtrue", "order_by=admin", "filter=email"]) {
            const bad = yield* list(query)
            expect(bad.answer.status).toBe(400)
            expect(decodeBody(V2ErrorBody, bad.answer).code).toBe(400)
          }
        }),
      )

      it.effect("a cursor resumes after the last user served even when users are removed meanwhile", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[2]!
          const get = (token: string) =>
            Effect.map(
              send(`${sandbox.apiBaseUrl}/v2/users?page_size=5&order_by=name&page_token=${token}`, {
                headers: bearer(tenant.serviceAccountKey!),
              }),
              (answer) => decodeBody(ListUsersPaginatedResponse, answer),
            )
          const first = yield* get("")
          const expectedNext = (yield* get(first.next_page_token!)).users.map((user) => user.id)
          yield* sandbox.control.removeUser(tenant.id, Number(first.users[1]!.id))
          const second = yield* get(first.next_page_token!)
          expect(second.users.map((user) => user.id)).toEqual(expectedNext)
          const foreign = yield* send(
            `${sandbox.apiBaseUrl}/v2/users?page_size=5&page_token=${first.next_page_token}`,
            { headers: bearer(tenant.serviceAccountKey!) },
          )
          expect(foreign.status).toBe(400)
        }),
      )

      it.effect("GET and PATCH /v2/users/{id}: update_mask limits the change, admin is not patchable", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const tenant = sandbox.tenants[1]!
          const headers = { ...bearer(tenant.serviceAccountKey!), "content-type": "application/json" }
          const url = `${sandbox.apiBaseUrl}/v2/users/5`
          const original = decodeBody(User, yield* send(url, { headers }))
          const masked = yield* send(`${url}?update_mask=given_name`, {
            method: "PATCH",
            headers,
            body: JSON.stringify({ given_name: "Renamed", family_name: "Ignored", admin: !original.admin }),
          })
          expect(masked.status).toBe(200)
          const afterMask = decodeBody(User, masked)
          expect(afterMask.given_name).toBe("Renamed")
          expect(afterMask.family_name).toBe(original.family_name)
          expect(afterMask.admin).toBe(original.admin)
          const unmasked = yield* send(url, {
            method: "PATCH",
            headers,
            body: JSON.stringify({
              family_name: "Nueva",
              title: "Chief Tester",
              email_address: { email: "renamed@northwind.example", field: "EMAIL1" },
              admin: true,
            }),
          })
          const afterAll = decodeBody(User, unmasked)
          expect(afterAll).toMatchObject({ family_name: "Nueva", title: "Chief Tester", admin: original.admin })
          expect(afterAll.email_addresses![0]!.email).toBe("renamed@northwind.example")
          expect(Date.parse(afterAll.update_time!)).toBeGreaterThan(Date.parse(original.update_time!))
          const inV1 = yield* sandbox.control.listUsers(tenant.id)
          expect(inV1.find((user) => user.id === 5)!.email).toBe("renamed@northwind.example")
          const adminMask = yield* send(`${url}?update_mask=admin`, { method: "PATCH", headers, body: "{}" })
          expect(adminMask.status).toBe(400)
          expect(decodeBody(V2ErrorBody, adminMask).message).toContain("admin")
          const missing = yield* send(`${sandbox.apiBaseUrl}/v2/users/999999`, { headers })
          expect(missing.status).toBe(404)
          expect(decodeBody(V2ErrorBody, missing)).toMatchObject({ code: 404, status: "NOT_FOUND" })
        }),
      )

      it.effect("userGroups lists the tenant's groups", () =>
        Effect.gen(function* () {
          const sandbox = yield* KeapSandbox
          const answer = yield* send(`${sandbox.apiBaseUrl}/v2/userGroups`, {
            headers: bearer(sandbox.tenants[0]!.personalAccessToken!),
          })
          const groups = decodeBody(ListUserGroupsResponse, answer)
          expect(groups.user_groups.map((group) => group.name)).toContain("Administrators")
          expect(
            (rawBody(answer).user_groups as Array<{ id: unknown }>).every((group) => typeof group.id === "string"),
          ).toBe(true)
        }),
      )
    })
  },
)

layer(
  KeapSandbox.layer({
    seed: 3,
    tenants: 1,
    usersPerTenant: 30,
    limits: "off",
    legacyUserEndpoints: true,
    v1AdminField: true,
    v2Shape: "legacy",
    invalidRefreshTokenError: "invalid_request",
  }),
  { excludeTestServices: true },
)("KeapSandbox with the brief's extras", (it) => {
  it.effect("legacy /v1/users/{id}: GET, PATCH and DELETE (which deactivates)", () =>
    Effect.gen(function* () {
      const sandbox = yield* KeapSandbox
      const headers = { ...bearer(sandbox.tenants[0]!.serviceAccountKey!), "content-type": "application/json" }
      const url = `${sandbox.apiBaseUrl}/v1/users/2`
      const got = decodeBody(RestUser, yield* send(url, { headers }))
      expect(typeof got.admin).toBe("boolean")
      const patched = decodeBody(
        RestUser,
        yield* send(url, { method: "PATCH", headers, body: JSON.stringify({ given_name: "Legacy", admin: true }) }),
      )
      expect(patched).toMatchObject({ given_name: "Legacy", admin: true })
      const deleted = yield* send(url, { method: "DELETE", headers })
      expect(deleted.status).toBe(204)
      const after = decodeBody(RestUser, yield* send(url, { headers }))
      expect(after.status).toBe("Inactive")
    }),
  )

  it.effect("legacy v2 shape: int64 ids and Active-style statuses, still decodable", () =>
    Effect.gen(function* () {
      const sandbox = yield* KeapSandbox
      const answer = yield* send(`${sandbox.apiBaseUrl}/v2/users?page_size=100`, {
        headers: bearer(sandbox.tenants[0]!.serviceAccountKey!),
      })
      const raw = rawBody(answer).users as Array<{ id: unknown; status: unknown }>
      expect(raw.every((user) => typeof user.id === "number")).toBe(true)
      expect(raw.some((user) => user.status === "Active")).toBe(true)
      const page = decodeBody(ListUsersPaginatedResponse, answer)
      expect(page.users.every((user) => typeof user.id === "string")).toBe(true)
    }),
  )

  it.effect("a dead refresh token can get Keap's other answer, invalid_request", () =>
    Effect.gen(function* () {
      const sandbox = yield* KeapSandbox
      const answer = yield* refresh(sandbox, "never-issued")
      expect(answer.status).toBe(400)
      expect(tokenError(answer)).toEqual({ error: "invalid_request", error_description: "Invalid Refresh Token" })
    }),
  )
})
