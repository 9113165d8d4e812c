import { describe, expect, it } from "@effect/vitest"
import { canonicalEmail, defaultResolutionOptions } from "@idgraph/identity"
import { Option } from "effect"
import { DATASET_END, DATASET_START, generateDataset, tenantIdOf } from "../src/Dataset.js"

const canonical = (email: string) => Option.getOrThrow(canonicalEmail(email))

describe("generateDataset", () => {
  const dataset = generateDataset(42, 3, 200)
  const users = dataset.tenants.flatMap((tenant) => tenant.users.map((user) => ({ tenant: tenant.id, user })))

  it("is deterministic per seed and differs between seeds", () => {
    expect(generateDataset(42, 3, 200)).toEqual(dataset)
    expect(generateDataset(43, 3, 200).tenants[0]!.users).not.toEqual(dataset.tenants[0]!.users)
  })

  it("gives every tenant exactly usersPerTenant users with unique ids in order, and seed-independent tenant ids", () => {
    expect(dataset.tenants.map((tenant) => tenant.users.length)).toEqual([200, 200, 200])
    expect(dataset.tenants.map((tenant) => tenant.id)).toEqual([tenantIdOf(0), tenantIdOf(1), tenantIdOf(2)])
    expect(generateDataset(1, 3, 5).tenants.map((tenant) => tenant.id)).toEqual(dataset.tenants.map((t) => t.id))
    expect(new Set(Array.from({ length: 200 }, (_, i) => tenantIdOf(i))).size).toBe(200)
    for (const tenant of dataset.tenants) {
      const ids = tenant.users.map((user) => user.id)
      expect(ids).toEqual([...ids].sort((a, b) => a - b))
      expect(new Set(ids).size).toBe(ids.length)
      expect(new Set(tenant.users.map((user) => user.keapId)).size).toBe(ids.length)
      expect(tenant.id).toMatch(/^[a-z]{2}\d{3}$/)
    }
  })

  it("has people in several tenants under one global_user_id, their addresses sometimes recased or padded", () => {
    const multi = dataset.people.filter((person) => new Set(person.accounts.map((a) => a.tenantId)).size > 1)
    expect(multi.length).toBeGreaterThan(10)
    const sameGlobal = multi.filter((person) => new Set(person.accounts.map((a) => a.globalUserId)).size === 1)
    expect(sameGlobal.length).toBeGreaterThan(multi.length / 2)
    const raw = multi.flatMap((person) => person.accounts.map((account) => account.email))
    expect(raw.some((email) => email !== email.trim())).toBe(true)
    expect(raw.some((email) => email.trim() !== email.trim().toLowerCase())).toBe(true)
  })

  it("has a shared mailbox used by more users of one tenant than the identity rule's threshold", () => {
    expect(dataset.sharedMailboxes).toHaveLength(3)
    for (const mailbox of dataset.sharedMailboxes) {
      const tenant = dataset.tenants.find((t) => t.id === mailbox.tenantId)!
      const holders = tenant.users.filter((user) => canonical(user.email) === mailbox.email)
      expect(holders.map((user) => user.id)).toEqual(mailbox.userIds)
      expect(holders.length).toBeGreaterThan(defaultResolutionOptions.sharedThreshold)
      expect(new Set(holders.map((user) => user.personId)).size).toBe(holders.length)
    }
  })

  it("has Invited, Inactive, partner and admin users, non-ASCII names and creation dates over years", () => {
    const statuses = users.map(({ user }) => user.status)
    expect(statuses.filter((s) => s === "Invited").length).toBeGreaterThan(5)
    expect(statuses.filter((s) => s === "Inactive").length).toBeGreaterThan(20)
    expect(users.filter(({ user }) => user.partner).length).toBeGreaterThan(3)
    for (const tenant of dataset.tenants) {
      const admins = tenant.users.filter((user) => user.admin)
      expect(admins.length).toBeGreaterThanOrEqual(1)
      expect(admins.length).toBeLessThan(tenant.users.length / 5)
    }
    expect(
      users.some(({ user }) => [...(user.givenName + user.familyName)].some((char) => char.charCodeAt(0) > 127)),
    ).toBe(true)
    const years = new Set(users.map(({ user }) => new Date(user.createdAt).getUTCFullYear()))
    expect(years.size).toBeGreaterThanOrEqual(8)
    for (const { user } of users) {
      const created = Date.parse(user.createdAt)
      expect(created).toBeGreaterThanOrEqual(DATASET_START)
      expect(created).toBeLessThanOrEqual(DATASET_END)
      expect(Date.parse(user.updatedAt)).toBeGreaterThanOrEqual(created)
    }
  })

  it("exposes people for an IdP export: leavers, and people with no Keap account", () => {
    expect(dataset.people.some((person) => person.accounts.length === 0)).toBe(true)
    const leavers = dataset.people.filter((person) => person.leaver)
    expect(leavers.length).toBeGreaterThan(0)
    expect(leavers.some((person) => person.accounts.some((account) => account.status === "Active"))).toBe(true)
    const accounts = dataset.people.flatMap((person) =>
      person.accounts.map((account) => `${account.tenantId}:${account.userId}`),
    )
    expect(new Set(accounts).size).toBe(users.length)
    expect(accounts.length).toBe(users.length)
    for (const person of dataset.people) {
      expect(person.primaryEmail).toBe(canonical(person.primaryEmail))
      expect(person.emails[0]).toBe(person.primaryEmail)
    }
  })
})
