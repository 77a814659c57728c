// One server per data folder: a second store on a folder in use is refused with a message
// naming the owner, whether the owner is this process or another one; the lock goes with its
// process, at once even after kill -9, and a pid left in LOCK by anything else decides nothing.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { openSqlite } from "../../src/store/sqlite/index.js";
import type { Store } from "../../src/store/store.js";
import { tempDir } from "../helpers/server.js";

it("a folder open in this process can't be opened again until the store is closed", async () => {
  const dataDir = tempDir();
  const store = openSqlite({ dataDir });
  let second: Store | undefined;
  try {
    assert.throws(() => {
      second = openSqlite({ dataDir });
    }, /already open in this process/);
  } finally {
    await second?.close();
  }
  await store.close();
  assert.equal(existsSync(join(dataDir, "LOCK")), false, "closing removes the owner's pid");
  await openSqlite({ dataDir }).close();
});

it("a folder held by another process is refused, naming it; killed with -9, it is free at once", async () => {
  const dataDir = tempDir();
  const lockModule = new URL("../../src/store/sqlite/lock.ts", import.meta.url).href;
  const other = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "-e",
      `import(${JSON.stringify(lockModule)}).then((m) => { m.lockDataDir(${JSON.stringify(dataDir)}); console.log("locked"); setInterval(() => {}, 1000); })`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let opened: Store | undefined;
  try {
    await once(other.stdout, "data");
    assert.throws(
      () => {
        opened = openSqlite({ dataDir });
      },
      new RegExp(`in use by process ${other.pid}`),
    );
    const exited = once(other, "exit");
    other.kill("SIGKILL");
    await exited;
    opened = openSqlite({ dataDir });
  } finally {
    other.kill("SIGKILL");
    await opened?.close();
  }
});

it("a pid left in LOCK decides nothing: not a live process's (after a reboot, another may carry it)", async () => {
  const dataDir = tempDir();
  const unrelated = spawn("sleep", ["30"]);
  try {
    writeFileSync(join(dataDir, "LOCK"), String(unrelated.pid));
    await openSqlite({ dataDir }).close();
  } finally {
    unrelated.kill();
  }
});
