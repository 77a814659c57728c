// One server per data folder: a second store on a folder in use is refused with a message
// naming the owner, whether the owner is this process or another live one; a lock left by a
// process that is gone (kill -9) is taken over, and a closed store frees the folder.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
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
  assert.equal(existsSync(join(dataDir, "LOCK")), false, "closing removes the lock");
  await openSqlite({ dataDir }).close();
});

it("a folder locked by another live process is refused, naming it", async () => {
  const dataDir = tempDir();
  const other = spawn("sleep", ["30"]);
  let opened: Store | undefined;
  try {
    writeFileSync(join(dataDir, "LOCK"), String(other.pid));
    assert.throws(
      () => {
        opened = openSqlite({ dataDir });
      },
      new RegExp(`in use by process ${other.pid}`),
    );
  } finally {
    other.kill();
    await opened?.close();
  }
});

it("a lock left by a process that is gone is taken over", async () => {
  const dataDir = tempDir();
  const gone = spawnSync("sh", ["-c", "echo $$"]).stdout.toString().trim();
  writeFileSync(join(dataDir, "LOCK"), gone);
  const store = openSqlite({ dataDir });
  await store.close();
});
