/**
 * The generic accounts file: a second source, so the graph links across SaaS for real. One account a line, as CSV
 * (with a header) or JSONL. This is how an IdP or HR export (Okta, Google Workspace, BambooHR, ...) enters the graph
 * until a dedicated source exists. Lines are validated one by one; every error names its line.
 *
 * Fields (CSV header names; JSONL accepts the same names or camelCase): `system`, `tenant`, `id` (required),
 * `email`, `given_name`, `family_name`, `status`, `admin`, `partner`, `created_at`, `global_user_id`,
 * `identifiers` (extra identifiers: CSV `kind:value;kind:value`, JSONL `[{"kind","value"}]` or `{"kind": "value"}`).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as readline from "node:readline"
import {
  AccountRecord,
  canonicalEmail,
  type Identifier,
  IdentifierKind,
  normaliseStatus,
  standardIdentifiers,
} from "@idgraph/identity"
import { Data, Effect, Either, Option, ParseResult, Schema, Stream } from "effect"

/** A line (or the whole file, when `line` is null) that cannot become an account. */
export class AccountsFileError extends Data.TaggedError("AccountsFileError")<{
  readonly path: string
  /** 1-based line number, or null for the file as a whole. */
  readonly line: number | null
  readonly reason: string
}> {
  override get message() {
    return this.line === null ? `${this.path}: ${this.reason}` : `${this.path}:${this.line}: ${this.reason}`
  }
}

/** How to read a file. `system` and `tenant` fill lines that lack them, and lines that name others are errors. */
export interface AccountsFileOptions {
  readonly system?: string
  readonly tenant?: string
  /** Default: from the extension (`.csv`, else JSONL). */
  readonly format?: "csv" | "jsonl"
}

/** What `check` found. */
export interface AccountsFileCheck {
  readonly records: number
  /** Distinct `<system>:<tenant>` of the valid lines. */
  readonly tenants: ReadonlyArray<string>
  readonly errors: ReadonlyArray<AccountsFileError>
}

const FIELDS = [
  "system",
  "tenant",
  "id",
  "email",
  "given_name",
  "family_name",
  "status",
  "admin",
  "partner",
  "created_at",
  "global_user_id",
  "identifiers",
] as const
type Field = (typeof FIELDS)[number]

const fieldName = (name: string): Field | undefined => {
  const snake = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
  return (FIELDS as ReadonlyArray<string>).includes(snake) ? (snake as Field) : undefined
}

/** Splits one CSV line (RFC 4180 quoting, `""` for a quote inside quotes). */
export const splitCsvLine = (line: string): Either.Either<Array<string>, string> => {
  const cells: Array<string> = []
  let cell = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"' && cell.length === 0) quoted = true
    else if (char === ",") {
      cells.push(cell)
      cell = ""
    } else cell += char
  }
  if (quoted) return Either.left("a quoted field is not closed (fields cannot span lines)")
  cells.push(cell)
  return Either.right(cells)
}

type RawValue = string | boolean | null | ReadonlyArray<unknown> | Record<string, unknown> | number

const text = (value: RawValue | undefined, field: string): Either.Either<string | null, string> => {
  if (value === undefined || value === null) return Either.right(null)
  if (typeof value === "number") return Either.right(String(value))
  if (typeof value !== "string") return Either.left(`${field} must be text`)
  const trimmed = value.trim()
  return Either.right(trimmed.length === 0 ? null : trimmed)
}

const flag = (value: RawValue | undefined, field: string): Either.Either<boolean | null, string> => {
  if (value === undefined || value === null || value === "") return Either.right(null)
  if (typeof value === "boolean") return Either.right(value)
  const word = String(value).trim().toLowerCase()
  if (["true", "yes", "y", "1"].includes(word)) return Either.right(true)
  if (["false", "no", "n", "0"].includes(word)) return Either.right(false)
  return Either.left(`${field} must be true/false, yes/no or 1/0, not ${JSON.stringify(value)}`)
}

const extraIdentifiers = (value: RawValue | undefined): Either.Either<Array<Identifier>, string> => {
  if (value === undefined || value === null || value === "") return Either.right([])
  let pairs: Array<[string, unknown]>
  if (typeof value === "string") {
    pairs = []
    for (const part of value.split(";")) {
      if (part.trim().length === 0) continue
      const colon = part.indexOf(":")
      if (colon <= 0) return Either.left(`identifier ${JSON.stringify(part.trim())} is not kind:value`)
      pairs.push([part.slice(0, colon).trim(), part.slice(colon + 1).trim()])
    }
  } else if (Array.isArray(value)) {
    pairs = value.map((item) =>
      typeof item === "object" && item !== null
        ? [String((item as Identifier).kind), (item as Identifier).value]
        : ["", item],
    )
  } else if (typeof value === "object") pairs = Object.entries(value)
  else return Either.left("identifiers must be kind:value pairs")
  const identifiers: Array<Identifier> = []
  for (const [kind, raw] of pairs) {
    if (!Schema.is(IdentifierKind)(kind)) {
      return Either.left(`identifier kind ${JSON.stringify(kind)} must be lower snake case (employee_id, okta_id, ...)`)
    }
    if (typeof raw !== "string" && typeof raw !== "number") return Either.left(`identifier ${kind} has no value`)
    const valueText = String(raw).trim()
    if (valueText.length === 0) return Either.left(`identifier ${kind} has an empty value`)
    if (kind === "email") {
      const email = canonicalEmail(valueText)
      if (Option.isNone(email))
        return Either.left(`identifier email ${JSON.stringify(valueText)} is not an e-mail address`)
      identifiers.push({ kind, value: email.value })
    } else identifiers.push({ kind, value: valueText })
  }
  return Either.right(identifiers)
}

/** One line's fields -> an AccountRecord, or why not. Pure. */
export const toAccountRecord = (
  fields: Partial<Record<Field, RawValue>>,
  options: Pick<AccountsFileOptions, "system" | "tenant">,
): Either.Either<AccountRecord, string> =>
  Either.gen(function* () {
    const system = (yield* text(fields.system, "system")) ?? options.system ?? null
    const tenant = (yield* text(fields.tenant, "tenant")) ?? options.tenant ?? null
    if (system === null) return yield* Either.left("no system: give a system column or --system")
    if (tenant === null) return yield* Either.left("no tenant: give a tenant column or --tenant")
    if (options.system !== undefined && system !== options.system) {
      return yield* Either.left(
        `system ${JSON.stringify(system)} differs from the file's system ${JSON.stringify(options.system)}`,
      )
    }
    if (options.tenant !== undefined && tenant !== options.tenant) {
      return yield* Either.left(
        `tenant ${JSON.stringify(tenant)} differs from the file's tenant ${JSON.stringify(options.tenant)}`,
      )
    }
    const id = yield* text(fields.id, "id")
    if (id === null) return yield* Either.left("id is missing")
    const emailRaw = yield* text(fields.email, "email")
    const email = emailRaw === null ? Option.none<string>() : canonicalEmail(emailRaw)
    if (emailRaw !== null && Option.isNone(email)) {
      return yield* Either.left(`email ${JSON.stringify(emailRaw)} is not an e-mail address`)
    }
    const statusRaw = yield* text(fields.status, "status")
    const globalUserId = yield* text(fields.global_user_id, "global_user_id")
    const extra = yield* extraIdentifiers(fields.identifiers)
    const candidate = {
      system,
      tenant,
      externalId: id,
      email: Option.getOrNull(email),
      emailRaw,
      givenName: yield* text(fields.given_name, "given_name"),
      familyName: yield* text(fields.family_name, "family_name"),
      admin: yield* flag(fields.admin, "admin"),
      partner: yield* flag(fields.partner, "partner"),
      // A line in an export is an account that exists; without a status it is taken as active.
      status: statusRaw === null ? "active" : normaliseStatus(statusRaw),
      statusRaw,
      createdAt: yield* text(fields.created_at, "created_at"),
      updatedAt: null,
      globalUserId,
      infusionsoftId: null,
      identifiers: standardIdentifiers({ email: Option.getOrNull(email), globalUserId, extra }),
    }
    return yield* Schema.decodeUnknownEither(AccountRecord)(candidate).pipe(
      Either.mapLeft((error) => ParseResult.TreeFormatter.formatErrorSync(error)),
    )
  })

const formatOf = (path: string, options: AccountsFileOptions) =>
  options.format ?? (path.toLowerCase().endsWith(".csv") ? "csv" : "jsonl")

/**
 * Every line of the file as an account or a line error, streamed (the file is never held in memory whole).
 * Repeated `<system>:<tenant>:<id>` is an error on the later line.
 */
export const parse = (
  path: string,
  options: AccountsFileOptions = {},
): Stream.Stream<Either.Either<AccountRecord, AccountsFileError>, AccountsFileError> => {
  const format = formatOf(path, options)
  return Stream.suspend(() => {
    // Created only when the stream runs: readline emits lines as soon as it exists, and lines emitted before
    // the iterator is taken are lost (the run opens its lease first).
    const lines = Stream.fromAsyncIterable(
      readline.createInterface({
        input: fs.createReadStream(path, { encoding: "utf8" }),
        crlfDelay: Number.POSITIVE_INFINITY,
      }),
      (error) =>
        new AccountsFileError({
          path,
          line: null,
          reason: `cannot read the file: ${String((error as Error).message ?? error)}`,
        }),
    )
    let header: Array<Field> | null = null
    const seen = new Set<string>()
    const fail = (line: number, reason: string) => Either.left(new AccountsFileError({ path, line, reason }))
    return lines.pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(
        ([raw, index]): Effect.Effect<
          Option.Option<Either.Either<AccountRecord, AccountsFileError>>,
          AccountsFileError
        > =>
          Effect.gen(function* () {
            const lineNumber = index + 1
            const line = index === 0 ? raw.replace(/^\uFEFF/, "") : raw
            if (line.trim().length === 0) return Option.none()
            let fields: Partial<Record<Field, RawValue>>
            if (format === "csv") {
              const cells = splitCsvLine(line)
              if (Either.isLeft(cells)) return Option.some(fail(lineNumber, cells.left))
              if (header === null) {
                const names = cells.right.map((cell) => [cell, fieldName(cell)] as const)
                const unknown = names.filter(([, field]) => field === undefined).map(([cell]) => cell)
                if (unknown.length > 0) {
                  return yield* new AccountsFileError({
                    path,
                    line: lineNumber,
                    reason: `unknown column(s) ${unknown.map((name) => JSON.stringify(name)).join(", ")}; known: ${FIELDS.join(", ")}`,
                  })
                }
                if (!names.some(([, field]) => field === "id")) {
                  return yield* new AccountsFileError({ path, line: lineNumber, reason: "the header has no id column" })
                }
                header = names.map(([, field]) => field!)
                return Option.none()
              }
              if (cells.right.length !== header.length) {
                return Option.some(
                  fail(lineNumber, `${cells.right.length} fields where the header has ${header.length}`),
                )
              }
              fields = {}
              header.forEach((field, column) => {
                fields[field] = cells.right[column]!
              })
            } else {
              let parsed: unknown
              try {
                parsed = JSON.parse(line)
              } catch (error) {
                return Option.some(fail(lineNumber, `not JSON: ${(error as Error).message}`))
              }
              if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
                return Option.some(fail(lineNumber, "a line must be one JSON object"))
              }
              fields = {}
              for (const [key, value] of Object.entries(parsed)) {
                const field = fieldName(key)
                if (field === undefined) {
                  return Option.some(
                    fail(lineNumber, `unknown field ${JSON.stringify(key)}; known: ${FIELDS.join(", ")}`),
                  )
                }
                fields[field] = value as RawValue
              }
            }
            const record = toAccountRecord(fields, options)
            if (Either.isLeft(record)) return Option.some(fail(lineNumber, record.left))
            const key = `${record.right.system}:${record.right.tenant}:${record.right.externalId}`
            if (seen.has(key)) return Option.some(fail(lineNumber, `account ${key} appears twice`))
            seen.add(key)
            return Option.some(Either.right(record.right))
          }),
      ),
      Stream.filterMap((item) => item),
    )
  })
}

/** The accounts of the file; fails at the first invalid line (so a run over it never completes and removes nothing). */
export const read = (
  path: string,
  options: AccountsFileOptions = {},
): Stream.Stream<AccountRecord, AccountsFileError> => parse(path, options).pipe(Stream.mapEffect((item) => item))

/** Validates the whole file without loading it: counts, tenants and every line error (up to `maxErrors`). */
export const check = (
  path: string,
  options: AccountsFileOptions & { readonly maxErrors?: number } = {},
): Effect.Effect<AccountsFileCheck, AccountsFileError> =>
  Effect.gen(function* () {
    const maxErrors = options.maxErrors ?? 100
    const tenants = new Set<string>()
    const errors: Array<AccountsFileError> = []
    let records = 0
    yield* parse(path, options).pipe(
      Stream.runForEach((item) =>
        Effect.sync(() => {
          if (Either.isRight(item)) {
            records++
            tenants.add(`${item.right.system}:${item.right.tenant}`)
          } else if (errors.length < maxErrors) errors.push(item.left)
        }),
      ),
    )
    return { records, tenants: [...tenants].sort(), errors }
  })
