// One server per data folder. The journal log has one writer, and the fold watermark assumes
// one process folds: a second server on the same folder would append to the same segment and
// fold the first one's batches a second time. So the folder is locked by a LOCK file holding
// the owner's pid; a start finding a live owner stops with an error that says so, and a lock
// left by a process that is gone (kill -9) is taken over.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Folders this process holds: a pid can't tell two stores of one process apart. */
const held = new Set<string>();

/** Locks `dataDir` for this store; returns the release. Throws if another owner is alive. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, "LOCK"));
  if (held.has(file)) throw new Error(`the data folder ${dataDir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      held.add(file);
      return () => {
        held.delete(file);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number(readFileSync(file, "utf8"));
      if (pid !== process.pid && alive(pid)) {
        throw new Error(`the data folder ${dataDir} is in use by process ${pid}: run one server per folder`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock the data folder ${dataDir}`);
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
