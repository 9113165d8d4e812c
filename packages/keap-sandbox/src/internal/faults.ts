/**
 * Injected faults: latency, connection resets, 5xx answers and truncated JSON bodies, applied around a handler.
 */
import * as HttpBody from "@effect/platform/HttpBody"
import type { HttpServerRequest } from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import { Effect } from "effect"
import type { SandboxState } from "./state.js"

/**
 * Run `handler` under the injected faults. `errorBody` renders the body of an injected 5xx in the shape of the
 * endpoint being hit.
 */
export const withFaults = <E, R>(
  state: SandboxState,
  request: HttpServerRequest,
  errorResponse: (status: number) => HttpServerResponse.HttpServerResponse,
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.suspend(() => {
    const latency = state.faults.latency
    const delayMs =
      latency === undefined ? 0 : latency.ms + (latency.jitterMs ? state.faultPrng.next() * latency.jitterMs : 0)
    const afterDelay = Effect.suspend(() => {
      if (state.rollFault("connectionResets")) {
        // No answer at all: the client sees its connection reset mid-request.
        NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
        return Effect.interrupt
      }
      if (state.rollFault("serverErrors"))
        return Effect.succeed(errorResponse(state.faults.serverErrors?.status ?? 503))
      return Effect.map(handler, (response) => (state.rollFault("truncatedBodies") ? truncate(response) : response))
    })
    return delayMs > 0 ? Effect.zipRight(Effect.sleep(delayMs), afterDelay) : afterDelay
  })

/** The same response with its body cut in half: a complete HTTP answer whose JSON does not parse. */
const truncate = (response: HttpServerResponse.HttpServerResponse): HttpServerResponse.HttpServerResponse => {
  const body = response.body
  if (body._tag !== "Uint8Array") return response
  const cut = body.body.subarray(0, Math.max(1, Math.floor(body.body.length / 2)))
  return HttpServerResponse.setBody(response, HttpBody.uint8Array(cut, body.contentType))
}
