// Route options of POST /api/hit, the script embed's hit route, which stays on Fastify (the
// image embeds are answered ahead of it: embeds.ts).

import type { FastifyBaseLogger } from "fastify";

/**
 * Its requests log through the server's logger itself rather than through a child made for
 * each request to carry its id: about 1 µs of a hit's ~30 µs. Nothing is logged on a hit's
 * way; a failure there is logged without the request id.
 */
export const HOT_ROUTE = { childLoggerFactory: (logger: FastifyBaseLogger) => logger };
