/**
 * The sandbox's seed data: Keap tenants full of users, and the people behind those users.
 *
 * `generateDataset` is pure and deterministic: one seed gives the same tenants, users, ids and dates everywhere.
 * Tenant ids do not depend on the seed (tenant `n` always has the same id), so default credentials stay stable.
 *
 * @since 0.1.0
 */
import {
  companyNames,
  familyNames,
  givenNames,
  jobTitles,
  middleNames,
  type Name,
  partnerDomains,
  personalDomains,
  sharedMailboxes,
  staffDomain,
  timeZones,
} from "./internal/names.js"
import { makePrng, type Prng } from "./internal/prng.js"

/** A user's status as the sandbox stores it (v1 spelling; v2 renders `ACTIVE`, ...). */
export type SandboxUserStatus = "Active" | "Invited" | "Inactive" | "NotAUser"

/** One Keap user of one tenant, as seeded. */
export interface SeedUser {
  /** The per-tenant user id (v1 `id`, v2 `id` as a string). */
  readonly id: number
  /** Keap's cross-tenant user id (v1 int64, v2 string). */
  readonly globalUserId: number
  /** v1 `infusionsoft_id` / v2 `keap_id`: per tenant. */
  readonly keapId: string
  readonly givenName: string
  readonly familyName: string
  readonly middleName: string | null
  readonly preferredName: string | null
  /** The address exactly as Keap holds it: sometimes differently cased or padded with spaces. */
  readonly email: string
  readonly status: SandboxUserStatus
  readonly admin: boolean
  readonly partner: boolean
  readonly jobTitle: string | null
  readonly companyName: string
  readonly timeZone: string
  readonly phone: string | null
  /** ISO-8601 instants. */
  readonly createdAt: string
  readonly updatedAt: string
  readonly createdBy: number
  readonly updatedBy: number
  /** The person behind the account (see `Dataset.people`). */
  readonly personId: string
}

/** One Keap account (an "app", the tenant) of the sandbox. */
export interface SeedTenant {
  /** The app name, e.g. `kd482`: Keap's tenant id, also in `scope` (`full|kd482.infusionsoft.com`). */
  readonly id: string
  readonly name: string
  /** How many users may be Active or Invited at once; `POST /v1/users` fails beyond it. */
  readonly seatLimit: number
  /** Users in id order. */
  readonly users: ReadonlyArray<SeedUser>
}

/** One of a person's Keap accounts. */
export interface PersonAccount {
  readonly tenantId: string
  readonly userId: number
  readonly globalUserId: number
  /** The address as this tenant holds it (raw: casing and padding preserved). */
  readonly email: string
  readonly status: SandboxUserStatus
  readonly admin: boolean
  readonly partner: boolean
  /** Whether this account uses a shared mailbox rather than the person's own address. */
  readonly sharedMailbox: boolean
}

/** A human being: the ground truth behind the accounts, for building an IdP export and checking resolution. */
export interface Person {
  /** Stable id within the dataset, `p000001`... */
  readonly id: string
  readonly givenName: string
  readonly familyName: string
  readonly displayName: string
  /** The person's own address, canonical (trimmed, lower case). */
  readonly primaryEmail: string
  /** Every address the person uses across tenants, canonical, primary first. */
  readonly emails: ReadonlyArray<string>
  /** `staff` work for the organisation; `partner` are outside agencies with partner users. */
  readonly kind: "staff" | "partner"
  /** Left the organisation; their Keap accounts were often never deactivated. */
  readonly leaver: boolean
  /** Keap accounts; empty for people with no Keap account at all. */
  readonly accounts: ReadonlyArray<PersonAccount>
}

/** A mailbox used by several users of one tenant. */
export interface SharedMailbox {
  readonly tenantId: string
  /** Canonical address. */
  readonly email: string
  readonly userIds: ReadonlyArray<number>
}

/** Everything `generateDataset` produces. */
export interface Dataset {
  readonly seed: number
  readonly tenants: ReadonlyArray<SeedTenant>
  readonly people: ReadonlyArray<Person>
  readonly sharedMailboxes: ReadonlyArray<SharedMailbox>
}

/** The earliest seed creation date (fixed, so datasets do not depend on when they are made). */
export const DATASET_START = Date.UTC(2014, 0, 1)
/** The latest seed creation or update date. */
export const DATASET_END = Date.UTC(2026, 10, 1)
const DAY_MS = 86_400_000

const LETTERS = "abcdefghijklmnopqrstuvwxyz"

/** The app name of tenant `index` (0-based): two letters and three digits, independent of the seed. */
export const tenantIdOf = (index: number): string => {
  const first = LETTERS[(index * 7 + 10) % 26]!
  const second = LETTERS[(Math.floor(index / 26) * 5 + index * 3 + 3) % 26]!
  const digits = 100 + ((index * 379 + 482) % 900)
  return `${first}${second}${digits}`
}

/** The display name of tenant `index`. */
export const tenantNameOf = (index: number): string => {
  const base = companyNames[index % companyNames.length]!
  const round = Math.floor(index / companyNames.length)
  return round === 0 ? base : `${base} ${round + 1}`
}

interface MutablePerson {
  id: string
  given: Name
  family: Name
  middleName: string | null
  primaryEmail: string
  emails: Array<string>
  kind: "staff" | "partner"
  leaver: boolean
  globalUserId: number
  /** Indices of the tenants the person has an account in (a handful at most). */
  tenants: Array<number>
  accounts: Array<PersonAccount>
}

interface DraftUser {
  person: MutablePerson
  email: string
  globalUserId: number
  status: SandboxUserStatus
  admin: boolean
  partner: boolean
  sharedMailbox: boolean
  createdAt: number
  owner: boolean
}

/** Variants of an address as a second system might hold it: recased, or padded by a sloppy import. */
const emailVariant = (prng: Prng, email: string): string => {
  const roll = prng.next()
  if (roll < 0.15) {
    const [local, domain] = email.split("@") as [string, string]
    const recased = local
      .split(".")
      .map((part) => (part.length > 0 ? part[0]!.toUpperCase() + part.slice(1) : part))
      .join(".")
    return `${recased}@${domain.length > 0 ? domain[0]!.toUpperCase() + domain.slice(1) : domain}`
  }
  if (roll < 0.2) return prng.chance(0.5) ? ` ${email}` : `${email} `
  return email
}

/**
 * The dataset for a seed: `tenants` Keap accounts of exactly `usersPerTenant` users each, and the people behind
 * them. Includes people with accounts in several tenants (same `global_user_id`, e-mail sometimes recased or
 * padded), a shared mailbox used by 3+ users per tenant (when a tenant has at least 8 users), `Invited`, `Inactive`
 * and partner users, a few admins, non-ASCII names, creation dates over a decade, leavers whose accounts remain, and
 * people with no Keap account at all.
 */
export const generateDataset = (seed: number, tenants: number, usersPerTenant: number): Dataset => {
  const tenantCount = Math.max(0, Math.floor(tenants))
  const perTenant = Math.max(0, Math.floor(usersPerTenant))
  const prng = makePrng(seed, 1)
  // Next free suffix per local part, so that unique addresses cost O(1) even for a million people.
  const localPartSuffix = new Map<string, number>()
  const people: Array<MutablePerson> = []
  const drafts: Array<Array<DraftUser>> = Array.from({ length: tenantCount }, () => [])
  let nextGlobalUserId = 0
  const allocateGlobalUserId = () => {
    // Spread out and never sequential, so nothing can mistake it for a per-tenant id.
    const id = 10_000_000 + nextGlobalUserId * 17 + prng.int(17)
    nextGlobalUserId++
    return id
  }

  const newPerson = (kind: "staff" | "partner"): MutablePerson => {
    const given = prng.pick(givenNames)
    const family = prng.pick(familyNames)
    const base = `${given.ascii}.${family.ascii}`.replace(/[^a-z0-9.-]/g, "")
    const suffix = localPartSuffix.get(base) ?? 1
    localPartSuffix.set(base, suffix + 1)
    const local = suffix === 1 ? base : `${base}${suffix}`
    const domain = kind === "partner" ? prng.pick(partnerDomains) : staffDomain
    const primaryEmail = `${local}@${domain}`
    const person: MutablePerson = {
      id: `p${String(people.length + 1).padStart(6, "0")}`,
      given,
      family,
      middleName: prng.chance(0.15) ? prng.pick(middleNames) : null,
      primaryEmail,
      emails: [primaryEmail],
      kind,
      leaver: kind === "staff" && prng.chance(0.06),
      globalUserId: allocateGlobalUserId(),
      tenants: [],
      accounts: [],
    }
    people.push(person)
    return person
  }

  const addDraft = (tenant: number, person: MutablePerson, overrides?: Partial<DraftUser>) => {
    if (!person.tenants.includes(tenant)) person.tenants.push(tenant)
    const draft: DraftUser = {
      person,
      email: person.primaryEmail,
      globalUserId: person.globalUserId,
      status: "Active",
      admin: false,
      partner: person.kind === "partner",
      sharedMailbox: false,
      createdAt: DATASET_START + prng.next() * (DATASET_END - DATASET_START),
      owner: false,
    }
    drafts[tenant]!.push(overrides === undefined ? draft : Object.assign(draft, overrides))
  }
  const room = (tenant: number) => perTenant - drafts[tenant]!.length

  // The owner of each account: its first user, an admin.
  for (let t = 0; t < tenantCount; t++) {
    if (room(t) > 0) addDraft(t, newPerson("staff"), { admin: true, owner: true, createdAt: DATASET_START })
  }

  // People with accounts in several tenants.
  if (tenantCount > 1) {
    const multiCount = Math.round(perTenant * 0.15)
    for (let i = 0; i < multiCount; i++) {
      const person = newPerson(prng.chance(0.1) ? "partner" : "staff")
      const wanted = prng.between(2, tenantCount)
      const start = prng.int(tenantCount)
      for (let k = 0; k < tenantCount && person.tenants.length < wanted; k++) {
        const t = (start + k) % tenantCount
        if (room(t) <= 0) continue
        const isFirst = person.tenants.length === 0
        const roll = prng.next()
        // Mostly one Keap login (one global id) everywhere; sometimes a second login with the same address, or the
        // same login under a personal address.
        let email = isFirst ? person.primaryEmail : emailVariant(prng, person.primaryEmail)
        let globalUserId = person.globalUserId
        if (!isFirst && roll < 0.1) globalUserId = allocateGlobalUserId()
        else if (!isFirst && roll < 0.18 && person.kind === "staff") {
          const personal = `${person.primaryEmail.split("@")[0]}@${prng.pick(personalDomains)}`
          if (!person.emails.includes(personal)) person.emails.push(personal)
          email = personal
        }
        addDraft(t, person, { email, globalUserId })
      }
    }
  }

  for (let t = 0; t < tenantCount; t++) {
    // A shared mailbox used by several people of this tenant.
    if (perTenant >= 8) {
      const mailbox = `${sharedMailboxes[t % sharedMailboxes.length]}@${staffDomain}`
      const users = Math.min(3 + Math.floor(perTenant / 200), 6, room(t))
      for (let i = 0; i < users; i++) {
        const person = newPerson("staff")
        const email = i === 0 ? mailbox : emailVariant(prng, mailbox)
        person.emails.push(mailbox)
        addDraft(t, person, { email, sharedMailbox: true })
      }
    }
    // One person with a duplicate account in the same tenant: an old, deactivated account on the same address.
    if (perTenant >= 20 && room(t) >= 2) {
      const person = newPerson("staff")
      const oldCreated = DATASET_START + prng.next() * (DATASET_END - DATASET_START) * 0.5
      addDraft(t, person, { status: "Inactive", createdAt: oldCreated, globalUserId: allocateGlobalUserId() })
      addDraft(t, person, { email: emailVariant(prng, person.primaryEmail) })
    }
    while (room(t) > 0) addDraft(t, newPerson(prng.chance(0.04) ? "partner" : "staff"))
  }

  // Statuses and admin flags, decided per account.
  for (const tenantDrafts of drafts) {
    for (const draft of tenantDrafts) {
      if (draft.owner || draft.status !== "Active") continue
      const roll = prng.next()
      if (roll < 0.05) {
        draft.status = "Invited"
        draft.createdAt = DATASET_END - prng.next() * 60 * DAY_MS
      } else if (roll < (draft.person.leaver ? 0.45 : 0.13)) draft.status = "Inactive"
      else if (!draft.partner && prng.chance(0.025)) draft.admin = true
    }
  }

  const seedTenants: Array<SeedTenant> = []
  const sharedMailboxList: Array<SharedMailbox> = []
  for (let t = 0; t < tenantCount; t++) {
    const tenantId = tenantIdOf(t)
    const tenantName = tenantNameOf(t)
    const tenantDrafts = drafts[t]!.sort((a, b) => a.createdAt - b.createdAt)
    const users: Array<SeedUser> = []
    let id = 0
    let keapId = 1000 + prng.int(9000)
    const ownerId = 1
    const shared: Array<number> = []
    for (const draft of tenantDrafts) {
      id += id === 0 ? 1 : 1 + (prng.chance(0.2) ? prng.int(4) : 0)
      keapId += 1 + prng.int(9)
      const createdAt = Math.floor(draft.createdAt / 1000) * 1000
      const updatedAt =
        draft.status === "Invited" ? createdAt : Math.min(DATASET_END, createdAt + prng.next() * 400 * DAY_MS)
      const person = draft.person
      const user: SeedUser = {
        id,
        globalUserId: draft.globalUserId,
        keapId: String(keapId),
        givenName: person.given.name,
        familyName: person.family.name,
        middleName: person.middleName,
        preferredName: prng.chance(0.05) ? person.given.name.slice(0, 3) : null,
        email: draft.email,
        status: draft.status,
        admin: draft.admin,
        partner: draft.partner,
        jobTitle: prng.chance(0.7) ? prng.pick(jobTitles) : null,
        companyName: draft.partner ? "Partner Agency" : tenantName,
        timeZone: prng.pick(timeZones),
        phone: prng.chance(0.6) ? `+1555${String(prng.int(10_000_000)).padStart(7, "0")}` : null,
        createdAt: new Date(createdAt).toISOString(),
        updatedAt: new Date(Math.floor(updatedAt / 1000) * 1000).toISOString(),
        createdBy: id === ownerId ? 0 : ownerId,
        updatedBy: ownerId,
        personId: person.id,
      }
      users.push(user)
      if (draft.sharedMailbox) shared.push(id)
      person.accounts.push({
        tenantId,
        userId: id,
        globalUserId: draft.globalUserId,
        email: draft.email,
        status: draft.status,
        admin: draft.admin,
        partner: draft.partner,
        sharedMailbox: draft.sharedMailbox,
      })
    }
    if (shared.length > 0) {
      sharedMailboxList.push({
        tenantId,
        email: `${sharedMailboxes[t % sharedMailboxes.length]}@${staffDomain}`,
        userIds: shared,
      })
    }
    const seats = users.filter((user) => user.status === "Active" || user.status === "Invited").length
    seedTenants.push({ id: tenantId, name: tenantName, seatLimit: seats + 10, users })
  }

  // People the organisation has but Keap does not: they appear in an IdP export only.
  const withoutKeap = Math.ceil(people.length * 0.05)
  for (let i = 0; i < withoutKeap; i++) newPerson("staff").leaver = false

  return {
    seed,
    tenants: seedTenants,
    people: people.map((person) => ({
      id: person.id,
      givenName: person.given.name,
      familyName: person.family.name,
      displayName: `${person.given.name} ${person.family.name}`,
      primaryEmail: person.primaryEmail,
      emails: person.emails,
      kind: person.kind,
      leaver: person.leaver,
      accounts: person.accounts,
    })),
    sharedMailboxes: sharedMailboxList,
  }
}
