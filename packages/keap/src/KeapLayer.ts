/**
 * The layers to run the Keap client with: every Keap service over a given `HttpClient`, or over Node's (undici).
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Layer } from "effect"
import { KeapAuth } from "./KeapAuth.js"
import { KeapClient } from "./KeapClient.js"
import { KeapRateBudget } from "./KeapRateBudget.js"

/** Every Keap service, sharing one auth registry and one budget registry, over the `HttpClient` you provide. */
export const KeapLive: Layer.Layer<KeapClient | KeapAuth | KeapRateBudget, never, HttpClient.HttpClient> =
  KeapClient.Default.pipe(Layer.provideMerge(Layer.mergeAll(KeapAuth.Default, KeapRateBudget.Default)))

/** Every Keap service over Node's HTTP client (undici, with connection reuse). */
export const KeapNodeLive: Layer.Layer<KeapClient | KeapAuth | KeapRateBudget> = KeapLive.pipe(
  Layer.provide(NodeHttpClient.layerUndici),
)
