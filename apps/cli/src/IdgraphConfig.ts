/**
 * The CLI's configuration: an optional `idgraph.config.json` (tenants, their auth kind, token store paths, Keap
 * URLs) plus the environment (`KEAP_CLIENT_ID`, `KEAP_CLIENT_SECRET`, `KEAP_API_KEY_<TENANT>`). Secrets come only
 * from the environment and become `Redacted` at once. Every problem is a `ConfigInvalid` naming the setting, raised
 * before any network call.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { DEFAULT_AUTHORIZE_URL, DEFAULT_BASE_URL, type KeapApiVersion, type KeapTenantConfig } from "@idgraph/keap"
import { Effect, Either, ParseResult, Redacted, Schema } from "effect"
import { ConfigInvalid } from "./CliErrors.js"

/** Where the config file is looked for when neither `--config` nor `IDGRAPH_CONFIG` names one. */
export const DEFAULT_CONFIG_FILE = "idgraph.config.json"

const TenantName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
  Schema.annotations({ description: "a tenant name: letters, digits, '.', '_' or '-', up to 128 characters" }),
)

/** One tenant as the config file describes it (no secrets: those come from the environment). */
export const TenantEntry = Schema.Struct({
  name: TenantName,
  auth: Schema.Literal("oauth", "apiKey"),
  /** OAuth token file; default `.idgraph/tokens/<name>.json`. */
  tokenStore: Schema.optional(Schema.String.pipe(Schema.minLength(1))),
  baseUrl: Schema.optional(Schema.String),
  authorizeUrl: Schema.optional(Schema.String),
  apiVersion: Schema.optional(Schema.Literal("v2", "v1")),
  /** Extra query parameters of the authorise URL (a sandbox picks its account with `tenant`). */
  authorizeParams: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  maxInFlight: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.positive())),
  limits: Schema.optional(
    Schema.Struct({
      perSecond: Schema.optional(Schema.Number.pipe(Schema.positive())),
      perMinute: Schema.optional(Schema.Number.pipe(Schema.positive())),
      perDay: Schema.optional(Schema.Number.pipe(Schema.positive())),
    }),
  ),
})
export type TenantEntry = typeof TenantEntry.Type

/** The config file. Every field is optional. */
export const ConfigFile = Schema.Struct({
  keap: Schema.optional(
    Schema.Struct({
      /** Keap's API base; default `https://api.infusionsoft.com`. */
      baseUrl: Schema.optional(Schema.String),
      authorizeUrl: Schema.optional(Schema.String),
      /** The redirect URI registered with the OAuth client; `auth keap login` listens on it when it is loopback. */
      redirectUri: Schema.optional(Schema.String),
      tenants: Schema.optional(Schema.Array(TenantEntry)),
    }),
  ),
  review: Schema.optional(
    Schema.Struct({
      authoritativeSystem: Schema.optional(Schema.String),
      staleDays: Schema.optional(Schema.Number.pipe(Schema.int(), Schema.nonNegative())),
    }),
  ),
})
export type ConfigFile = typeof ConfigFile.Type

/** The default redirect URI: a loopback port that `auth keap login` listens on. */
export const DEFAULT_REDIRECT_URI = "http://127.0.0.1:8976/callback"

/** A Keap tenant ready for the client, with what the CLI needs beside it. */
export interface ConfiguredTenant {
  readonly config: KeapTenantConfig
  readonly authorizeParams: Readonly<Record<string, string>>
}

/** The whole configuration after validation. */
export interface IdgraphConfig {
  /** The config file read, or null when none exists. */
  readonly file: string | null
  readonly tenants: ReadonlyArray<ConfiguredTenant>
  readonly review: { readonly authoritativeSystem: string | null; readonly staleDays: number | null }
}

/** The environment variable holding a tenant's API key: `KEAP_API_KEY_<NAME>`, upper case, other chars as `_`. */
export const apiKeyVariable = (tenant: string): string =>
  `KEAP_API_KEY_${tenant.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`

const checkUrl = (setting: string, value: string): Either.Either<string, ConfigInvalid> => {
  try {
    const url = new URL(value)
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme")
    return Either.right(value)
  } catch {
    return Either.left(new ConfigInvalid({ setting, expected: "an http(s) URL", found: JSON.stringify(value) }))
  }
}

const formatIssue = (error: ParseResult.ParseError): { readonly setting: string; readonly expected: string } => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const first = issues[0]
  if (first === undefined) return { setting: "config", expected: "valid" }
  const setting = first.path.reduce<string>(
    (acc, key) =>
      typeof key === "number" ? `${acc}[${key}]` : acc.length === 0 ? String(key) : `${acc}.${String(key)}`,
    "",
  )
  return { setting: setting.length === 0 ? "config" : setting, expected: first.message }
}

/** Parse and validate config-file text (pure; `file` names it in errors). */
export const parseConfigFile = (file: string, text: string): Either.Either<ConfigFile, ConfigInvalid> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return Either.left(
      new ConfigInvalid({
        setting: file,
        expected: "a JSON document",
        found: cause instanceof Error ? cause.message : "invalid JSON",
      }),
    )
  }
  return Either.mapLeft(Schema.decodeUnknownEither(ConfigFile, { onExcessProperty: "error" })(json), (error) => {
    const issue = formatIssue(error)
    return new ConfigInvalid({ setting: `${file}: ${issue.setting}`, expected: issue.expected })
  })
}

/** Environment as the configuration reads it. */
export type Environment = Readonly<Record<string, string | undefined>>

/**
 * The configuration from a parsed file and the environment (pure). Secrets are looked up only for the tenants
 * `wanted` (all when empty), so a missing key of a tenant not in use does not stop a run.
 */
export const resolveConfig = (
  file: string | null,
  parsed: ConfigFile,
  env: Environment,
  wanted: ReadonlyArray<string> = [],
): Either.Either<IdgraphConfig, ConfigInvalid> =>
  Either.gen(function* () {
    const keap = parsed.keap ?? {}
    const entries = keap.tenants ?? []
    const names = new Set<string>()
    for (const [index, entry] of entries.entries()) {
      if (names.has(entry.name)) {
        return yield* Either.left(
          new ConfigInvalid({
            setting: `keap.tenants[${index}].name`,
            expected: "unique among the tenants",
            found: JSON.stringify(entry.name),
          }),
        )
      }
      names.add(entry.name)
    }
    for (const name of wanted) {
      if (!names.has(name)) {
        return yield* Either.left(
          new ConfigInvalid({
            setting: "--tenant",
            expected: `one of the configured tenants (${[...names].join(", ") || "none configured"}) in ${file ?? DEFAULT_CONFIG_FILE}`,
            found: JSON.stringify(name),
          }),
        )
      }
    }
    const chosen = wanted.length === 0 ? entries : entries.filter((entry) => wanted.includes(entry.name))
    const baseUrl = yield* checkUrl("keap.baseUrl", keap.baseUrl ?? DEFAULT_BASE_URL)
    const authorizeUrl = yield* checkUrl("keap.authorizeUrl", keap.authorizeUrl ?? DEFAULT_AUTHORIZE_URL)
    const redirectUri = yield* checkUrl("keap.redirectUri", keap.redirectUri ?? DEFAULT_REDIRECT_URI)
    const tenants: Array<ConfiguredTenant> = []
    for (const entry of chosen) {
      const index = entries.indexOf(entry)
      const tenantBase = yield* checkUrl(`keap.tenants[${index}].baseUrl`, entry.baseUrl ?? baseUrl)
      const tenantAuthorize = yield* checkUrl(`keap.tenants[${index}].authorizeUrl`, entry.authorizeUrl ?? authorizeUrl)
      let auth: KeapTenantConfig["auth"]
      if (entry.auth === "oauth") {
        const clientId = env.KEAP_CLIENT_ID?.trim() ?? ""
        const clientSecret = env.KEAP_CLIENT_SECRET?.trim() ?? ""
        if (clientId.length === 0) {
          return yield* Either.left(
            new ConfigInvalid({
              setting: "KEAP_CLIENT_ID",
              expected: `set to the OAuth client id (tenant ${entry.name} uses OAuth)`,
            }),
          )
        }
        if (clientSecret.length === 0) {
          return yield* Either.left(
            new ConfigInvalid({
              setting: "KEAP_CLIENT_SECRET",
              expected: `set to the OAuth client secret (tenant ${entry.name} uses OAuth)`,
            }),
          )
        }
        auth = {
          _tag: "oauth",
          client: { clientId: Redacted.make(clientId), clientSecret: Redacted.make(clientSecret), redirectUri },
          tokenStorePath: path.resolve(entry.tokenStore ?? path.join(".idgraph", "tokens", `${entry.name}.json`)),
        }
      } else {
        const variable = apiKeyVariable(entry.name)
        const key = env[variable]?.trim() ?? ""
        if (key.length === 0) {
          return yield* Either.left(
            new ConfigInvalid({
              setting: variable,
              expected: `set to the Personal Access Token or Service Account Key of tenant ${entry.name}`,
            }),
          )
        }
        auth = { _tag: "apiKey", apiKey: Redacted.make(key) }
      }
      const apiVersion: KeapApiVersion | undefined = entry.apiVersion
      tenants.push({
        config: {
          name: entry.name,
          auth,
          baseUrl: tenantBase,
          authorizeUrl: tenantAuthorize,
          ...(apiVersion === undefined ? {} : { apiVersion }),
          ...(entry.maxInFlight === undefined ? {} : { maxInFlight: entry.maxInFlight }),
          ...(entry.limits === undefined ? {} : { limits: entry.limits }),
        },
        authorizeParams: entry.authorizeParams ?? {},
      })
    }
    return {
      file,
      tenants,
      review: {
        authoritativeSystem: parsed.review?.authoritativeSystem ?? null,
        staleDays: parsed.review?.staleDays ?? null,
      },
    }
  })

/** Which config file to read: `--config`, else `IDGRAPH_CONFIG`, else `./idgraph.config.json` when it exists. */
export const configFilePath = (flag: string | undefined, env: Environment): { path: string; explicit: boolean } => {
  if (flag !== undefined && flag.length > 0) return { path: path.resolve(flag), explicit: true }
  const fromEnv = env.IDGRAPH_CONFIG?.trim()
  if (fromEnv !== undefined && fromEnv.length > 0) return { path: path.resolve(fromEnv), explicit: true }
  return { path: path.resolve(DEFAULT_CONFIG_FILE), explicit: false }
}

/** Reads and validates the configuration. A named file that does not exist is an error; the default may be absent. */
export const loadConfig = (options: {
  readonly configFlag?: string | undefined
  readonly tenants?: ReadonlyArray<string>
  readonly env?: Environment
}): Effect.Effect<IdgraphConfig, ConfigInvalid> =>
  Effect.suspend(() => {
    const env = options.env ?? process.env
    const where = configFilePath(options.configFlag, env)
    let text: string | null = null
    try {
      text = fs.readFileSync(where.path, "utf8")
    } catch (cause) {
      const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "error"
      if (code !== "ENOENT" || where.explicit) {
        return Effect.fail(
          new ConfigInvalid({
            setting: where.explicit ? "--config / IDGRAPH_CONFIG" : DEFAULT_CONFIG_FILE,
            expected: "a readable JSON file",
            found: `${where.path}: ${code}`,
          }),
        )
      }
    }
    const parsed = text === null ? Either.right<ConfigFile>({}) : parseConfigFile(where.path, text)
    return Either.match(
      Either.flatMap(parsed, (file) => resolveConfig(text === null ? null : where.path, file, env, options.tenants)),
      { onLeft: Effect.fail, onRight: Effect.succeed },
    )
  })
