// Daily totals from any other tool: CSV rows date,hits[,visitors][,page] (a header row is
// optional). Each row adds its hits and visitors to its day (and page); days have no hours,
// so the hourly chart shows nothing for them.

import { storable } from "../../text/characters.js";
import type { ImportTally } from "../tally.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COUNT = /^\d{1,12}$/;
const NONE = { page: "", referrerHost: "", referrerUrl: "", browser: "", os: "", device: "", country: "" };

export class DailyCsv {
  private rows = 0;

  constructor(private readonly tally: ImportTally) {}

  record(cells: string[]): string | undefined {
    const [date = "", hits = "", visitors = "", page = ""] = cells.map((c) => c.trim());
    const first = this.rows++ === 0;
    if (first && !DAY.test(date) && /^date$/i.test(date)) return "header";
    // A real calendar day: Date.parse would take 2026-09-31 for 2026-10-01.
    const ms = DAY.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return "malformed";
    if (!COUNT.test(hits) || (visitors !== "" && !COUNT.test(visitors))) return "malformed";
    if (page !== "" && !page.startsWith("/")) return "malformed";
    this.tally.addDay(date, { ...NONE, page: storable(page.slice(0, 256)) }, Number(hits), Number(visitors || 0));
    return undefined;
  }
}
