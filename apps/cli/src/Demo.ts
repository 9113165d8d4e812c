/**
 * `idgraph demo`: the whole product on one machine with nothing configured. A Keap sandbox (3 tenants, seed 42) runs
 * in-process; each tenant is authorised through the real OAuth flow over HTTP; every tenant is ingested; an IdP
 * export made from the same seed is loaded as a second system; then the graph's counts, an example person and the
 * access review are printed and the HTML review is written. Tenants are named after the sandbox's fixed app ids, so
 * a second run converges on the same graph instead of adding to it.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { IdentityGraph } from "@idgraph/graph"
import type { KeapAuth } from "@idgraph/keap"
import { type Dataset, KeapSandbox } from "@idgraph/keap-sandbox"
import { Console, Effect, Redacted } from "effect"
import { login, openByFetching } from "./AuthFlow.js"
import { FileError } from "./CliErrors.js"
import type { ConfiguredTenant } from "./IdgraphConfig.js"
import { Ingestion } from "./Ingestion.js"
import { makeProgressBoard, type ProgressMode } from "./Progress.js"
import { renderTextTable } from "./render/Format.js"
import { resolutionAsText } from "./render/ResolutionRender.js"
import { reviewAsHtml, reviewCounts, reviewSections } from "./render/ReviewRender.js"
import { summaryAsText } from "./render/SummaryRender.js"

/** Where the demo keeps its files. */
export interface DemoOptions {
  /** Token stores and the IdP export go here (default `.idgraph/demo`). */
  readonly directory: string
  /** The HTML review (default `idgraph-review.html`). */
  readonly reviewPath: string
  readonly progress: ProgressMode
}

/** The IdP system and tenant the demo's export is loaded as. */
export const DEMO_IDP = { system: "okta", tenant: "acme-idp" } as const

/** How many findings of each kind the terminal shows; the HTML page has them all. */
const SHOWN_PER_SECTION = 5

/**
 * The IdP export of a dataset as JSONL lines (pure): everyone who still works here, including people with no Keap
 * account, and none of the leavers, whose Keap accounts are then the orphans a review must find.
 */
export const idpExportLines = (dataset: Dataset): ReadonlyArray<string> =>
  dataset.people
    .filter((person) => !person.leaver)
    .map((person) =>
      JSON.stringify({
        id: person.id,
        email: person.primaryEmail,
        given_name: person.givenName,
        family_name: person.familyName,
        status: "active",
        identifiers: { employee_id: person.id },
      }),
    )

const writeFile = (file: string, content: string) =>
  Effect.try({
    try: () => {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
    },
    catch: (cause) => new FileError({ path: file, operation: "write", detail: String(cause) }),
  })

/** The sandbox's tenants as OAuth tenants of the CLI, token stores under the demo directory. */
const demoTenants = (sandbox: KeapSandbox["Type"], directory: string): ReadonlyArray<ConfiguredTenant> =>
  sandbox.tenants.map((tenant) => ({
    config: {
      name: tenant.id,
      baseUrl: sandbox.baseUrl,
      authorizeUrl: sandbox.authorizeUrl,
      auth: {
        _tag: "oauth",
        client: {
          clientId: Redacted.make(sandbox.oauthClient.clientId),
          clientSecret: Redacted.make(sandbox.oauthClient.clientSecret),
          // Port 0: the login listens on a free loopback port and uses that as the redirect URI.
          redirectUri: "http://127.0.0.1:0/callback",
        },
        tokenStorePath: path.join(directory, "tokens", `${tenant.id}.json`),
      },
    },
    // The sandbox's authorise page approves at once; `tenant` picks the account, as logging in to it would.
    authorizeParams: { tenant: tenant.id },
  }))

/** Runs the demo. */
export const runDemo = (
  options: DemoOptions,
): Effect.Effect<void, unknown, KeapSandbox | KeapAuth | Ingestion | IdentityGraph> =>
  Effect.gen(function* () {
    const sandbox = yield* KeapSandbox
    const graph = yield* IdentityGraph
    const ingestion = yield* Ingestion
    const directory = path.resolve(options.directory)
    yield* Console.log(
      `Keap sandbox at ${sandbox.baseUrl}: ${sandbox.tenants.length} tenants (${sandbox.tenants.map((t) => t.id).join(", ")}), seed ${sandbox.dataset.seed}`,
    )

    const tenants = demoTenants(sandbox, directory)
    for (const tenant of tenants) {
      const status = yield* login(tenant, openByFetching)
      yield* Console.log(
        `Authorised keap:${tenant.config.name} through OAuth (token store ${status.tokenStorePath}, access token expires ${status.expiresAt === null ? "?" : new Date(status.expiresAt).toISOString()})`,
      )
    }

    const keapRun = yield* Effect.scoped(
      Effect.flatMap(makeProgressBoard(options.progress), (board) =>
        ingestion.keapTenants({ tenants, dryRun: false, allowMassRemoval: false }, board),
      ),
    )
    const exportFile = path.join(directory, "idp-export.jsonl")
    const lines = idpExportLines(sandbox.dataset)
    yield* writeFile(exportFile, `${lines.join("\n")}\n`)
    yield* Console.log(`Wrote the IdP export (${lines.length} people, leavers left out) to ${exportFile}`)
    const fileRun = yield* ingestion.accountsFile({
      path: exportFile,
      system: DEMO_IDP.system,
      tenant: DEMO_IDP.tenant,
      dryRun: false,
      allowMassRemoval: false,
    })
    const runs = { ...keapRun.summary, tenants: [...keapRun.summary.tenants, ...fileRun.summary.tenants] }
    yield* Console.log(`\n${summaryAsText(runs)}`)
    if (keapRun.failure !== null) return yield* keapRun.failure
    if (fileRun.failure !== null) return yield* fileRun.failure

    const counts = yield* graph.summary()
    yield* Console.log(
      `\nWhat the graph now knows\n${renderTextTable({
        headers: ["", "Count"],
        rows: [
          ["Tenants", String(counts.tenants)],
          ["Accounts", String(counts.accounts)],
          ["Active accounts", String(counts.activeAccounts)],
          ["Identities (people)", String(counts.identities)],
          ["People in several tenants (any system)", String(counts.peopleInSeveralTenants)],
          ["People in several systems", String(counts.peopleInSeveralSystems)],
          ["Shared identifiers", String(counts.sharedIdentifiers)],
        ],
      })}`,
    )

    // An example person with accounts in several tenants: what `idgraph resolve` answers.
    const example = sandbox.dataset.people.find(
      (person) => new Set(person.accounts.map((account) => account.tenantId)).size > 1 && !person.leaver,
    )
    if (example !== undefined) {
      yield* Console.log(`\nWho is ${example.primaryEmail}? (idgraph resolve ${example.primaryEmail})`)
      yield* Console.log(resolutionAsText(yield* graph.resolve(example.primaryEmail)))
    }

    const review = yield* graph.review({ authoritativeSystem: DEMO_IDP.system })
    yield* Console.log(
      `\nAccess review (idgraph review --authoritative ${DEMO_IDP.system})\n${renderTextTable({
        headers: ["Finding", "Count"],
        rows: reviewCounts(review).map((count) => [count.title, String(count.count)]),
      })}`,
    )
    for (const section of reviewSections(review)) {
      if (section.findings.length === 0) continue
      const shown = section.findings.slice(0, SHOWN_PER_SECTION)
      yield* Console.log(
        `\n${section.title}${section.findings.length > shown.length ? ` (first ${shown.length} of ${section.findings.length})` : ""}\n${renderTextTable(
          {
            headers: ["Account", "E-mail", "Status", "Identity", "Why"],
            rows: shown.map((finding) => [
              finding.account.uid,
              finding.account.email ?? "-",
              finding.account.status,
              finding.identity?.displayName ?? "-",
              finding.detail,
            ]),
          },
        )}`,
      )
    }
    const reviewPath = path.resolve(options.reviewPath)
    yield* writeFile(reviewPath, reviewAsHtml(review))
    yield* Console.log(`\nThe HTML review is at ${reviewPath} (open it in a browser; it works offline and prints).`)
  })
