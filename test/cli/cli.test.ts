// The hitcounter command as a user runs it (bin/hitcounter), against the real server.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { figures, hit, type Running, startApp } from "../helpers/server.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/hitcounter", import.meta.url).pathname;

let s: Running;
before(async () => {
  s = await startApp();
});
after(() => s.close());

const cli = (...args: string[]) => run(BIN, args, { env: { ...process.env, HITCOUNTER_URL: s.url } });

describe("hitcounter CLI", () => {
  it("create, stats and set", async () => {
    const created = JSON.parse((await cli("create", "--label", "visitors", "--start", "100")).stdout);
    assert.match(created.id, /^[A-Za-z0-9_-]{12}$/);
    assert.ok(created.embeds.badge.includes(created.id));
    await hit(s.url, created.id);
    const st = JSON.parse((await cli("stats", created.id, "--token", created.token)).stdout);
    assert.equal(st.label, "visitors");
    assert.equal(st.hits, 101);
    const set = JSON.parse((await cli("set", created.id, "--count", "12345", "--token", created.token)).stdout);
    assert.equal(set.hits, 12345);
    assert.equal((await figures(s.url, created.id)).hits, 12345);
  });

  it("a wrong token or a missing argument fails with a message and exit code 1", async () => {
    const created = JSON.parse((await cli("create")).stdout);
    await assert.rejects(cli("stats", created.id, "--token", "wrong"), (e: { code: number; stderr: string }) => {
      assert.equal(e.code, 1);
      assert.match(e.stderr, /401/);
      return true;
    });
    await assert.rejects(cli("set", created.id), (e: { code: number; stderr: string }) => {
      assert.match(e.stderr, /usage/);
      return true;
    });
  });

  it("milestones: sets the webhook (secret printed once), shows it, and turns it off", async () => {
    const created = JSON.parse((await cli("create")).stdout);
    const t = ["--token", created.token];
    const set = JSON.parse(
      (
        await cli(
          "milestones",
          created.id,
          "--webhook",
          "https://93.184.215.14/hook",
          "--at",
          "1000,10",
          "--every",
          "500",
          ...t,
        )
      ).stdout,
    );
    assert.deepEqual(set.milestones, { url: "https://93.184.215.14/hook", at: [10, 1000], every: 500 });
    assert.match(set.webhookSecret, /^[A-Za-z0-9_-]{32}$/);
    const shown = JSON.parse((await cli("milestones", created.id, ...t)).stdout);
    assert.deepEqual(shown, { milestones: set.milestones, deliveries: [] });
    const off = JSON.parse((await cli("milestones", created.id, "--off", ...t)).stdout);
    assert.equal(off.milestones, null);
  });

  it("--help prints the usage", async () => {
    const { stdout } = await cli("--help");
    assert.match(stdout, /hitcounter serve/);
    assert.match(stdout, /HITCOUNTER_DATA/);
  });
});
