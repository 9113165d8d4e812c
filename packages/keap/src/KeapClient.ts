/**
 * The Keap REST client: every request goes auth -> rate budget -> HTTP, with bounded retries of what is transient and
 * a typed error for everything else. One `KeapTenantClient` per tenant; tenants share auth sessions and budgets
 * through the `KeapAuth` and `KeapRateBudget` services.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Chunk, Duration, Effect, Either, Option, ParseResult, Schema, Stream } from "effect"
import { type Answer, errorSummary, exchange, plainClient } from "./internal/http.js"
import { KeapAuth, type TenantCredentials } from "./KeapAuth.js"
import { baseUrlOf, type KeapTenantConfig, limitsOf } from "./KeapConfig.js"
import {
  KeapAuthError,
  KeapDecodeError,
  KeapEndpointUnavailable,
  type KeapError,
  KeapNotFound,
  KeapRateLimited,
  KeapRequestRejected,
  KeapTransportError,
} from "./KeapError.js"
import { type BudgetSnapshot, KeapRateBudget, type RateBudget } from "./KeapRateBudget.js"
import { backoffDelay, defaultRetryPolicy, isTransientStatus, type RetryPolicy } from "./KeapRetry.js"
import {
  type CreateUserRequest,
  CreateUserRequest as CreateUserRequestSchema,
  RestUser,
  type UpdateUserMaskField,
  type UpdateUserRequest,
  User,
  UserGroup,
  UserInfoV1,
  UserInfoV2,
} from "./KeapSchema.js"

/** Request counters of one tenant client. */
export interface RequestStats {
  /** HTTP requests sent to the API (every attempt counts). */
  readonly apiCalls: number
  /** 429 answers seen. */
  readonly rateLimited: number
  /** Attempts repeated after a transient failure (429s included). */
  readonly retries: number
  /** 401 answers that led to a refresh. */
  readonly unauthorised: number
  /** Resets, timeouts, cut bodies and 5xx answers. */
  readonly transientFailures: number
}

/** One page of a listing, users still raw (each is decoded on its own, so one bad user cannot sink a page). */
export interface UsersPage {
  readonly api: "v1" | "v2"
  /** 1-based page number. */
  readonly page: number
  readonly users: ReadonlyArray<unknown>
  /** v1 only: the total Keap reported with this page. */
  readonly reportedCount: number | null
}

/** Listing options; the defaults list every user, as an access review needs. */
export interface ListUsersOptions {
  /** v2 page size, 1..100 (default 100). */
  readonly pageSize?: number
  /** v1 page size (default 1000, Keap's reputed maximum). */
  readonly limit?: number
  /** Include inactive users (default true). */
  readonly includeInactive?: boolean
  /** Include partner users (default true). */
  readonly includePartners?: boolean
}

/** Input of `createUser`. Keap sends an invitation e-mail that cannot be suppressed. */
export interface CreateUserInput {
  readonly email: string
  readonly givenName: string
  readonly familyName?: string
  readonly admin?: boolean
  readonly partner?: boolean
  /**
   * The account's seat limit, when known (Keap's API does not expose it). When given, seats in use (active and
   * invited users) are counted first and nothing is sent when none is free.
   */
  readonly seatLimit?: number
  readonly dryRun?: boolean
}

/** Seats as counted before a create. */
export interface SeatCheck {
  readonly limit: number
  readonly used: number
}

/** What `createUser` did or, in a dry run, would do. */
export type CreateUserResult =
  | { readonly dryRun: true; readonly request: CreateUserRequest; readonly seats: SeatCheck | null }
  | {
      readonly dryRun: false
      readonly user: RestUser
      /** Keap e-mailed the person an invitation (the user is `Invited` until they accept). */
      readonly invitationSent: boolean
      readonly seats: SeatCheck | null
    }

/** Changes of `updateUser`; only the given fields change. */
export interface UserChanges {
  readonly givenName?: string
  readonly familyName?: string
  readonly email?: string
  readonly companyName?: string
  readonly jobTitle?: string
  readonly website?: string
  readonly timeZone?: string
  /** The admin flag: Keap's spec offers no way to set it; sent to whichever endpoint the account exposes. */
  readonly admin?: boolean
}

/** What `updateUser` did or would do. */
export interface UpdateUserResult {
  readonly dryRun: boolean
  readonly requests: ReadonlyArray<{
    readonly endpoint: string
    readonly body: UpdateUserRequest | { readonly admin: boolean }
  }>
  /** The user after the change (before it, in a dry run). */
  readonly user: User
}

/** What `deactivateUser` did or would do. */
export interface DeactivateUserResult {
  readonly dryRun: boolean
  readonly endpoint: string
  /** The user before the change. */
  readonly before: User
  /** The user after the change, when not a dry run. */
  readonly after: User | null
}

/** How `waitUntilActive` ended. */
export interface WaitUntilActiveResult {
  readonly active: boolean
  readonly polls: number
  readonly user: User
}

/** A Keap client bound to one tenant. */
export interface KeapTenantClient {
  readonly tenant: KeapTenantConfig
  /** Request counters of this client since it was made. */
  readonly stats: Effect.Effect<RequestStats>
  /** The credential's shared rate budget. */
  readonly budget: Effect.Effect<BudgetSnapshot>
  /** Pages of `GET /v2/users` (cursor), pulled one at a time; a repeated cursor fails the stream. */
  readonly usersV2Pages: (options?: ListUsersOptions) => Stream.Stream<UsersPage, KeapError>
  /** Pages of `GET /v1/users` (offset), pulled one at a time. */
  readonly usersV1Pages: (options?: ListUsersOptions) => Stream.Stream<UsersPage, KeapError>
  readonly getUser: (id: string) => Effect.Effect<User, KeapError>
  readonly userInfoV1: Effect.Effect<UserInfoV1, KeapError>
  readonly userInfoV2: Effect.Effect<UserInfoV2, KeapError>
  readonly userGroups: Stream.Stream<UserGroup, KeapError>
  readonly createUser: (input: CreateUserInput) => Effect.Effect<CreateUserResult, KeapError>
  readonly waitUntilActive: (
    id: string,
    options?: { readonly interval?: Duration.DurationInput; readonly maxPolls?: number },
  ) => Effect.Effect<WaitUntilActiveResult, KeapError>
  readonly updateUser: (
    id: string,
    changes: UserChanges,
    options?: { readonly dryRun?: boolean },
  ) => Effect.Effect<UpdateUserResult, KeapError>
  readonly deactivateUser: (
    id: string,
    options?: { readonly dryRun?: boolean },
  ) => Effect.Effect<DeactivateUserResult, KeapError>
}

/** Options of one tenant client. */
export interface TenantClientOptions {
  readonly retry?: Partial<RetryPolicy>
}

type Method = "GET" | "POST" | "PATCH" | "DELETE"

interface RequestSpec {
  readonly method: Method
  /** Path under the base URL, e.g. `/crm/rest/v2/users`. */
  readonly path: string
  readonly urlParams?: ReadonlyArray<readonly [string, string]>
  readonly body?: unknown
  /** How a 404 reads: a missing resource (named) or an endpoint the account lacks. */
  readonly missing: { readonly resource: string } | "endpoint"
  /** Whether repeating the request after an uncertain failure is harmless. */
  readonly idempotent: boolean
  /** Keap answers a create over the seat limit with 403: for such requests a 403 is a refusal, not an auth failure. */
  readonly forbiddenIsRefusal?: boolean
}

interface ParsedAnswer {
  readonly answer: Answer
  /** The JSON body; `undefined` when the body was empty. */
  readonly json: unknown
}

type Attempt =
  | { readonly _tag: "Done"; readonly result: ParsedAnswer }
  | { readonly _tag: "Transient"; readonly detail: string }
  | { readonly _tag: "RateLimited"; readonly detail: string }
  | { readonly _tag: "Unauthorised"; readonly generation: number; readonly detail: string }
  | { readonly _tag: "Final"; readonly error: KeapError }

const endpointOf = (spec: RequestSpec) =>
  `${spec.method} ${spec.path.replace(/^\/crm\/rest/, "").replace(/\/users\/[^/]+/, "/users/{id}")}`

const statusDetail = (answer: Answer) => {
  const summary = errorSummary(answer)
  return summary.code === undefined || summary.message.includes(summary.code)
    ? summary.message
    : `${summary.code}: ${summary.message}`
}

const V2UsersEnvelope = Schema.Struct({
  users: Schema.optionalWith(Schema.Array(Schema.Unknown), { nullable: true, default: () => [] }),
  next_page_token: Schema.optionalWith(Schema.String, { nullable: true }),
})
const V1UsersEnvelope = Schema.Struct({
  count: Schema.optionalWith(Schema.Number, { nullable: true }),
  users: Schema.optionalWith(Schema.Array(Schema.Unknown), { nullable: true, default: () => [] }),
})
const UserGroupsEnvelope = Schema.Struct({
  user_groups: Schema.optionalWith(Schema.Array(UserGroup), { nullable: true, default: () => [] }),
  next_page_token: Schema.optionalWith(Schema.String, { nullable: true }),
})

const isActive = (user: User) => user.status?.toUpperCase() === "ACTIVE"
const holdsSeat = (raw: unknown) => {
  const status = typeof raw === "object" && raw !== null ? (raw as { status?: unknown }).status : undefined
  return typeof status === "string" && /^(active|invited)$/i.test(status)
}

/** The Keap client service: makes tenant clients that share auth sessions and rate budgets. */
export class KeapClient extends Effect.Service<KeapClient>()("idgraph/KeapClient", {
  effect: Effect.gen(function* () {
    const http = plainClient(yield* HttpClient.HttpClient)
    const auth = yield* KeapAuth
    const budgets = yield* KeapRateBudget

    const forTenant = (tenant: KeapTenantConfig, options: TenantClientOptions = {}): Effect.Effect<KeapTenantClient> =>
      Effect.gen(function* () {
        const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry }
        const credentials: TenantCredentials = auth.credentialsFor(tenant)
        const budget: RateBudget = yield* budgets.forCredential({
          key: credentials.budgetKey,
          label: credentials.budgetLabel,
          limits: limitsOf(tenant),
          ...(tenant.maxInFlight === undefined ? {} : { maxInFlight: tenant.maxInFlight }),
        })
        return makeTenantClient(tenant, policy, credentials, budget, http)
      })

    return { forTenant } as const
  }),
}) {}

const makeTenantClient = (
  tenant: KeapTenantConfig,
  policy: RetryPolicy,
  credentials: TenantCredentials,
  budget: RateBudget,
  http: HttpClient.HttpClient,
): KeapTenantClient => {
  const base = baseUrlOf(tenant)
  const counters = { apiCalls: 0, rateLimited: 0, retries: 0, unauthorised: 0, transientFailures: 0 }

  const buildRequest = (spec: RequestSpec): HttpClientRequest.HttpClientRequest => {
    let request = HttpClientRequest.make(spec.method)(`${base}${spec.path}`).pipe(HttpClientRequest.acceptJson)
    if (spec.urlParams !== undefined) request = HttpClientRequest.setUrlParams(request, spec.urlParams)
    if (spec.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, spec.body)
    return request
  }

  /** Classify one complete answer. */
  const classify = (spec: RequestSpec, answer: Answer, generation: number): Attempt => {
    const endpoint = endpointOf(spec)
    const { status } = answer
    if (status >= 200 && status < 300) {
      if (answer.body.trim().length === 0) return { _tag: "Done", result: { answer, json: undefined } }
      try {
        return { _tag: "Done", result: { answer, json: JSON.parse(answer.body) } }
      } catch {
        // A 2xx whose JSON does not parse is a body cut short in transit: worth another attempt.
        return { _tag: "Transient", detail: `HTTP ${status} with a cut or invalid JSON body` }
      }
    }
    if (status === 429) return { _tag: "RateLimited", detail: statusDetail(answer) }
    if (status === 401) return { _tag: "Unauthorised", generation, detail: statusDetail(answer) }
    if (status === 403 && spec.forbiddenIsRefusal !== true) {
      return {
        _tag: "Final",
        error: new KeapAuthError({
          tenant: tenant.name,
          reason: "Forbidden",
          detail: `${endpoint}: ${statusDetail(answer)}`,
        }),
      }
    }
    if (status === 404) {
      return {
        _tag: "Final",
        error:
          spec.missing === "endpoint"
            ? new KeapEndpointUnavailable({ tenant: tenant.name, endpoint, status, detail: statusDetail(answer) })
            : new KeapNotFound({ tenant: tenant.name, resource: spec.missing.resource, detail: statusDetail(answer) }),
      }
    }
    if (status === 405 || status === 501) {
      return {
        _tag: "Final",
        error: new KeapEndpointUnavailable({ tenant: tenant.name, endpoint, status, detail: statusDetail(answer) }),
      }
    }
    if (isTransientStatus(status)) return { _tag: "Transient", detail: `HTTP ${status}: ${statusDetail(answer)}` }
    return {
      _tag: "Final",
      error: new KeapRequestRejected({ tenant: tenant.name, endpoint, status, detail: statusDetail(answer) }),
    }
  }

  /** One attempt: credential, budget, exchange, classification. */
  const attemptOnce = (spec: RequestSpec): Effect.Effect<Attempt, KeapAuthError> =>
    Effect.gen(function* () {
      const { request, generation } = yield* credentials.authorise(buildRequest(spec))
      return yield* budget.withPermit((admittedAt) =>
        Effect.gen(function* () {
          counters.apiCalls++
          const outcome = yield* Effect.either(exchange(http, request, policy.requestTimeout))
          if (Either.isLeft(outcome)) return { _tag: "Transient", detail: outcome.left.detail } as const
          const answer = outcome.right
          yield* budget.observe(answer.headers, admittedAt)
          if (answer.status === 429) yield* budget.rateLimited(admittedAt)
          else yield* budget.succeeded
          return classify(spec, answer, generation)
        }),
      )
    })

  /** A request with its retries: 429s wait on the shared pause, 401 refreshes once, transient failures back off. */
  const send = (spec: RequestSpec): Effect.Effect<ParsedAnswer, KeapError> => {
    const endpoint = endpointOf(spec)
    const loop = (
      transientAttempts: number,
      rateLimitedAttempts: number,
      refreshed: boolean,
    ): Effect.Effect<ParsedAnswer, KeapError> =>
      Effect.flatMap(attemptOnce(spec), (attempt): Effect.Effect<ParsedAnswer, KeapError> => {
        switch (attempt._tag) {
          case "Done":
            return Effect.succeed(attempt.result)
          case "Final":
            return Effect.fail(attempt.error)
          case "RateLimited": {
            counters.rateLimited++
            if (rateLimitedAttempts + 1 >= policy.maxRateLimitedAttempts) {
              return Effect.fail(
                new KeapRateLimited({ tenant: tenant.name, attempts: rateLimitedAttempts + 1, detail: attempt.detail }),
              )
            }
            counters.retries++
            // No sleep here: the budget's shared pause holds this and every other request of the credential.
            return Effect.zipRight(
              Effect.logDebug(`Keap tenant ${tenant.name}: 429 on ${endpoint} (${attempt.detail}); credential paused`),
              loop(transientAttempts, rateLimitedAttempts + 1, refreshed),
            )
          }
          case "Unauthorised": {
            if (refreshed) {
              return Effect.fail(
                new KeapAuthError({
                  tenant: tenant.name,
                  reason: "NotAuthorized",
                  detail: `${endpoint}: ${attempt.detail}`,
                }),
              )
            }
            counters.unauthorised++
            return Effect.zipRight(
              credentials.unauthorised(attempt.generation, attempt.detail),
              loop(transientAttempts, rateLimitedAttempts, true),
            )
          }
          case "Transient": {
            counters.transientFailures++
            const attempts = transientAttempts + 1
            if (!spec.idempotent || attempts >= policy.maxAttempts) {
              const uncertain = spec.idempotent
                ? attempt.detail
                : `${attempt.detail}; not repeated because it may have been applied: check before trying again`
              return Effect.fail(new KeapTransportError({ tenant: tenant.name, endpoint, attempts, detail: uncertain }))
            }
            counters.retries++
            return Effect.flatMap(backoffDelay(policy, attempts), (delay) =>
              Effect.zipRight(
                Effect.logDebug(
                  `Keap tenant ${tenant.name}: ${endpoint} failed (${attempt.detail}); attempt ${attempts + 1} in ${Duration.format(delay)}`,
                ),
                Effect.delay(loop(attempts, rateLimitedAttempts, refreshed), delay),
              ),
            )
          }
        }
      })
    return loop(0, 0, false)
  }

  const decodeWith =
    <A, I>(schema: Schema.Schema<A, I>, spec: RequestSpec) =>
    (parsed: ParsedAnswer): Effect.Effect<A, KeapDecodeError> =>
      Either.match(Schema.decodeUnknownEither(schema)(parsed.json), {
        onLeft: (error) =>
          Effect.fail(
            new KeapDecodeError({
              tenant: tenant.name,
              endpoint: endpointOf(spec),
              detail: ParseResult.TreeFormatter.formatErrorSync(error).slice(0, 500),
            }),
          ),
        onRight: Effect.succeed,
      })

  const request = <A, I>(spec: RequestSpec, schema: Schema.Schema<A, I>): Effect.Effect<A, KeapError> =>
    Effect.flatMap(send(spec), decodeWith(schema, spec))

  const userPath = (id: string) => `/crm/rest/v2/users/${encodeURIComponent(id)}`

  const getUser = (id: string) =>
    request({ method: "GET", path: userPath(id), missing: { resource: `user ${id}` }, idempotent: true }, User)

  const usersV2Pages = (options: ListUsersOptions = {}): Stream.Stream<UsersPage, KeapError> => {
    const filter = [
      `include_inactive==${options.includeInactive ?? true}`,
      `include_partners==${options.includePartners ?? true}`,
    ].join(";")
    const pageSize = String(Math.min(100, Math.max(1, options.pageSize ?? 100)))
    // `repeated` marks a token seen before: the page that sent it is emitted, and the next pull fails.
    type Cursor = { readonly page: number; readonly token: string | null; readonly repeated: boolean }
    // Suspended so that every run of the stream starts with no token seen.
    return Stream.suspend(() => {
      const seenTokens = new Set<string>()
      return Stream.paginateEffect({ page: 1, token: null, repeated: false } as Cursor, (cursor) => {
        const spec: RequestSpec = {
          method: "GET",
          path: "/crm/rest/v2/users",
          urlParams: [
            ["page_size", pageSize],
            ["filter", filter],
            ...(cursor.token === null ? [] : [["page_token", cursor.token] as const]),
          ],
          missing: "endpoint",
          idempotent: true,
        }
        if (cursor.repeated) {
          return Effect.fail(
            new KeapDecodeError({
              tenant: tenant.name,
              endpoint: endpointOf(spec),
              detail: `page ${cursor.page - 1} returned a page token already used (${(cursor.token ?? "").slice(0, 40)}); the listing would loop, so it stops incomplete`,
            }),
          )
        }
        return Effect.map(request(spec, V2UsersEnvelope), (envelope) => {
          const next = envelope.next_page_token ?? ""
          const page: UsersPage = { api: "v2", page: cursor.page, users: envelope.users, reportedCount: null }
          if (next === "") return [page, Option.none<Cursor>()] as const
          const repeated = seenTokens.has(next)
          seenTokens.add(next)
          return [page, Option.some({ page: cursor.page + 1, token: next, repeated })] as const
        })
      })
    })
  }

  const usersV1Pages = (options: ListUsersOptions = {}): Stream.Stream<UsersPage, KeapError> => {
    const limit = Math.max(1, options.limit ?? 1000)
    return Stream.paginateEffect({ page: 1, offset: 0 }, (cursor) => {
      const spec: RequestSpec = {
        method: "GET",
        path: "/crm/rest/v1/users",
        urlParams: [
          ["limit", String(limit)],
          ["offset", String(cursor.offset)],
          ["include_inactive", String(options.includeInactive ?? true)],
          ["include_partners", String(options.includePartners ?? true)],
        ],
        missing: "endpoint",
        idempotent: true,
      }
      return Effect.map(request(spec, V1UsersEnvelope), (envelope) => {
        const page: UsersPage = {
          api: "v1",
          page: cursor.page,
          users: envelope.users,
          reportedCount: envelope.count ?? null,
        }
        // Keap's documented stop: a page shorter than the limit is the last one.
        const next =
          envelope.users.length < limit
            ? Option.none()
            : Option.some({ page: cursor.page + 1, offset: cursor.offset + envelope.users.length })
        return [page, next] as const
      })
    })
  }

  // Groups are informational (Keap exposes no membership): a repeated page token ends the listing, it does not fail.
  const userGroups: Stream.Stream<UserGroup, KeapError> = Stream.suspend(() =>
    Stream.paginateChunkEffect({ token: null as string | null, seen: new Set<string>() }, (cursor) =>
      Effect.map(
        request(
          {
            method: "GET",
            path: "/crm/rest/v2/userGroups",
            urlParams: cursor.token === null ? [] : [["page_token", cursor.token]],
            missing: "endpoint",
            idempotent: true,
          },
          UserGroupsEnvelope,
        ),
        (envelope) => {
          const next = envelope.next_page_token ?? ""
          const more = next !== "" && !cursor.seen.has(next)
          if (more) cursor.seen.add(next)
          return [
            Chunk.fromIterable(envelope.user_groups),
            more ? Option.some({ token: next, seen: cursor.seen }) : Option.none(),
          ] as const
        },
      ),
    ),
  )

  /** Seats in use: active and invited users (inactive ones free their seat). */
  const countSeats = Stream.runFold(usersV2Pages(), 0, (used, page) => used + page.users.filter(holdsSeat).length)

  const createUser = (input: CreateUserInput): Effect.Effect<CreateUserResult, KeapError> =>
    Effect.gen(function* () {
      const body: CreateUserRequest = Schema.validateSync(CreateUserRequestSchema)({
        email: input.email.trim(),
        given_name: input.givenName,
        ...(input.familyName === undefined ? {} : { family_name: input.familyName }),
        ...(input.admin === undefined ? {} : { admin: input.admin }),
        ...(input.partner === undefined ? {} : { partner: input.partner }),
      })
      let seats: SeatCheck | null = null
      if (input.seatLimit !== undefined) {
        seats = { limit: input.seatLimit, used: yield* countSeats }
        if (seats.used >= seats.limit) {
          return yield* new KeapRequestRejected({
            tenant: tenant.name,
            endpoint: "POST /v1/users",
            status: null,
            detail: `all ${seats.limit} seats are in use (active and invited users); deactivate a user or buy a seat first`,
          })
        }
      }
      if (input.dryRun === true) return { dryRun: true, request: body, seats } as const
      const user = yield* request(
        {
          method: "POST",
          path: "/crm/rest/v1/users",
          body,
          missing: "endpoint",
          idempotent: false,
          forbiddenIsRefusal: true,
        },
        RestUser,
      )
      return { dryRun: false, user, invitationSent: user.status?.toLowerCase() === "invited", seats } as const
    })

  const waitUntilActive = (
    id: string,
    options: { readonly interval?: Duration.DurationInput; readonly maxPolls?: number } = {},
  ): Effect.Effect<WaitUntilActiveResult, KeapError> => {
    const maxPolls = Math.max(1, options.maxPolls ?? 60)
    const interval = Duration.decode(options.interval ?? Duration.seconds(10))
    const poll = (polls: number): Effect.Effect<WaitUntilActiveResult, KeapError> =>
      Effect.flatMap(getUser(id), (user) => {
        if (isActive(user)) return Effect.succeed({ active: true, polls, user })
        if (polls >= maxPolls) return Effect.succeed({ active: false, polls, user })
        return Effect.delay(poll(polls + 1), interval)
      })
    return poll(1)
  }

  const updateUser = (
    id: string,
    changes: UserChanges,
    options: { readonly dryRun?: boolean } = {},
  ): Effect.Effect<UpdateUserResult, KeapError> =>
    Effect.gen(function* () {
      const before = yield* getUser(id)
      const body: Record<string, unknown> = {}
      const mask: Array<UpdateUserMaskField> = []
      const set = (field: UpdateUserMaskField, key: string, value: unknown) => {
        if (value === undefined) return
        body[key] = value
        mask.push(field)
      }
      set("given_name", "given_name", changes.givenName)
      set("family_name", "family_name", changes.familyName)
      set("company_name", "company_name", changes.companyName)
      set("job_title", "title", changes.jobTitle)
      set("website", "website", changes.website)
      set("time_zone", "time_zone", changes.timeZone)
      set(
        "email_address",
        "email_address",
        changes.email === undefined ? undefined : { email: changes.email.trim(), field: "EMAIL1" },
      )
      const requests: Array<UpdateUserResult["requests"][number]> = []
      const patchSpec = (withMask: ReadonlyArray<string>, patchBody: unknown): RequestSpec => ({
        method: "PATCH",
        path: userPath(id),
        urlParams: withMask.map((field) => ["update_mask", field] as const),
        body: patchBody,
        missing: { resource: `user ${id}` },
        idempotent: true,
      })
      if (mask.length > 0) requests.push({ endpoint: "PATCH /v2/users/{id}", body: body as UpdateUserRequest })
      if (changes.admin !== undefined && before.admin !== changes.admin) {
        requests.push({ endpoint: "PATCH /v2/users/{id} (admin)", body: { admin: changes.admin } })
      }
      if (options.dryRun === true) return { dryRun: true, requests, user: before }
      let user = before
      if (mask.length > 0) user = yield* request(patchSpec(mask, body), User)
      if (changes.admin !== undefined && user.admin !== changes.admin) {
        user = yield* setAdmin(id, changes.admin)
      }
      return { dryRun: false, requests, user }
    })

  /**
   * The admin flag through whatever the account exposes: v2 PATCH with `admin` in the body (outside the spec's mask),
   * else the legacy v1 PATCH. When neither takes effect, the endpoint is unavailable.
   */
  const setAdmin = (id: string, admin: boolean): Effect.Effect<User, KeapError> =>
    Effect.gen(function* () {
      const viaV2 = yield* request(
        { method: "PATCH", path: userPath(id), body: { admin }, missing: { resource: `user ${id}` }, idempotent: true },
        User,
      ).pipe(
        Effect.map(Option.some),
        Effect.catchTags({
          KeapEndpointUnavailable: () => Effect.succeedNone,
          KeapRequestRejected: () => Effect.succeedNone,
        }),
      )
      if (Option.isSome(viaV2) && viaV2.value.admin === admin) return viaV2.value
      yield* send({
        method: "PATCH",
        path: `/crm/rest/v1/users/${encodeURIComponent(id)}`,
        body: { admin },
        missing: "endpoint",
        idempotent: true,
      }).pipe(
        Effect.catchTag("KeapRequestRejected", (error) =>
          Effect.fail(
            new KeapEndpointUnavailable({
              tenant: tenant.name,
              endpoint: "admin flag",
              status: error.status ?? 400,
              detail: `neither PATCH /v2/users/{id} nor PATCH /v1/users/{id} accepts it: ${error.detail}`,
            }),
          ),
        ),
      )
      const after = yield* getUser(id)
      if (after.admin !== admin) {
        return yield* new KeapEndpointUnavailable({
          tenant: tenant.name,
          endpoint: "admin flag",
          status: 200,
          detail: "Keap accepted the change but the user's admin flag did not change",
        })
      }
      return after
    })

  const deactivateUser = (
    id: string,
    options: { readonly dryRun?: boolean } = {},
  ): Effect.Effect<DeactivateUserResult, KeapError> =>
    Effect.gen(function* () {
      const endpoint = "DELETE /v1/users/{id}"
      const before = yield* getUser(id)
      if (options.dryRun === true) return { dryRun: true, endpoint, before, after: null }
      // Keap's v2 has no DELETE and its v1 spec none either; some accounts expose the legacy v1 route.
      yield* send({
        method: "DELETE",
        path: `/crm/rest/v1/users/${encodeURIComponent(id)}`,
        missing: "endpoint",
        idempotent: true,
      })
      const after = yield* getUser(id)
      return { dryRun: false, endpoint, before, after }
    })

  return {
    tenant,
    stats: Effect.sync(() => ({ ...counters })),
    budget: budget.snapshot,
    usersV2Pages,
    usersV1Pages,
    getUser,
    userInfoV1: request(
      { method: "GET", path: "/crm/rest/v1/oauth/connect/userinfo", missing: "endpoint", idempotent: true },
      UserInfoV1,
    ),
    userInfoV2: request(
      { method: "GET", path: "/crm/rest/v2/oauth/connect/userinfo", missing: "endpoint", idempotent: true },
      UserInfoV2,
    ),
    userGroups,
    createUser,
    waitUntilActive,
    updateUser,
    deactivateUser,
  }
}
