/**
 * The OAuth token file of one tenant: read, and replaced atomically (write a sibling temp file with mode 0600, fsync,
 * rename over the old one, fsync the directory). A crash at any point leaves either the old file or the new one,
 * never a half-written one; Keap's refresh tokens rotate, so losing the new one would lock the integration out.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Data, Effect, Either, ParseResult, type Redacted, Schema } from "effect"

/** What the token file holds. Tokens are `Redacted` in memory; on disk they are plain, protected by mode 0600. */
export const StoredTokens = Schema.Struct({
  version: Schema.Literal(1),
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.Redacted(Schema.String),
  /** When the access token expires, epoch milliseconds. */
  expiresAt: Schema.Number,
  /** When these tokens were obtained, epoch milliseconds. */
  obtainedAt: Schema.Number,
  scope: Schema.optional(Schema.String),
})
export type StoredTokens = typeof StoredTokens.Type

/** The token file could not be read or written. `detail` names the file operation, never a token. */
export class TokenStoreError extends Data.TaggedError("TokenStoreError")<{
  readonly path: string
  readonly operation: "read" | "write" | "decode"
  readonly detail: string
}> {
  override get message(): string {
    return `token store ${this.path}: ${this.operation} failed (${this.detail})`
  }
}

const StoredTokensJson = Schema.parseJson(StoredTokens)
const decodeFile = Schema.decodeUnknownEither(StoredTokensJson)
const encodeFile = Schema.encodeSync(StoredTokensJson)

const errnoOf = (cause: unknown): string =>
  typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : "error"

/** Read the token file; `null` when it does not exist. A file that exists but does not decode is an error. */
export const readTokens = (file: string): Effect.Effect<StoredTokens | null, TokenStoreError> =>
  Effect.tryPromise({
    try: () => fs.readFile(file, "utf8"),
    catch: (cause) => cause,
  }).pipe(
    Effect.map((text): string | null => text),
    Effect.catchAll((cause) =>
      errnoOf(cause) === "ENOENT"
        ? Effect.succeed(null)
        : Effect.fail(new TokenStoreError({ path: file, operation: "read", detail: errnoOf(cause) })),
    ),
    Effect.flatMap((text) => {
      if (text === null) return Effect.succeed(null)
      return Either.match(decodeFile(text), {
        onLeft: (error) =>
          Effect.fail(
            new TokenStoreError({
              path: file,
              operation: "decode",
              // The formatter shows paths and expectations; the file's values could be tokens, so only the first line.
              detail: ParseResult.TreeFormatter.formatErrorSync(error).split("\n")[0] ?? "invalid",
            }),
          ),
        onRight: (tokens) => Effect.succeed(tokens),
      })
    }),
  )

/**
 * Replace the token file atomically with mode 0600. Resolves only once the new file is durable, so a caller may use
 * the new access token afterwards knowing the rotated refresh token survives a crash.
 */
export const writeTokens = (file: string, tokens: StoredTokens): Effect.Effect<void, TokenStoreError> =>
  Effect.tryPromise({
    try: async () => {
      const directory = path.dirname(file)
      await fs.mkdir(directory, { recursive: true, mode: 0o700 })
      const temp = path.join(directory, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`)
      const handle = await fs.open(temp, "wx", 0o600)
      try {
        await handle.writeFile(encodeFile(tokens), "utf8")
        await handle.sync()
      } finally {
        await handle.close()
      }
      try {
        // The mode of `open` is filtered by the umask; make 0600 certain before the file takes the real name.
        await fs.chmod(temp, 0o600)
        await fs.rename(temp, file)
      } catch (cause) {
        await fs.rm(temp, { force: true })
        throw cause
      }
      const dir = await fs.open(directory, "r")
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    },
    catch: (cause) => new TokenStoreError({ path: file, operation: "write", detail: errnoOf(cause) }),
  })

/** Stored tokens from a token endpoint answer, stamped with the time they were obtained. */
export const storedTokensFrom = (
  answer: {
    readonly access_token: Redacted.Redacted<string>
    readonly refresh_token: Redacted.Redacted<string>
    readonly expires_in: number
    readonly scope?: string | undefined
  },
  now: number,
): StoredTokens => ({
  version: 1,
  accessToken: answer.access_token,
  refreshToken: answer.refresh_token,
  expiresAt: now + answer.expires_in * 1000,
  obtainedAt: now,
  ...(answer.scope === undefined ? {} : { scope: answer.scope }),
})
