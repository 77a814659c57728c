// The PNG bench: SVG hits/s on one counter alone, then beside a flood of distinct-label PNGs
// (1,000 a second, each a picture never drawn before). PNGs are drawn on a worker thread at
// the lowest priority, capped; the SVG figure beside the flood should stay within 10 %.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCounters, load, SERVE, serverEnv, startNode, stop, tempDir, waitHttp } from "./harness.js";

const PORT = 8185;
const PNG_RATE = 1000;

export async function pngBench(): Promise<string> {
  const dataDir = tempDir();
  const url = `http://127.0.0.1:${PORT}`;
  const server = startNode(0, SERVE, serverEnv(PORT, dataDir));
  await waitHttp(`${url}/healthz`, server);
  const idsFile = join(dataDir, "ids.txt");
  writeFileSync(idsFile, (await createCounters(url, 1)).join("\n"));
  await load(url, idsFile, 2); // warm-up
  const alone = await load(url, idsFile);
  const [beside, pngs] = await Promise.all([
    load(url, idsFile),
    load(url, idsFile, undefined, ".png?label=p{n}", 0, PNG_RATE),
  ]);
  await stop(server);
  const ratio = beside.rps / alone.rps;
  return [
    `png: SVG alone ${Math.round(alone.rps)} hits/s; beside ${PNG_RATE} distinct PNGs/s ${Math.round(beside.rps)} hits/s (${ratio.toFixed(2)}, target >= 0.90)`,
    `   the PNG load: ${pngs.ok} drawn, ${pngs.non2xx} refused 503 (busy), p99 ${pngs.p99} ms`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await pngBench());
