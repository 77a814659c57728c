// An import's summary: rows read, imported, skipped by reason, and the first skipped rows
// that were wrong (not bots or static files) with their line numbers.

export interface ImportSummary {
  read: number;
  imported: number;
  skipped: Record<string, number>;
  errors: { line: number; reason: string }[];
}

/** Skipped rows reported one by one (with their number); the rest only counted. */
const MAX_ERRORS = 20;

export const newSummary = (): ImportSummary => ({ read: 0, imported: 0, skipped: {}, errors: [] });

/** Notes row `line`: imported (reason undefined), skipped for `reason`, or a header. */
export function note(s: ImportSummary, line: number, reason: string | undefined): void {
  if (reason === "header") return;
  s.read++;
  if (reason === undefined) {
    s.imported++;
    return;
  }
  s.skipped[reason] = (s.skipped[reason] ?? 0) + 1;
  if (reason !== "bot" && reason !== "static" && s.errors.length < MAX_ERRORS) s.errors.push({ line, reason });
}

/** Adds another part's summary (another thread's lines). */
export function mergeSummary(into: ImportSummary, part: ImportSummary): void {
  into.read += part.read;
  into.imported += part.imported;
  for (const [k, n] of Object.entries(part.skipped)) into.skipped[k] = (into.skipped[k] ?? 0) + n;
  into.errors = [...into.errors, ...part.errors].sort((a, b) => a.line - b.line).slice(0, MAX_ERRORS);
}
