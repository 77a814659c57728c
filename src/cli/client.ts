// The client commands: create, stats, set, rotate-token, and the operator's admin commands.
// They talk to a running server's JSON API
// (HITCOUNTER_URL or --url, default http://localhost:8080), so they work the same against a
// local SQLite server and a PostgreSQL cluster.

import { parseArgs } from "node:util";

type Env = Record<string, string | undefined>;

interface Common {
  url: string;
  token: string | undefined;
}

function common(values: Record<string, unknown>, env: Env): Common {
  const url = (typeof values.url === "string" ? values.url : env.HITCOUNTER_URL) ?? "http://localhost:8080";
  const token = typeof values.token === "string" ? values.token : env.HITCOUNTER_TOKEN;
  return { url: url.replace(/\/$/, ""), token };
}

/** The operator's commands authenticate with ADMIN_TOKEN (or --token), not a counter's token. */
function adminCommon(values: Record<string, unknown>, env: Env): Common {
  return { ...common(values, env), token: typeof values.token === "string" ? values.token : env.ADMIN_TOKEN };
}

async function call(c: Common, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(c.url + path, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return {};
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) {
    const msg = (data as { error?: { message?: string } }).error?.message ?? res.statusText;
    throw new Error(`${res.status}: ${msg}`);
  }
  return data;
}

const shared = { url: { type: "string" }, token: { type: "string" } } as const;

export async function create(argv: string[], env: Env): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...shared,
      label: { type: "string" },
      origins: { type: "string" },
      start: { type: "string" },
      public: { type: "boolean" },
      "time-zone": { type: "string" },
    },
  });
  const body: Record<string, unknown> = {};
  if (values.label !== undefined) body.label = values.label;
  if (values.origins !== undefined) body.origins = values.origins.split(",").map((s) => s.trim());
  if (values.start !== undefined) body.start = Number(values.start);
  if (values.public) body.public = true;
  if (values["time-zone"] !== undefined) body.timeZone = values["time-zone"];
  const out = await call(common(values, env), "POST", "/api/counters", body);
  console.log(JSON.stringify(out, null, 2));
}

export async function stats(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: shared, allowPositionals: true });
  const id = positionals[0];
  if (!id) throw new Error("usage: hitcounter stats ID [--token TOKEN]");
  console.log(JSON.stringify(await call(common(values, env), "GET", `/api/counters/${id}`), null, 2));
}

export async function set(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...shared, count: { type: "string" } },
    allowPositionals: true,
  });
  const id = positionals[0];
  if (!id || values.count === undefined) throw new Error("usage: hitcounter set ID --count N [--token TOKEN]");
  const out = await call(common(values, env), "PATCH", `/api/counters/${id}`, { count: Number(values.count) });
  console.log(JSON.stringify(out, null, 2));
}

export async function rotateToken(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: shared, allowPositionals: true });
  const id = positionals[0];
  if (!id) throw new Error("usage: hitcounter rotate-token ID --token TOKEN");
  const out = (await call(common(values, env), "POST", `/api/counters/${id}/token`)) as { token: string };
  console.log(JSON.stringify(out, null, 2));
  console.error("The old token no longer works. Keep the new one: it is shown only this once.");
}

/**
 * `hitcounter milestones ID --webhook URL [--at 1000,10000] [--every N]` sets the milestone
 * webhook (the secret is printed the first time), `--off` removes it, and with neither it
 * prints the setting and the latest deliveries.
 */
export async function milestones(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...shared,
      webhook: { type: "string" },
      at: { type: "string" },
      every: { type: "string" },
      off: { type: "boolean" },
    },
    allowPositionals: true,
  });
  const id = positionals[0];
  if (!id) throw new Error("usage: hitcounter milestones ID [--webhook URL --at N,N --every N | --off] --token TOKEN");
  const c = common(values, env);
  if (values.webhook === undefined && !values.off) {
    console.log(JSON.stringify(await call(c, "GET", `/api/counters/${id}/milestones`), null, 2));
    return;
  }
  const at = values.at ? values.at.split(",").map((x) => Number(x.trim())) : [];
  const body = values.off ? null : { url: values.webhook, at, every: Number(values.every ?? 0) };
  const out = (await call(c, "PATCH", `/api/counters/${id}`, { milestones: body })) as {
    milestones: unknown;
    webhookSecret?: string;
  };
  console.log(JSON.stringify({ milestones: out.milestones, webhookSecret: out.webhookSecret }, null, 2));
  if (out.webhookSecret) console.error("Keep the webhook secret: it is shown only this once.");
}

/** `hitcounter admin top|block|unblock|delete …` against /api/admin. */
export async function admin(argv: string[], env: Env): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...shared, sort: { type: "string" }, limit: { type: "string" } },
    allowPositionals: true,
  });
  const [action, id] = positionals;
  const c = adminCommon(values, env);
  if (action === "top") {
    const sort = values.sort ?? "hits_today";
    const limit = values.limit ?? "20";
    const out = (await call(c, "GET", `/api/admin/counters?sort=${encodeURIComponent(sort)}&limit=${limit}`)) as {
      day: string;
      counters: { id: string; label: string; hitsToday: number; hits: number; blocked: boolean; refused: object }[];
    };
    console.log(`counters by ${sort}, today (UTC) ${out.day}:`);
    for (const r of out.counters) {
      const refused = Object.entries(r.refused)
        .map(([k, v]) => `${k} ${Math.round((v as number) * 100)}%`)
        .join(", ");
      console.log(
        `${r.id}  today ${r.hitsToday}  total ${r.hits}${r.blocked ? "  BLOCKED" : ""}${refused ? `  refused: ${refused}` : ""}  ${r.label}`,
      );
    }
    return;
  }
  if ((action === "block" || action === "unblock" || action === "delete") && id) {
    if (action === "delete") await call(c, "DELETE", `/api/admin/counters/${id}`);
    else await call(c, "POST", `/api/admin/counters/${id}/${action}`);
    console.log(`${action}: ${id}`);
    return;
  }
  throw new Error(
    "usage: hitcounter admin top [--sort hits_today|created] [--limit N] | admin block|unblock|delete ID",
  );
}
