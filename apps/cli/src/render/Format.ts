/**
 * Pure text helpers shared by the renderers: aligned terminal tables, CSV, Markdown and HTML escaping.
 * Everything that reaches an output goes through one of these, so a name like `<script>` is always text.
 *
 * @since 0.1.0
 */

/** A table: a header row and data rows of cells already turned into strings. */
export interface Table {
  readonly headers: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

// Control characters would move the cursor or recolour a terminal: a name from a SaaS API must not do that.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/** A cell for a terminal: control characters shown as `?`, so data cannot drive the terminal. */
export const terminalSafe = (value: string): string => value.replace(CONTROL, "?")

/** An aligned plain-text table, columns separated by two spaces. */
export const renderTextTable = (table: Table): string => {
  const all = [table.headers, ...table.rows].map((row) => row.map(terminalSafe))
  const widths = table.headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)))
  const line = (row: ReadonlyArray<string>) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd()
  const [header, ...rows] = all
  return [line(header!), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n")
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Formula starts are neutralised. */
export const csvField = (value: string): string => {
  // A cell starting with = + - @ is a formula to spreadsheets: prefix a quote so opening the export runs nothing.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** A CSV document with a header row and CRLF line ends. */
export const renderCsv = (table: Table): string =>
  [table.headers, ...table.rows].map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n"

/** Markdown table cell: pipes, backslashes, HTML and line breaks escaped. */
export const markdownCell = (value: string): string =>
  value
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[`*_[\]]/g, (char) => `\\${char}`)
    .replace(/\r?\n/g, " ")

/** A Markdown (GFM) table. */
export const renderMarkdownTable = (table: Table): string => {
  if (table.rows.length === 0) return "_None._"
  const line = (row: ReadonlyArray<string>) => `| ${row.map(markdownCell).join(" | ")} |`
  return [line(table.headers), `|${table.headers.map(() => " --- ").join("|")}|`, ...table.rows.map(line)].join("\n")
}

/** HTML text and attribute escaping (the five characters that matter). */
export const escapeHtml = (value: string): string =>
  value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")

/** A yes/no/unknown flag as text. */
export const flag = (value: boolean | null): string => (value === null ? "?" : value ? "yes" : "no")

/** A nullable string as text (`-` for none). */
export const text = (value: string | null | undefined): string =>
  value === null || value === undefined || value.length === 0 ? "-" : value

/** Milliseconds as `1.2 s` / `3 m 04 s`. */
export const duration = (ms: number): string => {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return `${minutes} m ${String(seconds).padStart(2, "0")} s`
}
