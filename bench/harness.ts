// Shared pieces of the benchmarks: pinned child processes, the load generator, result tables.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname;
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/**
 * Measured loads per run (BENCH_REPEATS), each after its own baseline; the median ratio is
 * printed. This VM's core sometimes runs at half speed for a while (host contention), and one
 * 10 s load can land in such a spell.
 */
export const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
/**
 * The server as `npm start` runs it: compiled into dist/ (scripts/build.js), built once when the
 * bench starts, so every node measured runs what users run.
 */
export const SERVE = ["dist/main.js", "serve"];
execFileSync(process.execPath, ["scripts/build.js"], { cwd: ROOT, stdio: "inherit" });

const HAS_TASKSET = (() => {
  try {
    execFileSync("taskset", ["-c", "0", "true"]);
    return true;
  } catch {
    return false;
  }
})();

/** Servers run on core 0, the load generator on core 1 (`core` may list several: "0,1"). */
export function pinned(core: number | string, args: string[]): [string, string[]] {
  return HAS_TASKSET ? ["taskset", ["-c", String(core), ...args]] : [args[0] as string, args.slice(1)];
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "hc-bench-"));
}

export async function waitHttp(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${url}: server exited`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not come up`);
}

/** Starts `script` (a .ts file under tsx, or compiled JavaScript) pinned to `core`. */
export function startNode(core: number | string, script: string[], env: Record<string, string> = {}): ChildProcess {
  const loader = script[0]?.endsWith(".ts") ? ["--import", "tsx"] : [];
  const [cmd, args] = pinned(core, [process.execPath, ...loader, ...script]);
  return spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
}

export async function stop(proc: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (proc.exitCode !== null) return;
  const done = new Promise((r) => proc.on("exit", r));
  proc.kill(signal);
  await done;
}

export interface LoadResult {
  rps: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
}

/** Runs the load generator on core 1 against `url`; ids are read from `idsFile` ("-": none). */
export function load(
  url: string,
  idsFile: string,
  seconds = SECONDS,
  suffix = ".svg",
  distinct = 0,
  rate = 0,
): Promise<LoadResult> {
  const [cmd, args] = pinned(1, [
    process.execPath,
    "--import",
    "tsx",
    "bench/load.ts",
    url,
    idsFile,
    String(CONNECTIONS),
    String(seconds),
    suffix,
    String(distinct),
    String(rate),
  ]);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.on("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").pop() as string) as LoadResult);
    });
  });
}

export function row(name: string, r: LoadResult, baseline?: LoadResult): string {
  const ratio = baseline ? (r.rps / baseline.rps).toFixed(2) : "1.00";
  return `${name.padEnd(44)} ${Math.round(r.rps).toString().padStart(8)} ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)} ${ratio.padStart(7)}`;
}

export const HEADER = `${"run".padEnd(44)} ${"hits/s".padStart(8)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"ratio".padStart(7)}`;

/**
 * CPU seconds each thread of a process has used so far, by thread id (Linux /proc; empty
 * elsewhere). The main thread's id is the process id; the others are the SQLite fold worker,
 * libuv's pool and V8's helpers.
 */
export function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // Fields after the ")" that ends the thread name: utime and stime are the 12th and 13th.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) / CLOCK_TICKS);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds PostgreSQL has used so far on this machine: every process named postgres, with
 * the CPU of the ones that exited (backends of closed connections), which Linux adds to their
 * parent's (the postmaster's) children's time when it reaps them.
 */
export function postgresCpu(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.includes("(postgres)")) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Microseconds of CPU per hit between two threadCpu snapshots: [main thread, other threads]. */
export function cpuPerHit(pid: number, before: Map<number, number>, after: Map<number, number>, hits: number) {
  let main = 0;
  let others = 0;
  for (const [tid, s] of after) {
    const d = s - (before.get(tid) ?? 0);
    if (tid === pid) main += d;
    else others += d;
  }
  return { main: (main / hits) * 1e6, others: (others / hits) * 1e6 };
}

/**
 * The environment of a hitcounter server under load: on `port`, over `dataDir`, trusting the
 * load generator's X-Forwarded-For (its visitors), with limits no bench load reaches.
 */
export function serverEnv(port: number, dataDir: string): Record<string, string> {
  return {
    PORT: String(port),
    HOST: "127.0.0.1",
    HITCOUNTER_DATA: dataDir,
    TRUST_PROXY: "1",
    LOG_LEVEL: "warn",
    CREATE_RATE_PER_HOUR: "1000000",
    REQUEST_RATE_PER_MINUTE: "100000000",
  };
}

/** A process's resident memory now and at its peak, in MB (Linux /proc). */
export function rssMb(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { now: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Creates one counter through the API; returns its id and owner token. */
export async function createCounter(url: string): Promise<{ id: string; token: string }> {
  const r = await fetch(`${url}/api/counters`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": "10.200.0.1" },
    body: JSON.stringify({ label: "views" }),
  });
  return (await r.json()) as { id: string; token: string };
}

/** Creates `n` counters through the API (20 at a time); returns their ids. */
export async function createCounters(url: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      ids.push((await createCounter(url)).id);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  return ids;
}
