/**
 * Canonical e-mail addresses: the one form under which two accounts' addresses are compared.
 *
 * @since 0.1.0
 */
import { Option } from "effect"

// Deliberately loose: the goal is to recognise something that can receive mail, not to validate RFC 5322.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u

/**
 * The canonical form of an e-mail address: trimmed, Unicode NFC, lower-cased. `None` when the input is empty or
 * not shaped like an address, so that junk never becomes a linking identifier.
 */
export const canonicalEmail = (raw: string | null | undefined): Option.Option<string> => {
  if (raw === null || raw === undefined) return Option.none()
  const canonical = raw.normalize("NFC").trim().toLowerCase()
  return EMAIL_SHAPE.test(canonical) ? Option.some(canonical) : Option.none()
}
