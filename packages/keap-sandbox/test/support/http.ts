/**
 * Real HTTP over loopback for the sandbox's tests: `fetch` wrapped in Effect, plus the Keap schemas to decode with.
 */
import { Effect, Schema } from "effect"

/** A received answer. */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
}

/** Send a request; fails only when no HTTP answer arrives (a reset connection, for example). */
export const send = (
  url: string,
  init: { readonly method?: string; readonly headers?: Record<string, string>; readonly body?: string } = {},
): Effect.Effect<Answer, Error> =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, { redirect: "manual", ...init })
      return { status: response.status, headers: response.headers, text: await response.text() }
    },
    catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
  })

/** Parse an answer's JSON body with a schema. */
export const decodeBody = <A, I>(schema: Schema.Schema<A, I>, answer: Answer): A =>
  Schema.decodeUnknownSync(schema)(JSON.parse(answer.text))

/** Parse an answer's JSON body without a schema (for exact wire checks). */
export const rawBody = (answer: Answer): Record<string, unknown> => JSON.parse(answer.text) as Record<string, unknown>

/** Headers authenticating with an API key the usual way. */
export const apiKeyHeaders = (key: string) => ({ "x-keap-api-key": key })

/** Headers authenticating with a bearer token (OAuth access token or API key). */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** A form-encoded POST body. */
export const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
})

/** HTTP Basic for a client. */
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`

/** The quota headers Keap puts on every API answer. */
export const quotaHeaderNames = [
  "x-keap-product-quota-limit",
  "x-keap-product-quota-time-unit",
  "x-keap-product-quota-interval",
  "x-keap-product-quota-available",
  "x-keap-product-quota-used",
  "x-keap-product-quota-expiry-time",
  "x-keap-product-throttle-limit",
  "x-keap-product-throttle-time-unit",
  "x-keap-product-throttle-interval",
  "x-keap-product-throttle-available",
  "x-keap-product-throttle-used",
  "x-keap-tenant-id",
  "x-keap-tenant-throttle-limit",
  "x-keap-tenant-throttle-time-unit",
  "x-keap-tenant-throttle-interval",
  "x-keap-tenant-throttle-available",
  "x-keap-tenant-throttle-used",
] as const

/** Strict spec shapes of the raw wire values the tolerant `@idgraph/keap` schemas normalise away. */
export const SpecRestUser = Schema.Struct({
  id: Schema.Int,
  global_user_id: Schema.Int,
  infusionsoft_id: Schema.String,
  email_address: Schema.String,
  status: Schema.Literal("Active", "Invited", "Inactive"),
  partner: Schema.Boolean,
  date_created: Schema.String,
  last_updated: Schema.String,
})

export const SpecUser = Schema.Struct({
  id: Schema.String,
  global_user_id: Schema.String,
  keap_id: Schema.String,
  email_addresses: Schema.Array(
    Schema.Struct({ email: Schema.String, field: Schema.Literal("EMAIL1", "EMAIL2", "EMAIL3") }),
  ),
  status: Schema.Literal("ACTIVE", "INVITED", "INACTIVE", "NOT_A_USER"),
  admin: Schema.Boolean,
  partner: Schema.Boolean,
  create_time: Schema.String,
  update_time: Schema.String,
})
