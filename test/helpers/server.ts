// Test harness: the real server on a real port with a real SQLite file, either in this
// process (fast; tests can reach its parts) or as a child process (for restart, SIGTERM and
// kill -9 tests).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { type App, buildApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/config.js";
import { openSqlite } from "../../src/store/sqlite/index.js";

export const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

export function tempDir(prefix = "hc-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Running {
  url: string;
  app: App;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts the app in-process on a free port over a fresh SQLite file. */
export async function startApp(
  env: Record<string, string> = {},
  opts: { now?: () => number; dataDir?: string } = {},
): Promise<Running> {
  const dataDir = opts.dataDir ?? tempDir();
  const config: Config = loadConfig([], { TRUST_PROXY: "1", ...env, HITCOUNTER_DATA: dataDir });
  const app = await buildApp(config, openSqlite({ dataDir }), { logger: false, now: opts.now });
  await app.http.listen({ port: 0, host: "127.0.0.1" });
  const addr = app.http.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, app, dataDir, close: () => app.http.close() };
}

export interface Child {
  url: string;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const ROOT = new URL("../..", import.meta.url).pathname;

/**
 * Children still running. A test that fails between starting servers and stopping them must
 * not leave them behind: their pipes keep the file's process waiting for ever (seen in CI,
 * when one of two nodes started together could not listen).
 */
const running = new Set<ChildProcess>();
after(() => {
  for (const p of running) p.kill("SIGKILL");
});

let built = false;

/**
 * The server as `npm start` runs it: compiled into dist/, built first if a source is newer
 * (once per test file; `npm test` builds before the tests).
 */
export function serverMain(): string {
  if (!built) execFileSync(process.execPath, ["scripts/build.js", "--if-stale"], { cwd: ROOT, stdio: "inherit" });
  built = true;
  return "dist/main.js";
}

/** Runs `hitcounter serve` as a child process and waits until /healthz answers. */
export async function spawnServer(env: Record<string, string>, port: number): Promise<Child> {
  const proc = spawn(process.execPath, [serverMain(), "serve"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout?.on("data", (d) => {
    out += d;
  });
  proc.stderr?.on("data", (d) => {
    out += d;
  });
  running.add(proc);
  const exited = new Promise<number | null>((resolve) =>
    proc.on("exit", (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, proc, output: () => out, exited };
    } catch {
      // not up yet
    }
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill("SIGKILL");
  throw new Error(`server did not start:\n${out}`);
}

/**
 * Below Linux's ephemeral range (32768 and up): a port there may be the local end of some
 * outgoing connection at that moment, and listening on it fails (EADDRINUSE, seen in CI).
 */
let nextPort = 10000 + (process.pid % 5000) * 4;
/** A port for a child server; distinct per call within a run. */
export function freePort(): number {
  nextPort += 1;
  return nextPort;
}

export interface Created {
  id: string;
  token: string;
  embeds: Record<string, string>;
}

export async function createCounter(url: string, body: Record<string, unknown> = {}): Promise<Created> {
  const r = await fetch(`${url}/api/counters`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${await r.text()}`);
  return (await r.json()) as Created;
}

export interface HitOptions {
  ua?: string;
  ip?: string;
  referer?: string;
  origin?: string;
  headers?: Record<string, string>;
  query?: string;
}

/** One image hit; returns the response. */
export function hit(url: string, id: string, ext = "svg", o: HitOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "user-agent": o.ua ?? BROWSER_UA, ...o.headers };
  if (o.ip) headers["x-forwarded-for"] = o.ip;
  if (o.referer) headers.referer = o.referer;
  if (o.origin) headers.origin = o.origin;
  return fetch(`${url}/c/${id}.${ext}${o.query ? `?${o.query}` : ""}`, { headers });
}

export interface Figures {
  id: string;
  hits: number;
  visitors: number;
  today: { hits: number; visitors: number };
}

/** The counter's figures, without counting. */
export async function figures(url: string, id: string): Promise<Figures> {
  const r = await fetch(`${url}/c/${id}.json?count=false`);
  return (await r.json()) as Figures;
}

export function authed(token: string, body?: unknown): RequestInit {
  return {
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}
