// The import bench: a generated access log of BENCH_IMPORT_LINES (5,000,000) combined-format
// lines over 30 days (200 pages, 20 browsers, 50,000 addresses, a share of bots, static files
// and 404s), imported end to end with `hitcounter import` into one SQLite server: lines/s, and
// the peak resident memory of the server and of the CLI (target: >= 200,000 lines/s).

import { spawn } from "node:child_process";
import { createWriteStream, rmSync } from "node:fs";
import { join } from "node:path";
import { createCounter, pinned, ROOT, rssMb, SERVE, serverEnv, startNode, stop, tempDir, waitHttp } from "./harness.js";

const PORT = 8188;
const LINES = Number(process.env.BENCH_IMPORT_LINES ?? 5_000_000);
const MONTHS = ["Sep", "Oct"];

export async function writeLog(file: string): Promise<void> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const uas = Array.from(
    { length: 20 },
    (_, i) => `Mozilla/5.0 (X11; Linux x86_64; rv:${110 + i}.0) Gecko/20100101 Firefox/${110 + i}.0`,
  );
  const bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
  let chunk = "";
  for (let i = 0; i < LINES; i++) {
    const day = 1 + Math.floor((i / LINES) * 30);
    const month = MONTHS[day > 30 ? 1 : 0];
    const sec = i % 86_400;
    const time = `${String(Math.floor(sec / 3600)).padStart(2, "0")}:${String(Math.floor(sec / 60) % 60).padStart(2, "0")}:${String(sec % 60).padStart(2, "0")}`;
    const a = (i * 7919) % 50_000;
    const ip = `10.${a >> 16}.${(a >> 8) & 255}.${a & 255}`;
    const path = i % 17 === 0 ? "/assets/site.css" : `/posts/${i % 200}`;
    const status = i % 23 === 0 ? 404 : 200;
    const ua = i % 29 === 0 ? bot : uas[i % 20];
    chunk += `${ip} - - [${String(day).padStart(2, "0")}/${month}/2026:${time} +0000] "GET ${path} HTTP/1.1" ${status} 5120 "https://news.example/item?id=${i % 1000}" "${ua}"\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once("drain", r));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise((r) => out.on("finish", r));
}

export async function importBench(): Promise<string> {
  const dataDir = tempDir();
  const file = join(dataDir, "access.log");
  await writeLog(file);
  const url = `http://127.0.0.1:${PORT}`;
  const server = startNode("0,1", SERVE, serverEnv(PORT, dataDir));
  await waitHttp(`${url}/healthz`, server);
  const c = await createCounter(url);
  const [cmd, args] = pinned(1, [
    process.execPath,
    SERVE[0] as string,
    "import",
    c.id,
    file,
    "--format",
    "log",
    "--quiet",
  ]);
  const started = performance.now();
  const cli = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, HITCOUNTER_URL: url, HITCOUNTER_TOKEN: c.token },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let cliPeak = 0;
  const poll = setInterval(() => {
    try {
      // The CLI runs under taskset: its node process is the child's child or the child itself.
      cliPeak = Math.max(cliPeak, rssMb(cli.pid as number).peak);
    } catch {}
  }, 200);
  let out = "";
  cli.stdout.on("data", (d) => {
    out += d;
  });
  const code = await new Promise<number | null>((r) => cli.on("exit", r));
  clearInterval(poll);
  const seconds = (performance.now() - started) / 1000;
  const server_ = rssMb(server.pid as number);
  await stop(server);
  rmSync(dataDir, { recursive: true, force: true });
  if (code !== 0) return `import: the CLI exited ${code}`;
  const summary = JSON.parse(out) as { read: number; imported: number; skipped: Record<string, number> };
  return [
    `import: ${summary.read} access-log lines (${summary.imported} counted, skipped ${JSON.stringify(summary.skipped)}) in ${seconds.toFixed(1)} s: ${Math.round(summary.read / seconds)} lines/s end to end (target >= 200,000)`,
    `   peak RSS: server ${server_.peak.toFixed(0)} MB, CLI ${cliPeak.toFixed(0)} MB`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await importBench());
