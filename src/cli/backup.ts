// `hitcounter backup FILE` asks a running SQLite server for a consistent online backup
// (GET /api/admin/backup, with ADMIN_TOKEN: the journal folded first, then SQLite's backup API)
// and writes it to FILE (through FILE.part, so a broken download never looks like a backup).
// `hitcounter restore FILE --data DIR` checks the file is an intact hitcounter database and
// puts it into an empty data folder, where `hitcounter serve --data DIR` starts from it.

import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";

type Env = Record<string, string | undefined>;

export async function backup(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { url: { type: "string" }, token: { type: "string" } },
    allowPositionals: true,
  });
  const file = positionals[0];
  if (!file) throw new Error("usage: hitcounter backup FILE [--token ADMIN_TOKEN]");
  const base = (values.url ?? env.HITCOUNTER_URL ?? "http://localhost:8080").replace(/\/$/, "");
  const token = values.token ?? env.ADMIN_TOKEN;
  const res = await fetch(`${base}/api/admin/backup`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok || !res.body) {
    const e = (await res.json().catch(() => ({}))) as { error?: { message: string } };
    throw new Error(`${res.status}: ${e.error?.message ?? res.statusText}`);
  }
  const part = `${file}.part`;
  await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), createWriteStream(part));
  check(part);
  renameSync(part, file);
  console.error(`backup written to ${file}`);
}

export async function restore(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { data: { type: "string" } },
    allowPositionals: true,
  });
  const file = positionals[0];
  const dir = values.data ?? env.HITCOUNTER_DATA;
  if (!file || !dir) throw new Error("usage: hitcounter restore FILE --data DIR (an empty or new folder)");
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty: restore into an empty folder, so no data is overwritten`);
  }
  check(file);
  mkdirSync(dir, { recursive: true });
  try {
    copyFileSync(file, join(dir, "hitcounter.db"));
  } catch (err) {
    rmSync(join(dir, "hitcounter.db"), { force: true });
    throw err;
  }
  console.error(`restored into ${dir}: start it with hitcounter serve --data ${dir}`);
}

/** An intact SQLite file holding hitcounter's tables; throws saying what is wrong. */
function check(file: string): void {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file} is not a SQLite database: ${(err as Error).message}`);
  }
  try {
    const ok = db.pragma("integrity_check", { simple: true });
    if (ok !== "ok") throw new Error(`${file} is damaged: ${String(ok)}`);
    const t = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'counters'").pluck().get();
    if (!t) throw new Error(`${file} holds no hitcounter data`);
  } catch (err) {
    if ((err as Error).message.startsWith(file)) throw err;
    throw new Error(`${file} is not a SQLite database: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}
