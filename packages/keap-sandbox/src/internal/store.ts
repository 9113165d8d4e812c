/**
 * The mutable in-memory Keap data: one `TenantStore` per account, users indexed by id and kept in id order so that
 * offset pages are array slices. Filtered and sorted views are cached per store version and rebuilt lazily after a
 * change, so that listing a large tenant page by page never copies it more than once.
 */
import type { SandboxUserStatus, SeedTenant, SeedUser } from "../Dataset.js"
import { userGroupNames } from "./names.js"

/** A phone or fax slot as stored (already in wire shape, shared by v1 and v2). */
export interface NumberSlot {
  readonly field: string
  readonly number?: string
  readonly type?: string
  readonly extension?: string
  readonly number_e164?: string
}

/** A stored address (wire field names). */
export type AddressRecord = Readonly<Record<string, string>>

/** One user as the sandbox stores it. Fields are mutated in place by PATCH and the control API. */
export interface UserRecord {
  readonly id: number
  globalUserId: number
  readonly keapId: string
  givenName: string
  familyName: string | null
  middleName: string | null
  preferredName: string | null
  email: string
  status: SandboxUserStatus
  admin: boolean
  partner: boolean
  jobTitle: string | null
  companyName: string | null
  website: string | null
  timeZone: string | null
  address: AddressRecord | null
  phoneNumbers: ReadonlyArray<NumberSlot>
  faxNumbers: ReadonlyArray<NumberSlot>
  /** Epoch milliseconds. */
  readonly createdAt: number
  updatedAt: number
  readonly createdBy: number
  updatedBy: number
  /** `createdAt` in ISO form, and `updatedAt`'s as of `updatedIsoOf`: formatting dates on every page is costly. */
  readonly createdIso: string
  updatedIso: string
  updatedIsoOf: number
}

/** The fields a new user is made of; the store derives the rest. */
export type NewUserFields = Omit<UserRecord, "id" | "keapId" | "createdIso" | "updatedIso" | "updatedIsoOf">

/** A v2 sort order. */
export type SortField = "id" | "create_time" | "email" | "name"

const canonical = (email: string) => email.normalize("NFC").trim().toLowerCase()

/** Total order of users for a sort field, ties broken by id (as Keap documents for `name`). */
const comparators: Record<SortField, (a: UserRecord, b: UserRecord) => number> = {
  id: (a, b) => a.id - b.id,
  create_time: (a, b) => a.createdAt - b.createdAt || a.id - b.id,
  email: (a, b) => {
    const x = canonical(a.email)
    const y = canonical(b.email)
    return x < y ? -1 : x > y ? 1 : a.id - b.id
  },
  name: (a, b) => {
    const x = (a.familyName ?? "").toLowerCase()
    const y = (b.familyName ?? "").toLowerCase()
    return x < y ? -1 : x > y ? 1 : a.id - b.id
  },
}

/** Compare two users under a sort field and direction. */
export const compareUsers = (field: SortField, descending: boolean) => {
  const compare = comparators[field]
  return descending ? (a: UserRecord, b: UserRecord) => compare(b, a) : compare
}

const fromSeed = (seed: SeedUser): UserRecord => ({
  id: seed.id,
  globalUserId: seed.globalUserId,
  keapId: seed.keapId,
  givenName: seed.givenName,
  familyName: seed.familyName,
  middleName: seed.middleName,
  preferredName: seed.preferredName,
  email: seed.email,
  status: seed.status,
  admin: seed.admin,
  partner: seed.partner,
  jobTitle: seed.jobTitle,
  companyName: seed.companyName,
  website: null,
  timeZone: seed.timeZone,
  address: null,
  phoneNumbers: seed.phone === null ? [] : [{ field: "PHONE1", number: seed.phone, type: "Work" }],
  faxNumbers: [],
  createdAt: Date.parse(seed.createdAt),
  updatedAt: Date.parse(seed.updatedAt),
  createdBy: seed.createdBy,
  updatedBy: seed.updatedBy,
  // The seed's own strings, shared rather than copied: a million users make this matter.
  createdIso: seed.createdAt,
  updatedIso: seed.updatedAt,
  updatedIsoOf: Date.parse(seed.updatedAt),
})

/** `updatedAt` in ISO form, formatted once per change. */
export const updatedIso = (user: UserRecord): string => {
  if (user.updatedIsoOf !== user.updatedAt) {
    user.updatedIso = new Date(user.updatedAt).toISOString()
    user.updatedIsoOf = user.updatedAt
  }
  return user.updatedIso
}

/** Whether a user holds a seat (Inactive users do not). */
export const holdsSeat = (user: UserRecord) => user.status === "Active" || user.status === "Invited"

/** One Keap account's users. */
export class TenantStore {
  readonly id: string
  readonly name: string
  seatLimit: number
  readonly userGroups: ReadonlyArray<{ readonly id: number; readonly name: string }>
  /** Users in ascending id order. */
  private users: Array<UserRecord> = []
  private readonly byId = new Map<number, UserRecord>()
  private version = 0
  private readonly views = new Map<string, { readonly version: number; readonly users: ReadonlyArray<UserRecord> }>()
  private nextKeapId = 0

  constructor(seed: SeedTenant) {
    this.id = seed.id
    this.name = seed.name
    this.seatLimit = seed.seatLimit
    this.userGroups = userGroupNames.map((name, index) => ({ id: index + 1, name }))
    this.load(seed)
  }

  /** Replace every user with the seed's (the control API's reset). */
  load(seed: SeedTenant) {
    this.users = seed.users.map(fromSeed)
    this.byId.clear()
    for (const user of this.users) this.byId.set(user.id, user)
    this.seatLimit = seed.seatLimit
    const lastKeapId = this.users.reduce((max, user) => Math.max(max, Number(user.keapId) || 0), 1000)
    this.nextKeapId = lastKeapId + 1
    this.changed()
  }

  get size(): number {
    return this.users.length
  }

  all(): ReadonlyArray<UserRecord> {
    return this.users
  }

  get(id: number): UserRecord | undefined {
    return this.byId.get(id)
  }

  seatsUsed(): number {
    let used = 0
    for (const user of this.users) if (holdsSeat(user)) used++
    return used
  }

  /** The lowest-id active admin: who an OAuth grant acts as unless told otherwise. */
  owner(): UserRecord | undefined {
    return this.users.find((user) => user.admin && user.status === "Active") ?? this.users[0]
  }

  findByEmail(email: string): UserRecord | undefined {
    const wanted = canonical(email)
    return this.users.find((user) => canonical(user.email) === wanted)
  }

  /** Add a user with the next id. */
  add(fields: NewUserFields): UserRecord {
    const last = this.users[this.users.length - 1]
    const user: UserRecord = {
      ...fields,
      id: (last?.id ?? 0) + 1,
      keapId: String(this.nextKeapId++),
      createdIso: new Date(fields.createdAt).toISOString(),
      updatedIso: new Date(fields.updatedAt).toISOString(),
      updatedIsoOf: fields.updatedAt,
    }
    this.users.push(user)
    this.byId.set(user.id, user)
    this.changed()
    return user
  }

  remove(id: number): boolean {
    const user = this.byId.get(id)
    if (user === undefined) return false
    this.byId.delete(id)
    this.users.splice(this.users.indexOf(user), 1)
    this.changed()
    return true
  }

  /** Call after mutating a user in place. */
  changed() {
    this.version++
    this.views.clear()
  }

  /** Users v1 lists: never `NotAUser`; inactive and partner users unless excluded. Cached per version. */
  v1View(includeInactive: boolean, includePartners: boolean): ReadonlyArray<UserRecord> {
    const key = `v1:${includeInactive}:${includePartners}`
    return this.view(key, () =>
      this.users.filter(
        (user) =>
          user.status !== "NotAUser" &&
          (includeInactive || user.status !== "Inactive") &&
          (includePartners || !user.partner),
      ),
    )
  }

  /** Every user in a v2 sort order. Cached per version. */
  sorted(field: SortField, descending: boolean): ReadonlyArray<UserRecord> {
    if (field === "id" && !descending) return this.users
    return this.view(`v2:${field}:${descending}`, () => [...this.users].sort(compareUsers(field, descending)))
  }

  private view(key: string, build: () => ReadonlyArray<UserRecord>): ReadonlyArray<UserRecord> {
    const cached = this.views.get(key)
    if (cached !== undefined && cached.version === this.version) return cached.users
    const users = build()
    this.views.set(key, { version: this.version, users })
    return users
  }
}
