/**
 * The Keap sandbox as a service: a faithful Keap REST API on loopback, started by a layer, with its credentials,
 * dataset and control API at hand.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import type { ServeError } from "@effect/platform/HttpServerError"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import type { Dataset } from "./Dataset.js"
import { sandboxApp } from "./internal/app.js"
import { SandboxState } from "./internal/state.js"
import { makeSandboxControl, type SandboxControl, SandboxControlError, type SandboxStats } from "./SandboxControl.js"
import type { ApiKeyCredential, KeapSandboxOptions, OAuthClientCredentials } from "./SandboxOptions.js"

/** A tenant of a running sandbox, with the credentials that reach it. */
export interface SandboxTenant {
  /** The Keap app name (tenant id), e.g. `kd482`. */
  readonly id: string
  readonly name: string
  /** Its Personal Access Token (absent when custom keys gave it none). */
  readonly personalAccessToken: string | undefined
  /** Its Service Account Key (absent when custom keys gave it none). */
  readonly serviceAccountKey: string | undefined
  readonly apiKeys: ReadonlyArray<ApiKeyCredential>
}

/** Tokens from the sandbox's OAuth flow. */
export interface SandboxOAuthTokens {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  readonly expiresIn: number
  /** `full|<tenant>.infusionsoft.com` */
  readonly scope: string
}

/** What to authorise in `KeapSandbox.authorize`. */
export interface SandboxAuthorizeOptions {
  /** Default: the first tenant. */
  readonly tenantId?: string
  /** The authorising user, by id or e-mail; default: the tenant's owner. */
  readonly user?: string | number
  /** Default: the sandbox's first OAuth client. */
  readonly client?: OAuthClientCredentials
  /** Default: `http://127.0.0.1/callback` (never called: the code is read from the redirect). */
  readonly redirectUri?: string
}

/** A running Keap sandbox. */
export interface KeapSandboxShape {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string
  /** Keap's REST root, `<baseUrl>/crm/rest` (v1 at `/v1/...`, v2 at `/v2/...`). */
  readonly apiBaseUrl: string
  /** `<baseUrl>/app/oauth/authorize` */
  readonly authorizeUrl: string
  /** `<baseUrl>/token` */
  readonly tokenUrl: string
  readonly tenants: ReadonlyArray<SandboxTenant>
  /** The first OAuth client (the default one unless `clients` was given). */
  readonly oauthClient: OAuthClientCredentials
  readonly oauthClients: ReadonlyArray<OAuthClientCredentials>
  /** The seed data served (users may have changed since, through the API or the control API). */
  readonly dataset: Dataset
  /** The control API over HTTP. */
  readonly control: SandboxControl
  /** Shorthand for `control.stats`. */
  readonly stats: Effect.Effect<SandboxStats, SandboxControlError>
  /** Walk the OAuth flow over HTTP (authorize, then exchange the code) and return the tokens. */
  readonly authorize: (options?: SandboxAuthorizeOptions) => Effect.Effect<SandboxOAuthTokens, SandboxControlError>
}

const walkOAuthFlow = (
  sandbox: Pick<KeapSandboxShape, "authorizeUrl" | "tokenUrl" | "oauthClient" | "tenants">,
  options: SandboxAuthorizeOptions,
): Effect.Effect<SandboxOAuthTokens, SandboxControlError> =>
  Effect.tryPromise({
    try: async () => {
      const client = options.client ?? sandbox.oauthClient
      const redirectUri = options.redirectUri ?? "http://127.0.0.1/callback"
      const authorize = new URL(sandbox.authorizeUrl)
      authorize.searchParams.set("client_id", client.clientId)
      authorize.searchParams.set("redirect_uri", redirectUri)
      authorize.searchParams.set("response_type", "code")
      authorize.searchParams.set("scope", "full")
      authorize.searchParams.set("tenant", options.tenantId ?? sandbox.tenants[0]?.id ?? "")
      if (options.user !== undefined) authorize.searchParams.set("user", String(options.user))
      const redirect = await fetch(authorize, { redirect: "manual" })
      const location = redirect.headers.get("location")
      const code = location === null ? null : new URL(location).searchParams.get("code")
      if (code === null) throw new Error(`authorize answered ${redirect.status} without a code`)
      const exchange = await fetch(sandbox.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: client.clientId,
          client_secret: client.clientSecret,
          code,
          grant_type: "authorization_code",
          redirect_uri: redirectUri,
        }),
      })
      if (exchange.status !== 200) throw new Error(`token exchange answered ${exchange.status}`)
      const body = (await exchange.json()) as {
        access_token: string
        refresh_token: string
        expires_in: number
        scope: string
      }
      return {
        accessToken: Redacted.make(body.access_token),
        refreshToken: Redacted.make(body.refresh_token),
        expiresIn: body.expires_in,
        scope: body.scope,
      }
    },
    catch: (cause) =>
      new SandboxControlError({
        message: `OAuth flow failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      }),
  })

/** Start a sandbox in the current scope; it stops when the scope closes. */
export const makeKeapSandbox = (
  options: KeapSandboxOptions = {},
): Effect.Effect<KeapSandboxShape, ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const state = new SandboxState(options)
    const nodeServer = Http.createServer()
    const server = yield* NodeHttpServer.make(() => nodeServer, {
      port: state.options.port,
      host: state.options.host,
    })
    // Runs before the server's own close: keep-alive connections would otherwise hold the scope open.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))
    // No request spans: nobody reads them here, and they cost a good part of each request's time.
    yield* server.serve(sandboxApp(state)).pipe(
      HttpMiddleware.withTracerDisabledWhenEffect(() => true),
      Effect.withTracerEnabled(false),
    )
    const port = server.address._tag === "TcpAddress" ? server.address.port : state.options.port
    const host = state.options.host.includes(":") ? `[${state.options.host}]` : state.options.host
    const baseUrl = `http://${host}:${port}`
    state.baseUrl = baseUrl
    const control = makeSandboxControl(baseUrl)
    const keys = [...state.apiKeys.values()]
    const tenants: ReadonlyArray<SandboxTenant> = state.tenantOrder.map((tenant) => {
      const apiKeys = keys.filter((key) => key.tenantId === tenant.id)
      return {
        id: tenant.id,
        name: tenant.name,
        personalAccessToken: apiKeys.find((key) => key.kind === "pat")?.key,
        serviceAccountKey: apiKeys.find((key) => key.kind === "sak")?.key,
        apiKeys,
      }
    })
    const oauthClients = [...state.clients.values()]
    const base = {
      authorizeUrl: `${baseUrl}/app/oauth/authorize`,
      tokenUrl: `${baseUrl}/token`,
      oauthClient: oauthClients[0]!,
      tenants,
    }
    return {
      ...base,
      baseUrl,
      apiBaseUrl: `${baseUrl}/crm/rest`,
      oauthClients,
      dataset: state.dataset,
      control,
      stats: control.stats,
      authorize: (authorizeOptions = {}) => walkOAuthFlow(base, authorizeOptions),
    }
  })

/** The running Keap sandbox. */
export class KeapSandbox extends Context.Tag("@idgraph/keap-sandbox/KeapSandbox")<KeapSandbox, KeapSandboxShape>() {
  /** A sandbox serving for the lifetime of the layer. */
  static readonly layer = (options: KeapSandboxOptions = {}): Layer.Layer<KeapSandbox, ServeError> =>
    Layer.scoped(KeapSandbox, makeKeapSandbox(options))
}
