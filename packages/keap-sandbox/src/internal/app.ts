/**
 * The whole sandbox as one HTTP app: Keap's API, its OAuth endpoints and the control API.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import { Effect } from "effect"
import { keapApiRoutes } from "./api.js"
import { controlRouter } from "./control.js"
import { json } from "./http.js"
import { authorize, token } from "./oauth.js"
import type { SandboxState } from "./state.js"

export const sandboxApp = (state: SandboxState) =>
  HttpRouter.empty.pipe(
    keapApiRoutes(state),
    HttpRouter.get("/app/oauth/authorize", authorize(state)),
    HttpRouter.post("/token", token(state)),
    HttpRouter.mount("/__sandbox", controlRouter(state)),
    Effect.catchTag("RouteNotFound", () => Effect.succeed(json(404, { message: "HTTP 404 Not Found" }))),
  )
