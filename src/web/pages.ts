// The pages people open in a browser: the front page (create a counter in one step), the
// owner's dashboard (/dashboard/{id}), the read-only stats page of a public counter
// (/stats/{id}) and the operator's page (/admin). The HTML is a static shell; the scripts in
// assets/ fetch the JSON API, so the pages hold no data and every figure goes through the
// same access rules as the API.
// Assets are read once at start and served from memory.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { envelope } from "../errors.js";
import { htmlHeaders } from "../http/guard.js";

const here = dirname(fileURLToPath(import.meta.url));
const chartDir = dirname(createRequire(import.meta.url).resolve("chart.js"));

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  "style.css": { type: "text/css; charset=utf-8", body: readFileSync(join(here, "assets/style.css")) },
  "front.js": { type: "text/javascript; charset=utf-8", body: readFileSync(join(here, "assets/front.js")) },
  "dashboard.js": { type: "text/javascript; charset=utf-8", body: readFileSync(join(here, "assets/dashboard.js")) },
  "milestones.js": { type: "text/javascript; charset=utf-8", body: readFileSync(join(here, "assets/milestones.js")) },
  "admin.js": { type: "text/javascript; charset=utf-8", body: readFileSync(join(here, "assets/admin.js")) },
  // Chart.js, the maintained charting library the dashboard draws with, from its npm package.
  "chart.umd.min.js": {
    type: "text/javascript; charset=utf-8",
    body: readFileSync(join(chartDir, "chart.umd.min.js")),
  },
};

const shell = (title: string, body: string, scripts: string[]) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header class="top"><a href="/" class="brand">hitcounter</a></header>
<main>
${body}
</main>
${scripts.map((s) => `<script src="/assets/${s}" defer></script>`).join("\n")}
</body>
</html>
`;

const FRONT = shell(
  "hitcounter — a free hit counter for any webpage",
  `<h1>A free hit counter for any webpage</h1>
<p class="lead">One line on your page shows how many people came by. No sign-up, no cookies, no trackers.</p>
<form id="create" class="card" novalidate>
  <label>Label <input name="label" value="visitors" maxlength="64" required></label>
  <label>Your site or page <input name="site" placeholder="example.com (optional: only count hits from there)" maxlength="300"></label>
  <div class="row">
    <label>Badge colour <select name="color">
      <option value="blue">blue</option><option value="brightgreen">green</option><option value="orange">orange</option>
      <option value="red">red</option><option value="purple">purple</option><option value="black">black</option>
    </select></label>
    <label>Digit theme <select name="theme">
      <option>odometer</option><option>lcd</option><option>plain</option><option>retro</option><option>matrix</option>
    </select></label>
    <label class="check"><input type="checkbox" name="public"> Public stats page</label>
  </div>
  <button type="submit">Create my counter</button>
  <p class="error" id="create-error" role="alert" hidden></p>
</form>
<section id="result" hidden>
  <div class="card warn">
    <h2>Your admin link — shown only once</h2>
    <p>Keep it: it is the only way back to your dashboard and settings. We store only a hash of the token.</p>
    <p><a id="admin-link" href="#">Open the dashboard</a></p>
    <div class="snippet"><code id="admin-url"></code><button type="button" data-copy="admin-url">Copy</button></div>
  </div>
  <h2>Paste one of these into your page</h2>
  <div id="embeds" class="embeds"></div>
</section>`,
  ["front.js"],
);

const DASHBOARD = shell(
  "hitcounter — stats",
  `<p id="token-note" class="card warn" role="alert" hidden></p>
<section id="denied" class="card warn" hidden>
  <h1>These stats are private</h1>
  <p id="denied-text">Open the admin link you got when you created the counter.</p>
</section>
<section id="stats" hidden>
  <div class="title-row"><h1 id="label"></h1><span id="visibility" class="pill"></span></div>
  <div class="totals">
    <div class="card"><span class="k">All-time hits</span><span class="v" id="t-hits"></span></div>
    <div class="card"><span class="k">All-time visitors</span><span class="v" id="t-visitors"></span></div>
    <div class="card"><span class="k">Today</span><span class="v" id="t-today"></span></div>
    <div class="card"><span class="k">Last 7 days</span><span class="v" id="t-7"></span></div>
    <div class="card"><span class="k">Last 30 days</span><span class="v" id="t-30"></span></div>
    <div class="card now"><span class="k">Online now (5 min)</span><span class="v" id="t-now"></span></div>
  </div>
  <div class="card">
    <div class="range">
      <label>From <input type="date" id="from"></label>
      <label>To <input type="date" id="to"></label>
      <button type="button" data-days="1">Today</button>
      <button type="button" data-days="2">2 days</button>
      <button type="button" data-days="7">7 days</button>
      <button type="button" data-days="30">30 days</button>
      <button type="button" data-days="365">1 year</button>
      <span class="grow"></span>
      <button type="button" id="export-csv">Export CSV</button>
      <button type="button" id="export-json">Export JSON</button>
    </div>
    <div class="chart"><canvas id="chart" aria-label="Hits and visitors over time" role="img"></canvas></div>
  </div>
  <div class="breakdowns" id="breakdowns"></div>
  <section id="settings" class="card" hidden>
    <h2>Settings</h2>
    <form id="settings-form">
      <label>Label <input name="label" maxlength="64"></label>
      <label>Allowed origins (comma separated; empty: any) <input name="origins"></label>
      <label>Time zone <input name="timeZone" maxlength="64"></label>
      <label>Dedupe window (seconds, 0: count every load) <input name="dedupeSeconds" type="number" min="0"></label>
      <label>Shows <select name="show"><option value="hits">hits</option><option value="visitors">visitors</option></select></label>
      <label class="check"><input type="checkbox" name="public"> Public stats page</label>
      <button type="submit">Save settings</button>
    </form>
    <form id="count-form" class="row">
      <label>Set the count <input name="count" type="number" min="0"></label>
      <button type="submit">Set</button>
    </form>
    <div class="row danger">
      <button type="button" id="reset">Reset counts</button>
      <button type="button" id="rotate">New admin token</button>
      <button type="button" id="delete">Delete counter</button>
    </div>
    <p id="settings-msg" role="status"></p>
    <div id="new-token" class="snippet" hidden><code id="new-link"></code></div>
  </section>
  <section id="milestones" class="card" hidden>
    <h2>Milestone webhook</h2>
    <form id="milestones-form">
      <label>Webhook URL (http or https; empty: none) <input name="url" maxlength="2000"></label>
      <label>At these counts (comma separated) <input name="at"></label>
      <label>And every (0: no) <input name="every" type="number" min="0"></label>
      <button type="submit">Save webhook</button>
    </form>
    <p id="milestones-msg" role="status"></p>
    <div id="milestones-secret" class="snippet" hidden>Signing secret, shown only now: <code id="milestones-secret-value"></code></div>
    <h3>Deliveries</h3>
    <p id="deliveries-none">None yet.</p>
    <ul id="deliveries"></ul>
  </section>
</section>`,
  ["chart.umd.min.js", "milestones.js", "dashboard.js"],
);

const ADMIN = shell(
  "hitcounter — operator",
  `<h1>Counters on this server</h1>
<form id="login" class="card">
  <label>Admin token (ADMIN_TOKEN) <input name="token" type="password" autocomplete="off" required></label>
  <button type="submit">Open</button>
</form>
<section id="list" class="card" hidden>
  <div class="range">
    <label>Sort <select id="sort"><option value="hits_today">hits today</option><option value="created">newest</option></select></label>
    <span>today (UTC): <span id="day"></span></span>
  </div>
  <table>
    <thead><tr><th>id</th><th>label</th><th>created</th><th>today</th><th>all time</th><th>refused today</th><th>state</th><th></th></tr></thead>
    <tbody id="rows"></tbody>
  </table>
</section>
<p id="admin-msg" role="status"></p>`,
  ["admin.js"],
);

export function webRoutes(app: FastifyInstance): void {
  const html = (body: string) => async (_req: unknown, reply: FastifyReply) => htmlHeaders(reply).send(body);
  app.get("/", html(FRONT));
  app.get("/dashboard/:id", html(DASHBOARD));
  app.get("/stats/:id", html(DASHBOARD));
  app.get("/admin", html(ADMIN));
  app.get<{ Params: { file: string } }>("/assets/:file", async (req, reply) => {
    const a = ASSETS[req.params.file];
    if (!a || !Object.hasOwn(ASSETS, req.params.file))
      return reply.code(404).send(envelope("not_found", "no such asset"));
    return reply.type(a.type).header("cache-control", "public, max-age=300").send(a.body);
  });
}
