/**
 * The OAuth authorisation-code flow as a person walks it: a loopback listener receives Keap's redirect, the code is
 * exchanged through `KeapAuth` (which stores the tokens atomically, mode 0600). Tokens are never printed.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import * as http from "node:http"
import { KeapAuth, type KeapAuthError, type TokenStatus } from "@idgraph/keap"
import { Deferred, Duration, Effect, type Scope } from "effect"
import { AuthorizationCallbackFailed, ConfigInvalid } from "./CliErrors.js"
import type { ConfiguredTenant } from "./IdgraphConfig.js"

/** A loopback listener waiting for one OAuth redirect. */
export interface CallbackListener {
  /** The redirect URI it answers, with the real port when 0 was asked for. */
  readonly redirectUri: string
  /** The authorisation code, once the browser arrives with a matching `state`. */
  readonly code: Effect.Effect<string, AuthorizationCallbackFailed>
}

const isLoopback = (hostname: string) => hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]"

const page = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:40px"><h1>${title}</h1><p>${body}</p>`

/** Listens on the redirect URI's loopback host and port until the scope closes. */
export const listenForCallback = (
  redirectUri: string,
  state: string,
  timeout: Duration.DurationInput = "5 minutes",
): Effect.Effect<CallbackListener, ConfigInvalid | AuthorizationCallbackFailed, Scope.Scope> =>
  Effect.gen(function* () {
    const target = new URL(redirectUri)
    if (target.protocol !== "http:" || !isLoopback(target.hostname)) {
      return yield* new ConfigInvalid({
        setting: "keap.redirectUri",
        expected:
          "an http://127.0.0.1:<port>/<path> URI for `auth keap login` (use `auth keap url` + `exchange` otherwise)",
        found: JSON.stringify(redirectUri),
      })
    }
    const received = yield* Deferred.make<string, AuthorizationCallbackFailed>()
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1")
      if (url.pathname !== target.pathname) {
        response.writeHead(404).end()
        return
      }
      const fail = (detail: string) => {
        response
          .writeHead(400, { "content-type": "text/html; charset=utf-8" })
          .end(page("Authorisation failed", detail))
        Deferred.unsafeDone(received, Effect.fail(new AuthorizationCallbackFailed({ detail })))
      }
      const error = url.searchParams.get("error")
      if (error !== null) return fail(`Keap answered ${error}`)
      if (url.searchParams.get("state") !== state)
        return fail("the state does not match this login (a stale or forged redirect)")
      const code = url.searchParams.get("code")
      if (code === null || code.length === 0) return fail("the redirect carries no code")
      response
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(page("idgraph is authorised", "You can close this window and return to the terminal."))
      Deferred.unsafeDone(received, Effect.succeed(code))
    })
    const port = yield* Effect.async<number, AuthorizationCallbackFailed>((resume) => {
      server.once("error", (cause) =>
        resume(
          Effect.fail(new AuthorizationCallbackFailed({ detail: `cannot listen on ${target.host}: ${cause.message}` })),
        ),
      )
      server.listen(Number(target.port || 80), target.hostname.replace(/^\[|\]$/g, ""), () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : Number(target.port)))
      })
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      }),
    )
    const actual = new URL(target)
    actual.port = String(port)
    return {
      redirectUri: actual.toString(),
      code: Deferred.await(received).pipe(
        Effect.timeoutFail({
          duration: Duration.decode(timeout),
          onTimeout: () =>
            new AuthorizationCallbackFailed({
              detail: `no redirect arrived within ${Duration.format(Duration.decode(timeout))}`,
            }),
        }),
      ),
    }
  })

/** A random `state` for one authorisation. */
export const newState = (): string => randomBytes(16).toString("hex")

/** The authorise URL of a tenant, with its configured extra parameters. */
export const authoriseUrlFor = (
  tenant: ConfiguredTenant,
  options: { readonly redirectUri?: string; readonly state?: string },
): Effect.Effect<string, KeapAuthError, KeapAuth> =>
  Effect.gen(function* () {
    const auth = yield* KeapAuth
    const url = new URL(yield* auth.authorizeUrl(tenant.config, options))
    for (const [key, value] of Object.entries(tenant.authorizeParams)) url.searchParams.set(key, value)
    return url.toString()
  })

/**
 * The whole login: listen, show the authorise URL through `open` (print it for a person; the demo fetches it as
 * the sandbox's auto-approving browser), wait for the code, exchange it.
 */
export const login = (
  tenant: ConfiguredTenant,
  open: (url: string) => Effect.Effect<void, AuthorizationCallbackFailed>,
): Effect.Effect<TokenStatus, KeapAuthError | ConfigInvalid | AuthorizationCallbackFailed, KeapAuth> =>
  Effect.scoped(
    Effect.gen(function* () {
      if (tenant.config.auth._tag !== "oauth") {
        return yield* new ConfigInvalid({
          setting: `keap.tenants (${tenant.config.name}).auth`,
          expected: `"oauth" for \`auth keap login\``,
          found: '"apiKey"',
        })
      }
      const configured = tenant.config.auth.client.redirectUri ?? "http://127.0.0.1:0/callback"
      const state = newState()
      const listener = yield* listenForCallback(configured, state)
      const url = yield* authoriseUrlFor(tenant, { redirectUri: listener.redirectUri, state })
      yield* open(url)
      const code = yield* listener.code
      return yield* (yield* KeapAuth).exchangeCode(tenant.config, code, { redirectUri: listener.redirectUri })
    }),
  )

/** A "browser" for loopback sandboxes: follows the authorise URL's redirects to the listener. */
export const openByFetching = (url: string): Effect.Effect<void, AuthorizationCallbackFailed> =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, { redirect: "follow" })
      await response.text()
      if (response.status !== 200) throw new Error(`the authorise page answered ${response.status}`)
    },
    catch: (cause) =>
      new AuthorizationCallbackFailed({ detail: cause instanceof Error ? cause.message : String(cause) }),
  })
