/**
 * The command tree of `idgraph`, built with @effect/cli. Each handler validates its configuration first (before any
 * network call), then provides the layers it needs and calls the services; the logic lives in the services and the
 * renderers, not here.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { IdentityGraph } from "@idgraph/graph"
import { KeapAuth, KeapClient, KeapNodeLive, type KeapTenantClient } from "@idgraph/keap"
import { KeapSandbox, type KeapSandboxOptions, sandboxDefaults } from "@idgraph/keap-sandbox"
import {
  Neo4j,
  readRunningServer,
  settingsFromEnv,
  startCommand,
  startLocalServer,
  statusCommand,
  stopCommand,
} from "@idgraph/neo4j-local"
import { Console, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { authoriseUrlFor, login, newState } from "./AuthFlow.js"
import { ConfigInvalid, FileError, type SomeTenantsFailed, UsageError } from "./CliErrors.js"
import { runDemo } from "./Demo.js"
import { type ConfiguredTenant, type IdgraphConfig, loadConfig } from "./IdgraphConfig.js"
import { Ingestion } from "./Ingestion.js"
import { makeProgressBoard, type ProgressMode } from "./Progress.js"
import { ResolveFormats, resolutionAsJson, resolutionAsText } from "./render/ResolutionRender.js"
import { ReviewFormats, renderReview } from "./render/ReviewRender.js"
import { type IngestSummary, summaryAsJson, summaryAsText } from "./render/SummaryRender.js"

// ---------------------------------------------------------------------------------------------------------------
// Layers

/** The graph on whatever Neo4j the `Neo4j` layer finds (NEO4J_URI, the local server, Docker, Maven jars). */
const GraphLive = IdentityGraph.Default.pipe(Layer.provideMerge(Neo4j.layer))

/** Ingestion: the graph plus every Keap service over Node's HTTP client. */
const IngestionLive = Ingestion.Default.pipe(Layer.provideMerge(Layer.merge(GraphLive, KeapNodeLive)))

// ---------------------------------------------------------------------------------------------------------------
// Global options

const configOption = Options.file("config").pipe(
  Options.withDescription("The config file (default: $IDGRAPH_CONFIG, else ./idgraph.config.json when it exists)."),
  Options.optional,
)
const logFormatOption = Options.choice("log-format", ["text", "json"]).pipe(
  Options.withDescription("Log lines (on stderr) as text, or as one JSON object per line for schedulers."),
  Options.withDefault("text" as const),
)

/** The root command; subcommands read its options through it. */
const root = Command.make("idgraph", { config: configOption, logFormat: logFormatOption })

const progressMode = (json: boolean): ProgressMode => (!json && process.stderr.isTTY === true ? "live" : "log")

/** Runs a handler with the logger the global options ask for; logs go to stderr so stdout stays the result. */
const withGlobals = <A, E, R>(
  body: (globals: { readonly config: string | undefined; readonly json: boolean }) => Effect.Effect<A, E, R>,
) =>
  Effect.flatMap(root, ({ config, logFormat }) => {
    const json = logFormat === "json"
    const logger = json
      ? Logger.withConsoleError(Logger.jsonLogger)
      : Logger.make(({ logLevel, message }) => {
          const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
          process.stderr.write(`${new Date().toISOString()} ${logLevel.label.padEnd(5)} ${text}\n`)
        })
    return body({ config: Option.getOrUndefined(config), json }).pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      // On a terminal the live progress lines say what info logs would; only warnings and errors interrupt them.
      Logger.withMinimumLogLevel(progressMode(json) === "live" ? LogLevel.Warning : LogLevel.Info),
    )
  })

const writeText = (file: string, content: string) =>
  Effect.try({
    try: () => {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
      fs.writeFileSync(file, content)
    },
    catch: (cause) => new FileError({ path: file, operation: "write", detail: String(cause) }),
  })

/** Prints an ingestion summary (table, or JSON under --log-format json), writes --summary-json, fails when any failed. */
const reportIngestion = (
  result: { readonly summary: IngestSummary; readonly failure: SomeTenantsFailed | null },
  json: boolean,
  summaryJson: Option.Option<string>,
) =>
  Effect.gen(function* () {
    yield* Console.log(json ? summaryAsJson(result.summary) : summaryAsText(result.summary))
    if (Option.isSome(summaryJson)) yield* writeText(summaryJson.value, `${summaryAsJson(result.summary)}\n`)
    if (result.failure !== null) return yield* result.failure
  })

const dryRunOption = Options.boolean("dry-run").pipe(Options.withDescription("Compare and count; write nothing."))
const allowMassRemovalOption = Options.boolean("allow-mass-removal").pipe(
  Options.withDescription("Let a run mark more than 20% of a tenant's active accounts removed."),
)
const summaryJsonOption = Options.text("summary-json").pipe(
  Options.withDescription("Also write the run summary as JSON to this file."),
  Options.optional,
)

// ---------------------------------------------------------------------------------------------------------------
// ingest

const ingestKeap = Command.make(
  "keap",
  {
    tenants: Options.text("tenant").pipe(
      Options.withDescription("A configured tenant to ingest (repeatable); default: every configured tenant."),
      Options.repeated,
    ),
    api: Options.choice("api", ["v2", "v1"]).pipe(
      Options.withDescription("The listing API (default: each tenant's apiVersion, else v2; only v2 carries admin)."),
      Options.optional,
    ),
    dryRun: dryRunOption,
    allowMassRemoval: allowMassRemovalOption,
    summaryJson: summaryJsonOption,
  },
  (options) =>
    withGlobals(({ config, json }) =>
      Effect.gen(function* () {
        const configuration = yield* loadConfig({ configFlag: config, tenants: options.tenants })
        if (configuration.tenants.length === 0) {
          return yield* new ConfigInvalid({
            setting: `keap.tenants in ${configuration.file ?? "idgraph.config.json"}`,
            expected: "a list with at least one tenant ({name, auth: oauth|apiKey})",
            found: "none",
          })
        }
        const result = yield* Effect.scoped(
          Effect.flatMap(makeProgressBoard(progressMode(json)), (board) =>
            Effect.flatMap(Ingestion, (ingestion) =>
              ingestion.keapTenants(
                {
                  tenants: configuration.tenants,
                  dryRun: options.dryRun,
                  allowMassRemoval: options.allowMassRemoval,
                  ...(Option.isSome(options.api) ? { api: options.api.value } : {}),
                },
                board,
              ),
            ),
          ),
        ).pipe(Effect.provide(IngestionLive))
        yield* reportIngestion(result, json, options.summaryJson)
      }),
    ),
).pipe(
  Command.withDescription(
    "Every configured Keap tenant (or the --tenant ones) into Neo4j, one IngestionRun each, concurrently under their shared rate budget.",
  ),
)

const ingestFile = Command.make(
  "file",
  {
    system: Options.text("system").pipe(Options.withDescription("The accounts' system, e.g. okta (lower case).")),
    tenant: Options.text("tenant").pipe(Options.withDescription("The tenant within the system, e.g. acme-idp.")),
    file: Args.file({ name: "FILE", exists: "yes" }).pipe(
      Args.withDescription(
        "CSV (with a header) or JSONL accounts: id, email, given_name, family_name, status, admin, ...",
      ),
    ),
    dryRun: dryRunOption,
    allowMassRemoval: allowMassRemovalOption,
    summaryJson: summaryJsonOption,
  },
  (options) =>
    withGlobals(({ json }) =>
      Effect.gen(function* () {
        const result = yield* Effect.flatMap(Ingestion, (ingestion) =>
          ingestion.accountsFile({
            path: options.file,
            system: options.system,
            tenant: options.tenant,
            dryRun: options.dryRun,
            allowMassRemoval: options.allowMassRemoval,
          }),
        ).pipe(Effect.provide(IngestionLive))
        yield* reportIngestion(result, json, options.summaryJson)
      }),
    ),
).pipe(
  Command.withDescription("Load an accounts file (an IdP or HR export, CSV or JSONL) as one run of SYSTEM:TENANT."),
)

const ingest = Command.make("ingest").pipe(
  Command.withDescription("Load accounts into the graph."),
  Command.withSubcommands([ingestKeap, ingestFile]),
)

// ---------------------------------------------------------------------------------------------------------------
// resolve, review

const resolve = Command.make(
  "resolve",
  {
    key: Args.text({ name: "KEY" }).pipe(
      Args.withDescription("An e-mail, an account uid (keap:<tenant>:<id>), a Keap global user id or an identity uid."),
    ),
    format: Options.choice("format", ResolveFormats).pipe(Options.withDefault("table" as const)),
  },
  ({ key, format }) =>
    withGlobals(() =>
      Effect.gen(function* () {
        if (key.trim().length === 0) return yield* new UsageError({ detail: "KEY must not be empty" })
        const graph = yield* IdentityGraph
        const resolution = yield* graph.resolve(key.trim())
        yield* Console.log(format === "json" ? resolutionAsJson(resolution) : resolutionAsText(resolution))
      }).pipe(Effect.provide(GraphLive)),
    ),
).pipe(
  Command.withDescription(
    "Who is this? Every account of the person behind an e-mail, account uid or Keap global user id.",
  ),
)

const review = Command.make(
  "review",
  {
    authoritative: Options.text("authoritative").pipe(
      Options.withDescription(
        "The system that says who still works here (e.g. okta); enables orphaned-account findings.",
      ),
      Options.optional,
    ),
    staleDays: Options.integer("stale-days").pipe(
      Options.withDescription("Invitations pending longer than this are stale (default 14)."),
      Options.optional,
    ),
    format: Options.choice("format", ReviewFormats).pipe(Options.withDefault("table" as const)),
    out: Options.text("out").pipe(Options.withDescription("Write to this file instead of stdout."), Options.optional),
  },
  (options) =>
    withGlobals(({ config }) =>
      Effect.gen(function* () {
        const configuration = yield* loadConfig({ configFlag: config })
        const staleDays = Option.getOrUndefined(options.staleDays) ?? configuration.review.staleDays ?? undefined
        if (staleDays !== undefined && staleDays < 0) {
          return yield* new ConfigInvalid({
            setting: "--stale-days",
            expected: "a number of days, 0 or more",
            found: String(staleDays),
          })
        }
        const authoritative =
          Option.getOrUndefined(options.authoritative) ?? configuration.review.authoritativeSystem ?? undefined
        const result = yield* Effect.flatMap(IdentityGraph, (graph) =>
          graph.review({
            ...(authoritative === undefined ? {} : { authoritativeSystem: authoritative }),
            ...(staleDays === undefined ? {} : { staleDays }),
          }),
        ).pipe(Effect.provide(GraphLive))
        const rendered = renderReview(result, options.format)
        if (Option.isSome(options.out)) {
          yield* writeText(options.out.value, rendered.endsWith("\n") ? rendered : `${rendered}\n`)
          yield* Console.error(`Wrote the ${options.format} review to ${path.resolve(options.out.value)}`)
        } else yield* Console.log(rendered)
      }),
    ),
).pipe(
  Command.withDescription(
    "The access review: orphaned accounts, active admins, stale invitations, duplicates, shared identifiers, unlinked accounts.",
  ),
)

// ---------------------------------------------------------------------------------------------------------------
// auth keap

const tenantOption = Options.text("tenant").pipe(Options.withDescription("The configured tenant's name."))

/** One configured tenant, validated before anything touches the network. */
const oneTenant = (config: string | undefined, name: string) =>
  Effect.map(
    loadConfig({ configFlag: config, tenants: [name] }),
    (configuration: IdgraphConfig) => configuration.tenants[0]!,
  )

const requireOAuth = (tenant: ConfiguredTenant) =>
  tenant.config.auth._tag === "oauth"
    ? Effect.void
    : Effect.fail(
        new ConfigInvalid({
          setting: `keap.tenants (${tenant.config.name}).auth`,
          expected: '"oauth" for this command (API-key tenants need no authorisation)',
          found: '"apiKey"',
        }),
      )

const authUrl = Command.make("url", { tenant: tenantOption }, ({ tenant }) =>
  withGlobals(({ config }) =>
    Effect.gen(function* () {
      const configured = yield* oneTenant(config, tenant)
      yield* requireOAuth(configured)
      const url = yield* authoriseUrlFor(configured, { state: newState() })
      yield* Console.log(url)
    }).pipe(Effect.provide(KeapNodeLive)),
  ),
).pipe(Command.withDescription("Print the URL a Keap user opens to authorise idgraph for their account."))

const authExchange = Command.make(
  "exchange",
  { tenant: tenantOption, code: Options.text("code").pipe(Options.withDescription("The code from the redirect.")) },
  ({ tenant, code }) =>
    withGlobals(({ config }) =>
      Effect.gen(function* () {
        const configured = yield* oneTenant(config, tenant)
        yield* requireOAuth(configured)
        const status = yield* (yield* KeapAuth).exchangeCode(configured.config, code.trim())
        yield* Console.log(`Authorised keap:${tenant}; tokens stored in ${status.tokenStorePath} (mode 0600).`)
      }).pipe(Effect.provide(KeapNodeLive)),
    ),
).pipe(Command.withDescription("Exchange an authorisation code for tokens and store them."))

const authLogin = Command.make("login", { tenant: tenantOption }, ({ tenant }) =>
  withGlobals(({ config }) =>
    Effect.gen(function* () {
      const configured = yield* oneTenant(config, tenant)
      yield* requireOAuth(configured)
      const status = yield* login(configured, (url) =>
        Console.error(
          `Open this URL in a browser and approve idgraph for the Keap account (waiting up to 5 minutes):\n\n  ${url}\n`,
        ),
      )
      yield* Console.log(`Authorised keap:${tenant}; tokens stored in ${status.tokenStorePath} (mode 0600).`)
    }).pipe(Effect.provide(KeapNodeLive)),
  ),
).pipe(
  Command.withDescription(
    "Listen on the loopback redirect URI, print the authorise URL, exchange the code when it arrives.",
  ),
)

const authStatus = Command.make("status", { tenant: tenantOption }, ({ tenant }) =>
  withGlobals(({ config }) =>
    Effect.gen(function* () {
      const configured = yield* oneTenant(config, tenant)
      const status = yield* (yield* KeapAuth).tokenStatus(configured.config)
      if (status.kind === "apiKey") {
        yield* Console.log(`keap:${tenant} uses an API key (from the environment); there is no token to expire.`)
        return
      }
      const expiry =
        status.expiresAt === null
          ? "no tokens stored: run `idgraph auth keap login`"
          : `access token ${status.expired ? "expired" : "expires"} ${new Date(status.expiresAt).toISOString()} (refreshed automatically while the refresh token lives)`
      yield* Console.log(`keap:${tenant}: ${expiry}\ntoken store: ${status.tokenStorePath}`)
    }).pipe(Effect.provide(KeapNodeLive)),
  ),
).pipe(Command.withDescription("Show the token's expiry and the token store path (never the token)."))

const auth = Command.make("auth").pipe(
  Command.withDescription("Authorise idgraph with a SaaS system."),
  Command.withSubcommands([
    Command.make("keap").pipe(
      Command.withDescription("Keap OAuth: url, exchange, login, status."),
      Command.withSubcommands([authUrl, authExchange, authLogin, authStatus]),
    ),
  ]),
)

// ---------------------------------------------------------------------------------------------------------------
// keap users

const withTenantClient = <A, E>(
  config: string | undefined,
  tenant: string,
  body: (client: KeapTenantClient) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const configured = yield* oneTenant(config, tenant)
    const client = yield* (yield* KeapClient).forTenant(configured.config)
    return yield* body(client)
  }).pipe(Effect.provide(KeapNodeLive))

const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

const usersCreate = Command.make(
  "create",
  {
    tenant: tenantOption,
    email: Options.text("email"),
    givenName: Options.text("given-name"),
    familyName: Options.text("family-name").pipe(Options.optional),
    admin: Options.boolean("admin").pipe(Options.withDescription("Create the user as an admin.")),
    partner: Options.boolean("partner").pipe(Options.withDescription("Create a partner (external) user.")),
    seatLimit: Options.integer("seat-limit").pipe(
      Options.withDescription("The account's seat limit: when given, nothing is sent unless a seat is free."),
      Options.optional,
    ),
    dryRun: dryRunOption,
  },
  (options) =>
    withGlobals(({ config }) =>
      withTenantClient(config, options.tenant, (client) =>
        Effect.gen(function* () {
          const result = yield* client.createUser({
            email: options.email,
            givenName: options.givenName,
            ...(Option.isSome(options.familyName) ? { familyName: options.familyName.value } : {}),
            ...(options.admin ? { admin: true } : {}),
            ...(options.partner ? { partner: true } : {}),
            ...(Option.isSome(options.seatLimit) ? { seatLimit: options.seatLimit.value } : {}),
            dryRun: options.dryRun,
          })
          if (!result.dryRun && result.invitationSent) {
            yield* Console.error(
              `Keap e-mailed an invitation to ${options.email}; the user is Invited until they accept.`,
            )
          }
          yield* printJson(result)
        }),
      ),
    ),
).pipe(Command.withDescription("Create (invite) a user: POST /v1/users. Keap sends an invitation e-mail."))

const usersUpdate = Command.make(
  "update",
  {
    tenant: tenantOption,
    id: Options.text("id").pipe(Options.withDescription("The user's Keap id.")),
    email: Options.text("email").pipe(Options.optional),
    givenName: Options.text("given-name").pipe(Options.optional),
    familyName: Options.text("family-name").pipe(Options.optional),
    jobTitle: Options.text("job-title").pipe(Options.optional),
    admin: Options.choice("admin", ["true", "false"]).pipe(Options.optional),
    dryRun: dryRunOption,
  },
  (options) =>
    withGlobals(({ config }) =>
      Effect.gen(function* () {
        const changes = {
          ...(Option.isSome(options.email) ? { email: options.email.value } : {}),
          ...(Option.isSome(options.givenName) ? { givenName: options.givenName.value } : {}),
          ...(Option.isSome(options.familyName) ? { familyName: options.familyName.value } : {}),
          ...(Option.isSome(options.jobTitle) ? { jobTitle: options.jobTitle.value } : {}),
          ...(Option.isSome(options.admin) ? { admin: options.admin.value === "true" } : {}),
        }
        if (Object.keys(changes).length === 0) {
          return yield* new UsageError({
            detail: "give at least one change (--email, --given-name, --family-name, --job-title, --admin)",
          })
        }
        yield* withTenantClient(config, options.tenant, (client) =>
          Effect.flatMap(client.updateUser(options.id, changes, { dryRun: options.dryRun }), printJson),
        )
      }),
    ),
).pipe(
  Command.withDescription(
    "Change a user's fields (PATCH /v2/users/{id}); the admin flag through whatever the account exposes.",
  ),
)

const usersDeactivate = Command.make(
  "deactivate",
  {
    tenant: tenantOption,
    id: Options.text("id").pipe(Options.withDescription("The user's Keap id.")),
    dryRun: dryRunOption,
  },
  (options) =>
    withGlobals(({ config }) =>
      withTenantClient(config, options.tenant, (client) =>
        Effect.flatMap(client.deactivateUser(options.id, { dryRun: options.dryRun }), printJson),
      ),
    ),
).pipe(Command.withDescription("Deactivate a user (the legacy DELETE /v1/users/{id}, where the account exposes it)."))

const keap = Command.make("keap").pipe(
  Command.withDescription("Keap administration: the provisioning scenarios."),
  Command.withSubcommands([
    Command.make("users").pipe(
      Command.withDescription("Create, update or deactivate Keap users."),
      Command.withSubcommands([usersCreate, usersUpdate, usersDeactivate]),
    ),
  ]),
)

// ---------------------------------------------------------------------------------------------------------------
// neo4j, sandbox

const neo4jStart = Command.make("start", {}, () => withGlobals(() => startCommand)).pipe(
  Command.withDescription("Start the long-lived local Neo4j (same as pnpm neo4j:start)."),
)

const neo4jStop = Command.make("stop", {}, () => withGlobals(() => stopCommand)).pipe(
  Command.withDescription("Stop the local Neo4j (same as pnpm neo4j:stop)."),
)

const neo4jStatus = Command.make("status", {}, () => withGlobals(() => statusCommand)).pipe(
  Command.withDescription("Where the local Neo4j runs (same as pnpm neo4j:status)."),
)

const neo4jCommand = Command.make("neo4j").pipe(
  Command.withDescription("The long-lived local Neo4j."),
  Command.withSubcommands([neo4jStart, neo4jStop, neo4jStatus]),
)

const sandboxServe = Command.make(
  "serve",
  {
    port: Options.integer("port").pipe(Options.withDefault(8789)),
    host: Options.text("host").pipe(Options.withDefault(sandboxDefaults.host)),
    seed: Options.integer("seed").pipe(Options.withDefault(sandboxDefaults.seed)),
    tenants: Options.integer("tenants").pipe(Options.withDefault(sandboxDefaults.tenants)),
    usersPerTenant: Options.integer("users-per-tenant").pipe(Options.withDefault(sandboxDefaults.usersPerTenant)),
    noLimits: Options.boolean("no-limits").pipe(Options.withDescription("Answer no 429s.")),
    legacyUserEndpoints: Options.boolean("legacy-user-endpoints").pipe(
      Options.withDescription("Also serve GET/PATCH/DELETE /v1/users/{id}."),
    ),
    v1AdminField: Options.boolean("v1-admin-field"),
    v2Shape: Options.choice("v2-shape", ["current", "legacy"]).pipe(Options.withDefault("current" as const)),
  },
  (options) =>
    withGlobals(() => {
      const sandboxOptions: KeapSandboxOptions = {
        port: options.port,
        host: options.host,
        seed: options.seed,
        tenants: options.tenants,
        usersPerTenant: options.usersPerTenant,
        legacyUserEndpoints: options.legacyUserEndpoints,
        v1AdminField: options.v1AdminField,
        v2Shape: options.v2Shape,
        ...(options.noLimits ? { limits: "off" as const } : {}),
      }
      return Effect.gen(function* () {
        const sandbox = yield* KeapSandbox
        yield* Console.log(
          `Keap sandbox ready at ${sandbox.baseUrl} (seed ${options.seed}, tenants ${sandbox.tenants.map((t) => t.id).join(", ")}, ${options.usersPerTenant} users each; credentials at ${sandbox.baseUrl}/__sandbox/tenants)`,
        )
        return yield* Effect.never
      }).pipe(Effect.provide(Layer.fresh(KeapSandbox.layer(sandboxOptions))))
    }),
).pipe(Command.withDescription("Serve the Keap sandbox until stopped (same as pnpm sandbox)."))

const sandbox = Command.make("sandbox").pipe(
  Command.withDescription("The Keap sandbox: a faithful Keap API on loopback."),
  Command.withSubcommands([sandboxServe]),
)

// ---------------------------------------------------------------------------------------------------------------
// demo

/**
 * The demo's Neo4j: NEO4J_URI or a running local server as they are; otherwise the long-lived local server is
 * started, so the graph is still there to look at after the demo.
 */
const ensureDemoNeo4j = Effect.gen(function* () {
  const settings = yield* settingsFromEnv
  if (Option.isSome(settings.uri) || Option.isSome(readRunningServer())) return
  const port = settings.port === 0 ? 7687 : settings.port
  yield* Console.log(
    `No NEO4J_URI and no local Neo4j running: starting the local Neo4j on bolt://127.0.0.1:${port} ...`,
  )
  const { server } = yield* startLocalServer({
    port,
    heap: settings.heap,
    pageCacheMb: settings.pageCacheMb,
    password: settings.password,
  })
  yield* Console.log(
    `Local Neo4j started at ${server.uri} (data ${server.dataDirectory}). It keeps running after the demo so you can look at the graph; stop it with \`pnpm neo4j:stop\`.`,
  )
})

const demo = Command.make(
  "demo",
  {
    reviewOut: Options.text("review-out").pipe(
      Options.withDescription("Where to write the HTML review."),
      Options.withDefault("idgraph-review.html"),
    ),
  },
  ({ reviewOut }) =>
    withGlobals(({ json }) =>
      Effect.gen(function* () {
        yield* ensureDemoNeo4j
        yield* runDemo({
          directory: path.join(".idgraph", "demo"),
          reviewPath: reviewOut,
          progress: progressMode(json),
        }).pipe(
          Effect.provide(Layer.merge(IngestionLive, Layer.fresh(KeapSandbox.layer({ port: 0, seed: 42, tenants: 3 })))),
        )
        const running = readRunningServer()
        if (Option.isSome(running)) {
          yield* Console.log(`Neo4j keeps running at ${running.value.uri}; \`pnpm neo4j:stop\` stops it.`)
        }
      }),
    ),
).pipe(
  Command.withDescription(
    "Everything on one machine: local Neo4j + Keap sandbox (3 tenants), OAuth, ingest, an IdP export, identities and the review.",
  ),
)

// ---------------------------------------------------------------------------------------------------------------

/** The whole command tree. */
export const idgraphCommand = root.pipe(
  Command.withDescription(
    "idgraph: Keap users (and IdP exports) into a Neo4j identity graph; who is who, and the access review.",
  ),
  Command.withSubcommands([ingest, resolve, review, auth, keap, neo4jCommand, sandbox, demo]),
)
