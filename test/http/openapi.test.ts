// GET /openapi.json over the real server: a valid OpenAPI 3.1 document (checked by a real
// validator) that describes every route the server registers and the hand-written embed
// routes; the reference page /docs/api is served from the package's own files.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { validate } from "@readme/openapi-parser";
import { type Running, startApp } from "../helpers/server.js";

let s: Running;
before(async () => {
  s = await startApp();
});
after(() => s.close());

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>> };
const doc = async () => (await (await fetch(`${s.url}/openapi.json`)).json()) as Doc;

it("is valid OpenAPI 3.1", async () => {
  const d = await doc();
  assert.equal(d.openapi, "3.1.0");
  const result = await validate(structuredClone(d) as never);
  assert.deepEqual(result.valid ? [] : result.errors, []);
  assert.equal(result.valid, true);
});

it("describes every route the server registers, and the embed routes", async () => {
  const d = await doc();
  const missing: string[] = [];
  assert.ok(s.app.routes.length > 20, `${s.app.routes.length} routes seen`);
  for (const r of s.app.routes) {
    // The reference page's assets are @fastify/swagger-ui's own files, under its prefix.
    if (r.url.startsWith("/docs/api/")) continue;
    const path = r.url.replace(/:(\w+)/g, "{$1}");
    const method = r.method.toLowerCase();
    // HEAD routes Fastify adds for each GET are described by the GET.
    const item = d.paths[path];
    if (!item || !(item[method] || (method === "head" && item.get))) missing.push(`${r.method} ${path}`);
  }
  assert.deepEqual(missing, []);
  for (const ext of ["svg", "png", "gif", "json"]) {
    const item = d.paths[`/c/{id}.${ext}`] as { get: { responses: Record<string, { headers?: object }> } };
    assert.ok(item?.get, `/c/{id}.${ext}`);
    assert.ok(item.get.responses["200"]?.headers && "X-Hit-Counted" in item.get.responses["200"].headers);
  }
  const hit = d.paths["/api/hit"]?.post as { responses: Record<string, { headers?: object }> };
  assert.ok(hit.responses["200"]?.headers && "X-Hit-Reason" in hit.responses["200"].headers);
  assert.ok(d.paths["/c/{id}/live"]?.get);
});

it("serves the reference page at /docs/api from local files, no CDN", async () => {
  const page = await fetch(`${s.url}/docs/api/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /swagger-ui/i);
  const remote = [...html.matchAll(/(?:src|href)="(https?:)?\/\/[^"]+"/g)].map((m) => m[0]);
  assert.deepEqual(remote, []);
  const scripts = [...html.matchAll(/src="\.?\/?([^"]+\.js)"/g)].map((m) => m[1] as string);
  assert.ok(scripts.length > 0);
  for (const src of scripts) {
    const r = await fetch(new URL(src, `${s.url}/docs/api/`));
    assert.equal(r.status, 200, src);
  }
});
