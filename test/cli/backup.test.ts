// hitcounter backup and restore as a user runs them: a backup taken from a running SQLite
// server under load, restored into an empty folder, holds every hit answered as counted
// before the backup began (and nothing that was never counted); the restored server counts on.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, it } from "node:test";
import { promisify } from "node:util";
import { hammer, type Tally } from "../helpers/load.js";
import { type Child, createCounter, figures, freePort, hit, spawnServer, tempDir } from "../helpers/server.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/hitcounter", import.meta.url).pathname;
const ADMIN = "a-very-long-operator-token-for-tests";
const children: Child[] = [];
after(() => {
  for (const c of children) c.proc.kill("SIGKILL");
});

it("a backup under load restores every hit answered as counted before it began", async () => {
  const env = { HITCOUNTER_DATA: tempDir(), TRUST_PROXY: "1", ADMIN_TOKEN: ADMIN, LOG_LEVEL: "warn" };
  const server = await spawnServer(env, freePort());
  children.push(server);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await createCounter(server.url)).id);
  let stop = false;
  let tally: Tally | undefined;
  const load = hammer(server.url, ids, {
    workers: 8,
    total: 1_000_000,
    stop: () => stop,
    onAnswer: (t) => {
      tally = t;
    },
  });
  await new Promise((r) => setTimeout(r, 1500));
  // Every hit answered as counted up to here: the backup must hold them all.
  const before = new Map([...(tally?.byCounter ?? [])].map(([id, c]) => [id, c.counted]));
  assert.ok([...before.values()].reduce((a, b) => a + b, 0) > 100, "the load is running");
  const file = join(tempDir(), "backup.db");
  await run(BIN, ["backup", file], { env: { ...process.env, HITCOUNTER_URL: server.url, ADMIN_TOKEN: ADMIN } });
  stop = true;
  const final = await load;

  const restoredDir = join(tempDir(), "restored");
  await run(BIN, ["restore", file, "--data", restoredDir]);
  server.proc.kill("SIGTERM");
  await server.exited;
  const restored = await spawnServer({ ...env, HITCOUNTER_DATA: restoredDir }, freePort());
  children.push(restored);
  for (const id of ids) {
    const got = (await figures(restored.url, id)).hits;
    const counted = final.byCounter.get(id)?.counted ?? 0;
    assert.ok(got >= (before.get(id) ?? 0), `${id}: ${got} restored, ${before.get(id)} counted before the backup`);
    assert.ok(got <= counted, `${id}: ${got} restored, ${counted} ever counted`);
  }
  // The restored server counts on from there.
  const first = ids[0] as string;
  const was = (await figures(restored.url, first)).hits;
  assert.equal((await hit(restored.url, first, "svg", { ip: "192.0.2.77" })).headers.get("x-hit-counted"), "1");
  assert.equal((await figures(restored.url, first)).hits, was + 1);

  // Restore never overwrites: a folder with anything in it is refused.
  writeFileSync(join(restoredDir, "note"), "x");
  await assert.rejects(run(BIN, ["restore", file, "--data", restoredDir]), /not empty/);
  await assert.rejects(
    run(BIN, ["restore", join(restoredDir, "note"), "--data", join(tempDir(), "x")]),
    /not a SQLite|no hitcounter data/,
  );
});
