// One server per data folder. The journal log has one writer, and the fold watermark assumes
// one process folds: a second server on the same folder would append to the same segment and
// fold the first one's batches a second time. So the folder is locked by SQLite's own file lock
// on lock.db (locking_mode EXCLUSIVE keeps it until the connection closes): a lock the kernel
// holds for the process, so it is gone the moment the process is, even after kill -9, and two
// servers starting together can't both take it. A pid file could do neither: a killed
// server's pid lingers as a zombie for a moment, and after a reboot another process may carry
// it. LOCK beside it names the owner's pid, for the refusal message and for people.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";

/** Folders this process holds, for a clearer message than SQLite's own refusal. */
const held = new Set<string>();

/** Locks `dataDir` for this store; returns the release. Throws if another server holds it. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const dir = resolve(dataDir);
  if (held.has(dir)) throw new Error(`the data folder ${dataDir} is already open in this process`);
  const lock = new Database(join(dir, "lock.db"), { timeout: 0 });
  try {
    lock.pragma("locking_mode = EXCLUSIVE");
    lock.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (at INTEGER); DELETE FROM held");
    lock.prepare("INSERT INTO held (at) VALUES (?)").run(Date.now());
    lock.exec("COMMIT");
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
    throw new Error(`the data folder ${dataDir} is in use by ${owner(dir)}: run one server per folder`);
  }
  held.add(dir);
  writeFileSync(join(dir, "LOCK"), String(process.pid));
  return () => {
    held.delete(dir);
    rmSync(join(dir, "LOCK"), { force: true });
    lock.close();
  };
}

function owner(dir: string): string {
  try {
    return `process ${Number(readFileSync(join(dir, "LOCK"), "utf8"))}`;
  } catch {
    return "another server";
  }
}
