// Entry point: `hitcounter [serve|create|stats|set] [flags]`. The usage text is the reference.

import { create, set, stats } from "./cli/client.js";
import { serve } from "./cli/serve.js";

const USAGE = `hitcounter — a self-hostable webpage hit counter

  hitcounter serve [--port N] [--host H] [--data DIR] [--database-url URL] [--trust-proxy 1|ADDRS]
      Runs the server. Environment: PORT, HOST, HITCOUNTER_DATA, DATABASE_URL, TRUST_PROXY,
      PUBLIC_URL, LOG_LEVEL, SQLITE_SYNC, HIT_RATE_PER_MINUTE, REQUEST_RATE_PER_MINUTE,
      CREATE_RATE_PER_HOUR, REFRESH_MS, MAX_PENDING_HITS (see README "Configuration").
  hitcounter create [--label L] [--origins a.com,b.com] [--start N] [--public] [--time-zone TZ]
  hitcounter stats ID --token TOKEN
  hitcounter set ID --count N --token TOKEN
      Client commands talk to HITCOUNTER_URL (or --url; default http://localhost:8080);
      the token may also come from HITCOUNTER_TOKEN.
`;

const [command = "serve", ...rest] = process.argv.slice(2);
const env = process.env;
const commands: Record<string, (argv: string[], env: Record<string, string | undefined>) => Promise<void>> = {
  serve,
  create,
  stats,
  set,
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
