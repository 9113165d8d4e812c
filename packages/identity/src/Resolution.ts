/**
 * The identity resolution rule, computed from scratch in memory. The graph maintains the same partition
 * incrementally; this is the reference it must equal (and what its property tests compare against).
 *
 * @since 0.1.0
 */

import type { AccountRecord } from "./AccountRecord.js"
import { accountUid } from "./AccountRecord.js"
import { identifierUid, isLinkingKind } from "./Identifier.js"

/** Accounts as resolution needs them. */
export type ResolvableAccount = Pick<AccountRecord, "system" | "tenant" | "externalId" | "identifiers">

/** Options of the resolution rule. */
export interface ResolutionOptions {
  /**
   * An identifier held by more than this many accounts of one tenant is shared (a `sales@` mailbox) and links
   * nothing.
   */
  readonly sharedThreshold: number
}

/** The default: two accounts of one tenant on one e-mail are duplicates of one person; three or more are a shared mailbox. */
export const defaultResolutionOptions: ResolutionOptions = { sharedThreshold: 2 }

/** Identifier uids that are shared under the rule: held by more than `sharedThreshold` accounts of one tenant. */
export const sharedIdentifiers = (
  accounts: Iterable<ResolvableAccount>,
  options: ResolutionOptions = defaultResolutionOptions,
): ReadonlySet<string> => {
  const holders = new Map<string, Set<string>>()
  for (const account of accounts) {
    const uid = accountUid(account)
    for (const identifier of account.identifiers) {
      if (!isLinkingKind(identifier.kind)) continue
      const key = `${account.system}:${account.tenant}\u0000${identifierUid(identifier)}`
      let set = holders.get(key)
      if (set === undefined) {
        set = new Set()
        holders.set(key, set)
      }
      set.add(uid)
    }
  }
  const shared = new Set<string>()
  for (const [key, set] of holders) {
    if (set.size > options.sharedThreshold) shared.add(key.slice(key.indexOf("\u0000") + 1))
  }
  return shared
}

/**
 * Connected components of accounts over linking, non-shared identifiers. Returns each component as a sorted list of
 * account uids; the list of components is sorted by its first member, so two partitions compare with deep equality.
 */
export const connectedComponents = (
  accounts: Iterable<ResolvableAccount>,
  options: ResolutionOptions = defaultResolutionOptions,
): ReadonlyArray<ReadonlyArray<string>> => {
  const all = Array.from(accounts)
  const shared = sharedIdentifiers(all, options)
  const parent = new Map<string, string>()
  const find = (x: string): string => {
    let root = x
    while (parent.get(root) !== root) root = parent.get(root)!
    let node = x
    while (node !== root) {
      const next = parent.get(node)!
      parent.set(node, root)
      node = next
    }
    return root
  }
  const union = (a: string, b: string) => {
    const ra = find(a)
    const rb = find(b)
    // The smaller uid becomes the root, so the result does not depend on input order.
    if (ra < rb) parent.set(rb, ra)
    else if (rb < ra) parent.set(ra, rb)
  }
  const firstHolder = new Map<string, string>()
  for (const account of all) {
    const uid = accountUid(account)
    if (!parent.has(uid)) parent.set(uid, uid)
    for (const identifier of account.identifiers) {
      if (!isLinkingKind(identifier.kind)) continue
      const idUid = identifierUid(identifier)
      if (shared.has(idUid)) continue
      const holder = firstHolder.get(idUid)
      if (holder === undefined) firstHolder.set(idUid, uid)
      else union(holder, uid)
    }
  }
  const groups = new Map<string, Array<string>>()
  for (const uid of parent.keys()) {
    const root = find(uid)
    let group = groups.get(root)
    if (group === undefined) {
      group = []
      groups.set(root, group)
    }
    group.push(uid)
  }
  return Array.from(groups.values(), (group) => group.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1))
}
