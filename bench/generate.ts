/**
 * Deterministic accounts for the load benchmarks: Keap users over several tenants, where one person often has
 * accounts in several tenants (same global user id, e-mail differently cased), a few shared mailboxes, and a
 * directory (IdP) tenant that links most of them.
 */
import { type AccountRecord, canonicalEmail, standardIdentifiers } from "@idgraph/identity"
import { Option } from "effect"

/** A small fast PRNG (mulberry32): the same seed gives the same accounts on every machine. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const GIVEN = ["Ana", "Bruno", "Chloé", "Dmitri", "Eve", "Farah", "Gustav", "Hana", "Ivan", "Jürgen", "Kenji", "Lena"]
const FAMILY = ["Lopez", "Müller", "Nakamura", "O'Brien", "Petrova", "Quinn", "Rossi", "Søren", "Tanaka", "Usman"]
const STATUSES = ["Active", "Active", "Active", "Active", "Active", "Invited", "Inactive"] as const

/** `count` Keap accounts over `tenants` tenants, deterministic for a seed. Returned sorted by tenant. */
export const generateAccounts = (count: number, options: { seed?: number; tenants?: number } = {}) => {
  const random = prng(options.seed ?? 42)
  const tenants = Array.from({ length: options.tenants ?? 5 }, (_, index) => `bench${index}`)
  const byTenant = new Map<string, Array<AccountRecord>>(tenants.map((tenant) => [tenant, []]))
  let person = 0
  let produced = 0
  while (produced < count) {
    person++
    const given = GIVEN[Math.floor(random() * GIVEN.length)]!
    const family = FAMILY[Math.floor(random() * FAMILY.length)]!
    const shared = random() < 0.01
    const email = shared ? `sales${person % 7}@shared.example` : `${given}.${family}.${person}@example.com`
    // Most people have one account; some have two or three in different tenants.
    const accountsOfPerson = random() < 0.7 ? 1 : random() < 0.7 ? 2 : 3
    const start = Math.floor(random() * tenants.length)
    for (let k = 0; k < accountsOfPerson && produced < count; k++) {
      const tenant = tenants[(start + k) % tenants.length]!
      const rawEmail = k === 1 ? ` ${email.toUpperCase()}` : email
      const canonical = Option.getOrNull(canonicalEmail(rawEmail))
      const id = String(100000 + produced)
      const globalUserId = String(5_000_000 + person)
      const status = STATUSES[Math.floor(random() * STATUSES.length)]!
      const created = new Date(Date.UTC(2016 + Math.floor(random() * 10), Math.floor(random() * 12), 1)).toISOString()
      byTenant.get(tenant)!.push({
        system: "keap",
        tenant,
        externalId: id,
        email: canonical,
        emailRaw: rawEmail,
        givenName: given,
        familyName: family,
        admin: random() < 0.03,
        partner: random() < 0.05,
        status: status === "Active" ? "active" : status === "Invited" ? "invited" : "inactive",
        statusRaw: status,
        createdAt: created,
        updatedAt: created,
        globalUserId,
        infusionsoftId: `${tenant}-${id}`,
        identifiers: standardIdentifiers({ email: canonical, globalUserId, infusionsoftId: `${tenant}-${id}` }),
      })
      produced++
    }
  }
  return byTenant
}
