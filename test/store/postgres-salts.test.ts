// Nodes that start together on PostgreSQL all ask for today's salt at once: every one of them
// must get the same salt, or the same visitor would count as two on different nodes.

import assert from "node:assert/strict";
import { it } from "node:test";
import { openPostgres } from "../../src/store/postgres/index.js";
import { dropSchema, freshSchema, PG_URL } from "../helpers/postgres.js";

it("nodes racing for a new day's salt all get the same one", async () => {
  const schema = freshSchema();
  const nodes = await Promise.all([0, 1, 2, 3].map(() => openPostgres({ url: PG_URL, schema })));
  try {
    for (const day of ["2030-01-01", "2030-01-02", "2030-01-03", "2030-01-04", "2030-01-05"]) {
      const salts = await Promise.all(nodes.flatMap((s) => [s.salt(day), s.salt(day), s.salt(day)]));
      assert.equal(new Set(salts.map((b) => b.toString("hex"))).size, 1, `one salt for ${day}`);
    }
  } finally {
    for (const s of nodes) await s.close();
    await dropSchema(schema);
  }
});
