// Web-server access logs in the combined format (nginx's and Apache's default):
//   203.0.113.7 - - [10/Oct/2026:13:55:36 +0200] "GET /a.html HTTP/1.1" 200 2326 "https://ref/" "Mozilla/5.0 …"
// Each line is a hit by the same rules as a live one: no bots (by user-agent), and by default
// no static assets, no answers but 2xx/3xx and no method but GET. The visitor is the address
// and user-agent, hashed with the import's own salt (tally.ts). One regular expression takes
// the whole line apart: it runs once per line of logs of millions of lines.

import { splitUrl } from "../../hit.js";
import { BotCheck } from "../../ingest/bots.js";
import { country, type UaInfo, uaInfo } from "../../ingest/enrich.js";
import { storable } from "../../text/characters.js";
import type { ImportTally } from "../tally.js";

const LINE =
  /^(\S+) \S+ \S+ \[([^\]]{26})\] "((?:[^"\\]|\\.)*)" (\d{3}) \S+(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;
const STAMP = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
/^(\S+) \S+ \S+ \[(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "((?:[^"\\]|\\.)*)" (\d{3}) \S+(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?/;
const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
/** Pages that are not pages: styles, scripts, pictures, fonts, feeds of machines. */
const STATIC =
  /\.(css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|avif|bmp|woff2?|ttf|otf|eot|mp4|webm|mp3|ogg|wasm|json|xml|txt|pdf|zip|gz)$/i;

export interface LogRules {
  /** Count static assets too (?static=1). */
  static: boolean;
  /** The site's own host, whose referrals are moves within the site (?site=example.com). */
  site: string;
}

/** What one user-agent string means here, worked out once per distinct string. */
interface Agent {
  bot: boolean;
  info: UaInfo;
  /** Its share of the visitor hash (tally.ts). */
  hash: number;
}
const MAX_AGENTS = 10_000;

export class AccessLog {
  private readonly bots = new BotCheck();
  private readonly agents = new Map<string, Agent>();
  /** Consecutive lines mostly share their second: its text and time, kept from the last line. */
  private lastStamp = "";
  private lastMs = Number.NaN;
  /** address -> country: one GeoIP lookup per address, for a bounded number of them */
  private readonly countries = new Map<string, string>();

  constructor(
    private readonly tally: ImportTally,
    private readonly rules: LogRules,
  ) {}

  /** Adds one line; answers why it was skipped, or undefined when it was imported. */
  line(text: string): string | undefined {
    const m = LINE.exec(text);
    if (!m) return "malformed";
    const [, ip, stamp, request, status, referrer = "", userAgent = ""] = m as unknown as string[];
    const ms = stamp === this.lastStamp ? this.lastMs : this.time(stamp as string);
    if (Number.isNaN(ms)) return "malformed";
    const sp = (request as string).indexOf(" ");
    const method = sp < 0 ? request : (request as string).slice(0, sp);
    if (method !== "GET") return "method";
    const code = Number(status);
    if (code < 200 || code >= 400) return "status";
    const version = (request as string).lastIndexOf(" HTTP/");
    const target = sp < 0 ? "" : (request as string).slice(sp + 1, version > sp ? version : undefined);
    let q = target.indexOf("?");
    const hashAt = target.indexOf("#");
    if (hashAt >= 0 && (q < 0 || hashAt < q)) q = hashAt;
    const path = q < 0 ? target : target.slice(0, q);
    if (!path.startsWith("/")) return "malformed";
    if (!this.rules.static && STATIC.test(path)) return "static";
    const agent = this.agent(userAgent as string);
    if (agent.bot) return "bot";
    const ref = unescaped(referrer as string);
    const [refHost, refPath] = ref === "-" ? ["", ""] : splitUrl(ref);
    const external = refHost !== "" && refHost !== this.rules.site;
    const info = agent.info;
    this.tally.add(
      ms,
      {
        page: storable(path.length > 256 ? path.slice(0, 256) : path),
        referrerHost: external ? storable(refHost) : "",
        referrerUrl: external ? storable(`${refHost}${refPath}`) : "",
        browser: info.browser,
        os: info.os,
        device: info.device,
        country: this.countryOf(ip as string),
      },
      this.tally.visitorHash(ip as string, agent.hash),
    );
    return undefined;
  }

  private time(stamp: string): number {
    const t = STAMP.exec(stamp);
    const month = t ? MONTHS[t[2] as string] : undefined;
    let ms = Number.NaN;
    if (t && month !== undefined) {
      const offset = (t[7] === "-" ? -1 : 1) * (Number(t[8]) * 60 + Number(t[9])) * 60_000;
      ms = Date.UTC(Number(t[3]), month, Number(t[1]), Number(t[4]), Number(t[5]), Number(t[6])) - offset;
    }
    this.lastStamp = stamp;
    this.lastMs = ms;
    return ms;
  }

  private agent(raw: string): Agent {
    let a = this.agents.get(raw);
    if (!a) {
      const ua = unescaped(raw);
      a = { bot: this.bots.is(ua), info: uaInfo(ua), hash: this.tally.textHash(ua) };
      if (this.agents.size >= MAX_AGENTS) this.agents.clear();
      this.agents.set(raw, a);
    }
    return a;
  }

  private countryOf(ip: string): string {
    let c = this.countries.get(ip);
    if (c === undefined) {
      c = country(ip);
      if (this.countries.size >= 100_000) this.countries.clear();
      this.countries.set(ip, c);
    }
    return c;
  }
}

/** nginx writes " and non-ASCII bytes in logged strings as \xHH; Apache escapes " as \". */
function unescaped(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_m, hex: string | undefined, ch: string | undefined) =>
    hex ? String.fromCharCode(Number.parseInt(hex, 16)) : (ch as string),
  );
}
