import { createReadStream } from "node:fs";
import { readImport } from "/work/main/src/imports/run.ts";
const t = performance.now();
const r = await readImport(createReadStream(process.argv[2]!, { highWaterMark: 1 << 20 }), "log", "UTC", { static: false, site: "" });
console.log(r.summary.read, ((performance.now() - t) / 1000).toFixed(2), "s", Math.round(r.summary.read / ((performance.now() - t) / 1000)), "lines/s");
