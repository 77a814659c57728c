// The baseline: a bare node:http server answering one fixed small SVG, no work at all.
// Whatever hitcounter achieves is measured as a share of this, on the same machine, same run.

import { createServer } from "node:http";

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20"><rect width="80" height="20" fill="#555"/><text x="40" y="14" fill="#fff" font-size="11" text-anchor="middle">hits 1234</text></svg>';

const port = Number(process.argv[2] ?? 8180);
createServer((_req, res) => {
  res.writeHead(200, {
    "content-type": "image/svg+xml; charset=utf-8",
    "cache-control": "no-cache, no-store, must-revalidate, max-age=0",
  });
  res.end(SVG);
}).listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
