// Entry point: `hitcounter [serve|create|stats|set|rotate-token|milestones|import|follow|backup|restore|admin] [flags]`. The usage text is the reference.

import { backup, restore } from "./cli/backup.js";
import { admin, create, milestones, rotateToken, set, stats } from "./cli/client.js";
import { follow } from "./cli/follow.js";
import { importFile } from "./cli/import.js";
import { serve } from "./cli/serve.js";

const USAGE = `hitcounter — a self-hostable webpage hit counter

  hitcounter serve [--port N] [--host H] [--data DIR] [--database-url URL] [--trust-proxy 1|ADDRS]
      Runs the server. Environment: PORT, HOST, HITCOUNTER_DATA, DATABASE_URL, TRUST_PROXY,
      PUBLIC_URL, LOG_LEVEL, SQLITE_SYNC, HIT_RATE_PER_MINUTE, REQUEST_RATE_PER_MINUTE,
      CREATE_RATE_PER_HOUR, REFRESH_MS, MAX_PENDING_HITS, IMAGE_PROXY_RANGES,
      PROXY_HIT_RATE_PER_MINUTE, ADDRESS_HIT_RATE_PER_MINUTE, LIVE_MAX, LIVE_MAX_PER_COUNTER,
      WEBHOOK_ALLOW_PRIVATE, WEBHOOK_RETRY_MS, ADMIN_TOKEN (see README "Configuration").
  hitcounter create [--label L] [--origins a.com,b.com] [--start N] [--public] [--time-zone TZ]
  hitcounter stats ID --token TOKEN
  hitcounter set ID --count N --token TOKEN
  hitcounter rotate-token ID --token TOKEN      a new admin token; the old one stops working
  hitcounter milestones ID [--webhook URL [--at 1000,10000] [--every N] | --off] --token TOKEN
      a webhook POSTed when the count passes a milestone; without options: it and its deliveries
  hitcounter import ID FILE|- --format log|goatcounter|csv [--site HOST] [--static] --token TOKEN
      brings history in (gzip or plain), with a progress bar; the same file twice is refused
  hitcounter follow ID LOGFILE [--site HOST] --token TOKEN
      counts a site from its access log as it grows (survives logrotate), without any embed
  hitcounter backup FILE [--token ADMIN_TOKEN]
      a consistent online backup of a running SQLite server (PostgreSQL: pg_dump)
  hitcounter restore FILE --data DIR
      puts a backup into an empty data folder
  hitcounter admin top [--sort hits_today|created] [--limit N]
  hitcounter admin block|unblock|delete ID
      Client commands talk to HITCOUNTER_URL (or --url; default http://localhost:8080);
      the token may also come from HITCOUNTER_TOKEN (admin commands: ADMIN_TOKEN).
`;

const [command = "serve", ...rest] = process.argv.slice(2);
const env = process.env;
const commands: Record<string, (argv: string[], env: Record<string, string | undefined>) => Promise<void>> = {
  serve,
  create,
  stats,
  set,
  "rotate-token": rotateToken,
  milestones,
  import: importFile,
  follow,
  backup,
  restore,
  admin,
};

const run = commands[command];
if (!run || rest.includes("--help")) {
  process.stdout.write(USAGE);
  process.exit(run || command === "help" || command === "--help" ? 0 : 2);
} else {
  run(rest, env).catch((err: Error) => {
    console.error(`hitcounter ${command}: ${err.message}`);
    process.exit(1);
  });
}
