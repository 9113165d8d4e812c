/**
 * One HTTP exchange with the whole body read, so a body cut short shows up here as a transport failure and never as
 * a half-parsed success.
 */
import type * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Data, type Duration, Effect, Either, Schema } from "effect"
import { KeapErrorBody, keapErrorSummary } from "../KeapSchema.js"

/** A complete answer. */
export interface Answer {
  readonly status: number
  readonly headers: Headers.Headers
  readonly body: string
}

/** The exchange failed before a complete answer arrived: always transient. */
export class TransportFailure extends Data.TaggedError("TransportFailure")<{ readonly detail: string }> {}

const describe = (cause: unknown): string => {
  if (typeof cause === "object" && cause !== null) {
    const tagged = cause as { _tag?: string; reason?: string; cause?: unknown }
    const inner = tagged.cause as { code?: string; message?: string; cause?: { code?: string } } | undefined
    const code = inner?.code ?? inner?.cause?.code
    const parts = [tagged._tag, tagged.reason, code].filter((part) => part !== undefined)
    if (parts.length > 0) return parts.join(" ")
  }
  return "network failure"
}

/** Send `request` and read the whole body, within `timeout`. */
export const exchange = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.DurationInput,
): Effect.Effect<Answer, TransportFailure> =>
  Effect.scoped(
    Effect.gen(function* () {
      const response = yield* client.execute(request)
      const body = yield* response.text
      return { status: response.status, headers: response.headers, body }
    }),
  ).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new TransportFailure({ detail: "timed out" }) }),
    Effect.catchAll((cause) =>
      cause instanceof TransportFailure
        ? Effect.fail(cause)
        : Effect.fail(new TransportFailure({ detail: describe(cause) })),
    ),
  )

/** The HTTP client without tracing headers and spans: Keap needs none, and they cost time per request. */
export const plainClient = (client: HttpClient.HttpClient): HttpClient.HttpClient =>
  client.pipe(HttpClient.withTracerPropagation(false))

const decodeErrorBody = Schema.decodeUnknownEither(Schema.parseJson(KeapErrorBody))

/** Keap's code and message from an error answer, for error messages. Bodies are Keap's text, never our secrets. */
export const errorSummary = (answer: Answer): { readonly code?: string; readonly message: string } => {
  const decoded = decodeErrorBody(answer.body)
  if (Either.isRight(decoded)) {
    const summary = keapErrorSummary(decoded.right)
    return { ...summary, message: summary.message ?? summary.code ?? `HTTP ${answer.status}` }
  }
  const text = answer.body.trim().slice(0, 200)
  return { message: text.length > 0 ? text : `HTTP ${answer.status}` }
}
