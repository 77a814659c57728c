// `hitcounter serve`: boot config -> store -> app, listen, and on SIGTERM/SIGINT stop
// accepting, finish in-flight requests, flush pending hits and exit 0.

import { buildApp } from "../app.js";
import { loadConfig } from "../config.js";
import { openStore } from "../store/open.js";

export async function serve(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const config = loadConfig(argv, env);
  // The store may warn before the server's logger exists; from then on, warnings go there.
  let warn = (message: string, err?: unknown) => console.warn(`hitcounter: ${message}`, (err as Error)?.message ?? "");
  const store = await openStore(config, (message, err) => warn(message, err));
  const app = await buildApp(config, store);
  warn = (message, err) => app.http.log.warn({ err }, message);
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    app.http.log.info({ signal }, "shutting down: draining requests and flushing hits");
    app.http.close().then(
      () => process.exit(0),
      (err) => {
        app.http.log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await app.http.listen({ port: config.port, host: config.host });
}
