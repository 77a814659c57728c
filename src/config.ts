// One validated configuration, read once from flags and the environment.
// Every other module receives the values it needs from here; nothing else reads process.env.

import { parseArgs } from "node:util";

export interface Config {
  /** TCP port to listen on (PORT, --port). */
  port: number;
  /** Address to bind (HOST, --host). */
  host: string;
  /** Folder holding the SQLite file (HITCOUNTER_DATA, --data). */
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
  /** Hits waiting for one commit before new ones are refused as "unavailable" (MAX_PENDING_HITS). */
  maxPendingHits: number;
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
  maxPendingHits: 100_000,
} as const;

function int(name: string, raw: string | undefined, fallback: number, min = 0): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function trust(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === "" || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
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
    maxPendingHits: int("MAX_PENDING_HITS", env.MAX_PENDING_HITS, DEFAULTS.maxPendingHits, 1),
  };
}
