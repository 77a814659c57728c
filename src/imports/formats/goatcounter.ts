// GoatCounter's CSV export, format version 2 (goatcounter.com/help/export): one row per
// pageview with the columns 2Path, Title, Event, User-Agent, Browser, System, Session, Bot,
// Referrer, Referrer scheme, Screen size, Location, FirstVisit, Date. Events and bots are
// skipped; the session is the visitor (distinct per day); browser and system lose their
// version; the device is guessed from the screen width; the location keeps its country.

import { badRequest } from "../../errors.js";
import { splitUrl } from "../../hit.js";
import { storable } from "../../text/characters.js";
import type { ImportTally } from "../tally.js";

const COLUMNS = 14;
/** GoatCounter's names where ua-parser-js (live hits) names the same thing differently. */
const SYSTEMS: Record<string, string> = { macOS: "Mac OS", "OS X": "Mac OS" };

const noVersion = (s: string) => s.replace(/\s+[\d.]+$/, "");

function device(screen: string): string {
  const width = Number(screen.split(",")[0]);
  if (!width) return "";
  return width < 768 ? "mobile" : width < 1024 ? "tablet" : "desktop";
}

export class GoatCounterExport {
  private headerSeen = false;

  constructor(private readonly tally: ImportTally) {}

  /** Adds one CSV record; answers why it was skipped, or undefined when it was imported. */
  record(cells: string[]): string | undefined {
    if (!this.headerSeen) {
      this.headerSeen = true;
      // The header starts with the format's version: "2Path" (or "2,Path").
      const first = cells[0] === "2" && cells[1] === "Path" ? "2Path" : cells[0];
      if (first !== "2Path") {
        const v = /^(\d+),?Path$/.exec(first ?? "")?.[1];
        throw badRequest(
          "bad_import",
          v
            ? `GoatCounter export version ${v}: only version 2 is read`
            : "not a GoatCounter export (its header starts 2Path)",
        );
      }
      return "header";
    }
    if (cells.length < COLUMNS) return "malformed";
    const [path, , event, , browser, system, session, bot, referrer, scheme, screen, location, , date] =
      cells as string[];
    if (event === "true") return "event";
    if (bot !== "" && bot !== "0") return "bot";
    const ms = Date.parse(date as string);
    if (Number.isNaN(ms)) return "malformed";
    if (!(path as string).startsWith("/")) return "malformed";
    let refHost = "";
    let refUrl = "";
    if (referrer) {
      if (scheme === "h") {
        const [host, p] = splitUrl((referrer as string).includes("://") ? referrer : `https://${referrer}`);
        refHost = host;
        refUrl = host ? `${host}${p}` : "";
      } else refHost = referrer as string; // "Hacker News", a campaign, an app: a name, no URL
    }
    const sys = noVersion(system as string);
    this.tally.add(
      ms,
      {
        page: storable((path as string).slice(0, 256)),
        referrerHost: storable(refHost.slice(0, 253)),
        referrerUrl: storable(refUrl),
        browser: storable(noVersion(browser as string)),
        os: storable(SYSTEMS[sys] ?? sys),
        device: device(screen as string),
        country: /^[A-Z]{2}/.exec(location as string)?.[0] ?? "",
      },
      session ? `s\u0000${session}` : "",
    );
    return undefined;
  }
}
