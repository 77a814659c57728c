// GET /: a plain page saying what this server is and how to get a counter, for people who land
// on it from a badge. Static HTML, no script, served under the strict CSP of guard.ts.

import type { FastifyInstance } from "fastify";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hitcounter</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; }
  code, pre { background: #f3f3f3; border-radius: 4px; padding: 0 .25rem; }
  pre { padding: .75rem; overflow-x: auto; }
  @media (prefers-color-scheme: dark) { body { background: #111; color: #ddd; } code, pre { background: #222; } }
</style>
</head>
<body>
<h1>hitcounter</h1>
<p>A free, self-hosted webpage hit counter: an SVG badge, a classic digit counter, a PNG, a pixel,
a script or JSON. No cookies, no trackers; visitors are counted with a daily salted hash.</p>
<h2>Get a counter</h2>
<pre>curl -X POST https://THIS-HOST/api/counters -H 'content-type: application/json' -d '{"label":"visitors"}'</pre>
<p>The answer holds the counter's id, its admin token (shown once) and ready-to-paste snippets, such as</p>
<pre>&lt;img src="https://THIS-HOST/c/ID.svg" alt="visitors"&gt;</pre>
</body>
</html>
`;

export function frontPageRoutes(app: FastifyInstance): void {
  app.get("/", async (_req, reply) => reply.type("text/html; charset=utf-8").send(PAGE));
}
