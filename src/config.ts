// One validated configuration, read once from flags and the environment.
// Every other module receives the values it needs from here; nothing else reads process.env.

import { parseArgs } from "node:util";

export interface Config {
  /** TCP port to listen on (PORT, --port). */
  port: number;
  /** Address to bind (HOST, --host). */
  host: string;
  /** RollupWriter holding the SQLite file (HITCOUNTER_DATA, --data). */
  dataDir: string;
  /** postgres://… to use PostgreSQL instead of SQLite (DATABASE_URL, --database-url). */
  databaseUrl: string | undefined;
  /** PostgreSQL schema for the tables, created if missing (DATABASE_SCHEMA). */
  databaseSchema: string;
  /** Whether/whom to trust for X-Forwarded-For (TRUST_PROXY): false, true, or a list of addresses/CIDRs. */
  trustProxy: boolean | string[];
  /** Counted hits per visitor per counter per minute (HIT_RATE_PER_MINUTE). */
  hitRatePerMinute: number;
  /** Requests per client address per minute, all routes (REQUEST_RATE_PER_MINUTE). */
  requestRatePerMinute: number;
  /** Counters one client address may create per hour (CREATE_RATE_PER_HOUR). */
  createRatePerHour: number;
  /** Log level for the server log (LOG_LEVEL). */
  logLevel: string;
  /** SQLite durability: "normal" survives a killed process, "full" also a power cut (SQLITE_SYNC). */
  sqliteSync: "normal" | "full";
  /** Base URL written into embed snippets; defaults to the request's own host (PUBLIC_URL). */
  publicUrl: string | undefined;
  /** How often (ms) a node re-reads totals that other nodes committed (REFRESH_MS). */
  refreshMs: number;
  /** How often the fold leader folds the PostgreSQL journal into the rollups (FOLD_INTERVAL_MS). */
  foldIntervalMs: number;
  /** Hits waiting for one commit before new ones are refused as "unavailable" (MAX_PENDING_HITS). */
  maxPendingHits: number;
  /** Address ranges (CIDRs) whose image-proxy user-agents are believed (IMAGE_PROXY_RANGES). */
  imageProxyRanges: string[];
  /** Counted hits per image-proxy address per counter per minute (PROXY_HIT_RATE_PER_MINUTE). */
  proxyHitRatePerMinute: number;
  /** Counted hits per client address (IPv6: its /64) per counter per minute (ADDRESS_HIT_RATE_PER_MINUTE). */
  addressHitRatePerMinute: number;
  /** A request's headers and body must arrive within this (ms), else 408 (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Open connections at most; more are closed at once (MAX_CONNECTIONS). */
  maxConnections: number;
  /** PNG renders waiting or running at most; more are answered 503 at once (PNG_RENDERS_MAX). */
  pngRendersMax: number;
  /** Live streams (GET /c/{id}/live) open at most in all; more get 503 (LIVE_MAX). */
  liveMax: number;
  /** Live streams open at most on one counter (LIVE_MAX_PER_COUNTER). */
  liveMaxPerCounter: number;
  /** Milestone webhooks may go to private, loopback and link-local addresses (WEBHOOK_ALLOW_PRIVATE=1). */
  webhookAllowPrivate: boolean;
  /** A failed webhook delivery's first retry delay (ms), doubling up to an hour (WEBHOOK_RETRY_MS). */
  webhookRetryMs: number;
  /** Bearer token of the operator's API and page (/api/admin, /admin); unset: they are off (ADMIN_TOKEN). */
  adminToken: string | undefined;
}

type Env = Record<string, string | undefined>;

const DEFAULTS = {
  port: 8080,
  host: "0.0.0.0",
  dataDir: "./data",
  hitRatePerMinute: 60,
  requestRatePerMinute: 6000,
  createRatePerHour: 30,
  logLevel: "info",
  refreshMs: 1000,
  foldIntervalMs: 10000,
  maxPendingHits: 100_000,
  proxyHitRatePerMinute: 600,
  addressHitRatePerMinute: 120,
  requestTimeoutMs: 10_000,
  maxConnections: 10_000,
  pngRendersMax: 32,
  liveMax: 5_000,
  liveMaxPerCounter: 500,
  webhookRetryMs: 10_000,
} as const;

/**
 * GitHub's published web ranges, which its image proxy (camo) fetches from: the "web" list of
 * api.github.com/meta as of 2026-11. Google and Yahoo publish no separate list for their image
 * proxies; operators who want them believed add their ranges.
 */
export const GITHUB_WEB_RANGES = [
  "192.30.252.0/22",
  "185.199.108.0/22",
  "140.82.112.0/20",
  "143.55.64.0/20",
  "2a0a:a440::/29",
  "2606:50c0::/32",
];

/** A shared secret must be long enough that guessing it is hopeless. */
const MIN_ADMIN_TOKEN = 24;

function int(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function ranges(raw: string | undefined): string[] {
  if (raw === undefined) return GITHUB_WEB_RANGES;
  const out = list(raw);
  for (const r of out) {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(r))
      throw new Error(`IMAGE_PROXY_RANGES: "${r}" is not an address or CIDR`);
  }
  return out;
}

function adminToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw.length < MIN_ADMIN_TOKEN) throw new Error(`ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN} characters`);
  return raw;
}

function trust(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  return list(raw);
}

/**
 * Builds the configuration from command-line flags (which win) and the environment.
 * @example loadConfig(["--port", "9000"], process.env).port === 9000
 */
export function loadConfig(argv: string[], env: Env): Config {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      data: { type: "string" },
      "database-url": { type: "string" },
      "trust-proxy": { type: "string" },
      "public-url": { type: "string" },
    },
  });
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const sync = env.SQLITE_SYNC ?? "normal";
  if (sync !== "normal" && sync !== "full") throw new Error(`SQLITE_SYNC must be "normal" or "full", got "${sync}"`);
  return {
    port: int("PORT", str(values.port) ?? env.PORT, DEFAULTS.port),
    host: str(values.host) ?? env.HOST ?? DEFAULTS.host,
    dataDir: str(values.data) ?? env.HITCOUNTER_DATA ?? DEFAULTS.dataDir,
    databaseUrl: str(values["database-url"]) ?? (env.DATABASE_URL || undefined),
    databaseSchema: env.DATABASE_SCHEMA || "public",
    trustProxy: trust(str(values["trust-proxy"]) ?? env.TRUST_PROXY),
    hitRatePerMinute: int("HIT_RATE_PER_MINUTE", env.HIT_RATE_PER_MINUTE, DEFAULTS.hitRatePerMinute, 1),
    requestRatePerMinute: int("REQUEST_RATE_PER_MINUTE", env.REQUEST_RATE_PER_MINUTE, DEFAULTS.requestRatePerMinute, 1),
    createRatePerHour: int("CREATE_RATE_PER_HOUR", env.CREATE_RATE_PER_HOUR, DEFAULTS.createRatePerHour, 1),
    logLevel: env.LOG_LEVEL ?? DEFAULTS.logLevel,
    sqliteSync: sync,
    publicUrl: str(values["public-url"]) ?? (env.PUBLIC_URL || undefined),
    refreshMs: int("REFRESH_MS", env.REFRESH_MS, DEFAULTS.refreshMs, 50),
    foldIntervalMs: int("FOLD_INTERVAL_MS", env.FOLD_INTERVAL_MS, DEFAULTS.foldIntervalMs, 100),
    maxPendingHits: int("MAX_PENDING_HITS", env.MAX_PENDING_HITS, DEFAULTS.maxPendingHits, 1),
    imageProxyRanges: ranges(env.IMAGE_PROXY_RANGES),
    proxyHitRatePerMinute: int(
      "PROXY_HIT_RATE_PER_MINUTE",
      env.PROXY_HIT_RATE_PER_MINUTE,
      DEFAULTS.proxyHitRatePerMinute,
      1,
    ),
    addressHitRatePerMinute: int(
      "ADDRESS_HIT_RATE_PER_MINUTE",
      env.ADDRESS_HIT_RATE_PER_MINUTE,
      DEFAULTS.addressHitRatePerMinute,
      1,
    ),
    requestTimeoutMs: int("REQUEST_TIMEOUT_MS", env.REQUEST_TIMEOUT_MS, DEFAULTS.requestTimeoutMs, 1000),
    maxConnections: int("MAX_CONNECTIONS", env.MAX_CONNECTIONS, DEFAULTS.maxConnections, 1),
    pngRendersMax: int("PNG_RENDERS_MAX", env.PNG_RENDERS_MAX, DEFAULTS.pngRendersMax, 1),
    liveMax: int("LIVE_MAX", env.LIVE_MAX, DEFAULTS.liveMax, 0),
    liveMaxPerCounter: int("LIVE_MAX_PER_COUNTER", env.LIVE_MAX_PER_COUNTER, DEFAULTS.liveMaxPerCounter, 0),
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === "1",
    webhookRetryMs: int("WEBHOOK_RETRY_MS", env.WEBHOOK_RETRY_MS, DEFAULTS.webhookRetryMs, 10),
    adminToken: adminToken(env.ADMIN_TOKEN),
  };
}
