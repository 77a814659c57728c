// PNG embeds are drawn off the event loop, capped: a flood of distinct PNGs gets fast 503s
// past PNG_RENDERS_MAX (not counted), never slows SVG embeds to a stall, never a 500.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createCounter, figures, hit, type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp({ PNG_RENDERS_MAX: "2" });
});
after(() => s.close());

const PNG_SIGNATURE = "89504e470d0a1a0a";

it("past the render cap, distinct PNGs are 503 with Retry-After and not counted; SVGs are answered meanwhile", async () => {
  const c = await createCounter(s.url);
  const pngs = Array.from({ length: 40 }, (_, i) =>
    hit(s.url, c.id, "png", { ip: `192.0.2.${i + 1}`, query: `label=distinct-${i}` }),
  );
  const svgStarted = performance.now();
  const svg = await hit(s.url, c.id, "svg", { ip: "198.51.100.1" });
  const svgMs = performance.now() - svgStarted;
  assert.equal(svg.status, 200);
  const answers = await Promise.all(pngs);
  let drawn = 0;
  let refused = 0;
  for (const r of answers) {
    const body = Buffer.from(await r.arrayBuffer());
    if (r.status === 200) {
      assert.equal(body.subarray(0, 8).toString("hex"), PNG_SIGNATURE);
      assert.equal(r.headers.get("x-hit-counted"), "1");
      drawn++;
    } else {
      assert.equal(r.status, 503);
      assert.equal(r.headers.get("retry-after"), "1");
      assert.match(body.toString(), /"code":"busy"/);
      refused++;
    }
  }
  assert.ok(drawn >= 2, `drawn ${drawn}`);
  assert.ok(refused >= 1, `refused ${refused}`);
  assert.equal((await figures(s.url, c.id)).hits, drawn + 1, "a refused PNG was not counted");
  assert.ok(svgMs < 500, `an SVG beside the PNG flood took ${svgMs.toFixed(0)} ms`);
});
