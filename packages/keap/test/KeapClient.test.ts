import { describe, expect, it } from "@effect/vitest"
import { KeapSandbox } from "@idgraph/keap-sandbox"
import { Chunk, Duration, Effect, Fiber, Stream } from "effect"
import { KeapClient } from "../src/KeapClient.js"
import { apiKeyTenant, sandboxAndClient } from "./fixtures/sandbox.js"

const tenantClient = (index: number) =>
  Effect.gen(function* () {
    const sandbox = yield* KeapSandbox
    const tenant = apiKeyTenant(sandbox, index)
    return { sandbox, tenant, client: yield* (yield* KeapClient).forTenant(tenant) }
  })

describe("KeapClient against the sandbox", () => {
  it.live("creates a user after checking seats, reports the invitation, and waits for it to become active", () =>
    Effect.gen(function* () {
      const { sandbox, tenant, client } = yield* tenantClient(0)
      const before = (yield* sandbox.control.listUsers(tenant.name)).length
      const input = { email: " New.Person@Example.com ", givenName: "New", familyName: "Person" }

      const dry = yield* client.createUser({ ...input, seatLimit: 1000, dryRun: true })
      expect(dry).toMatchObject({ dryRun: true, request: { email: "New.Person@Example.com", given_name: "New" } })
      expect(dry.seats?.used).toBeGreaterThan(0)
      expect((yield* sandbox.control.listUsers(tenant.name)).length).toBe(before)

      const created = yield* client.createUser({ ...input, seatLimit: 1000 })
      if (created.dryRun) return yield* Effect.dieMessage("expected a real create")
      expect(created.invitationSent).toBe(true)
      expect(created.user.status).toBe("Invited")
      expect((yield* sandbox.control.listUsers(tenant.name)).length).toBe(before + 1)

      // Bounded: nobody accepts, so polling stops after the allowed polls.
      const waited = yield* client.waitUntilActive(created.user.id, { interval: Duration.millis(20), maxPolls: 3 })
      expect(waited).toMatchObject({ active: false, polls: 3 })

      // The person accepts while we poll.
      const accept = yield* Effect.fork(
        Effect.delay(sandbox.control.acceptInvitation(tenant.name, Number(created.user.id)), Duration.millis(150)),
      )
      const active = yield* client.waitUntilActive(created.user.id, { interval: Duration.millis(50), maxPolls: 40 })
      yield* Fiber.join(accept)
      expect(active.active).toBe(true)
      expect(active.polls).toBeGreaterThan(1)
      expect(active.user.status).toBe("ACTIVE")
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20, limits: "off" }))),
  )

  it.live("refuses to create past the seat limit, by our count first and by Keap's answer otherwise", () =>
    Effect.gen(function* () {
      const { sandbox, tenant, client } = yield* tenantClient(0)
      const info = (yield* sandbox.control.tenants).find((candidate) => candidate.id === tenant.name)!
      yield* sandbox.control.setSeatLimit(tenant.name, info.seatsUsed)
      const input = { email: "one.too.many@example.com", givenName: "One" }
      const ours = yield* Effect.flip(client.createUser({ ...input, seatLimit: info.seatsUsed }))
      expect(ours._tag).toBe("KeapRequestRejected")
      expect(ours._tag === "KeapRequestRejected" && ours.status).toBeNull()
      expect(ours.message).toContain("seats are in use")
      const keaps = yield* Effect.flip(client.createUser(input))
      expect(keaps._tag).toBe("KeapRequestRejected")
      expect(keaps._tag === "KeapRequestRejected" && keaps.status).toBe(403)
      expect(keaps.message).toContain("limit")
      expect((yield* sandbox.control.listUsers(tenant.name)).length).toBe(info.users)
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20, limits: "off" }))),
  )

  it.live(
    "updates a user with an update_mask, dry-runs without change, and says when the admin flag cannot be set",
    () =>
      Effect.gen(function* () {
        const { sandbox, tenant, client } = yield* tenantClient(0)
        const target = (yield* sandbox.control.listUsers(tenant.name)).find((user) => !user.admin)!
        const id = String(target.id)

        const dry = yield* client.updateUser(id, { givenName: "Dry" }, { dryRun: true })
        expect(dry.dryRun).toBe(true)
        expect(dry.requests).toHaveLength(1)
        expect((yield* client.getUser(id)).given_name).toBe(target.givenName)

        const updated = yield* client.updateUser(id, { givenName: "Renamed", jobTitle: "Auditor" })
        expect(updated.user.given_name).toBe("Renamed")
        expect(updated.user.title).toBe("Auditor")
        expect((yield* sandbox.control.listUsers(tenant.name)).find((user) => user.id === target.id)?.givenName).toBe(
          "Renamed",
        )

        // This account exposes no way to set admin (v2 ignores it, legacy v1 routes are absent).
        const admin = yield* Effect.flip(client.updateUser(id, { admin: true }))
        expect(admin._tag).toBe("KeapEndpointUnavailable")
        expect((yield* client.getUser(id)).admin).toBe(false)
      }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20, limits: "off" }))),
  )

  it.live("sets admin and deactivates through the legacy v1 routes where an account exposes them", () =>
    Effect.gen(function* () {
      const { sandbox, tenant, client } = yield* tenantClient(0)
      const target = (yield* sandbox.control.listUsers(tenant.name)).find(
        (user) => !user.admin && user.status === "Active",
      )!
      const id = String(target.id)
      const promoted = yield* client.updateUser(id, { admin: true })
      expect(promoted.user.admin).toBe(true)

      const dry = yield* client.deactivateUser(id, { dryRun: true })
      expect(dry).toMatchObject({ dryRun: true, after: null })
      expect((yield* client.getUser(id)).status).toBe("ACTIVE")
      const done = yield* client.deactivateUser(id)
      expect(done.after?.status).toBe("INACTIVE")
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20, limits: "off", legacyUserEndpoints: true }))),
  )

  it.live("reports an endpoint the account lacks, and a missing user, without retrying either", () =>
    Effect.gen(function* () {
      const { sandbox, tenant, client } = yield* tenantClient(0)
      const [someone] = yield* sandbox.control.listUsers(tenant.name)
      const unavailable = yield* Effect.flip(client.deactivateUser(String(someone!.id)))
      expect(unavailable._tag).toBe("KeapEndpointUnavailable")
      expect(unavailable.message).toContain("DELETE /v1/users/{id}")
      const missing = yield* Effect.flip(client.getUser("999999"))
      expect(missing._tag).toBe("KeapNotFound")
      const invalid = yield* Effect.flip(client.getUser("not-a-number"))
      expect(invalid._tag).toBe("KeapRequestRejected")
      const stats = yield* client.stats
      expect(stats.retries).toBe(0)
      // getUser, DELETE, getUser(missing), getUser(invalid): one call each.
      expect(stats.apiCalls).toBe(4)
      // User groups: ids decode to strings whatever the build sends, and every group has a name.
      const groups = Chunk.toReadonlyArray(yield* Stream.runCollect(client.userGroups))
      expect(groups.length).toBeGreaterThan(0)
      for (const group of groups) {
        expect(typeof group.id).toBe("string")
        expect(group.name?.length).toBeGreaterThan(0)
      }
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 20, limits: "off" }))),
  )

  it.live("gives up on a request that keeps timing out, after the bounded attempts, with a transport error", () =>
    Effect.gen(function* () {
      const { sandbox, tenant } = yield* tenantClient(0)
      yield* sandbox.control.setFaults({ latency: { ms: 500 } })
      const client = yield* (yield* KeapClient).forTenant(tenant, {
        retry: { requestTimeout: Duration.millis(100), maxAttempts: 3, baseDelay: Duration.millis(10) },
      })
      const error = yield* Effect.flip(client.userInfoV2)
      expect(error._tag).toBe("KeapTransportError")
      expect(error._tag === "KeapTransportError" && error.attempts).toBe(3)
      expect(error.message).toContain("timed out")
      expect((yield* client.stats).apiCalls).toBe(3)
    }).pipe(Effect.provide(sandboxAndClient({ usersPerTenant: 5, limits: "off" }))),
  )
})
