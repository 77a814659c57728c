// Compiles src/ (TypeScript) into dist/ (plain JavaScript, one file per module, the same tree)
// with esbuild, and copies the web assets beside it. The server runs from dist/: under tsx
// every thread (main, fold worker, stats reads, PNG) carried its own ~35 MB TypeScript
// compiler, a third of the process's resident memory. esbuild only strips types; `npm run
// check` is where the types are checked.
// Written to a fresh folder and swapped in, so a server starting meanwhile never reads a
// half-written tree. `--if-stale` builds only when a file under src/ is newer than dist/
// (the test helpers and bin/hitcounter call it before each start: a check costs a few ms).

import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src");
const out = join(root, "dist");
const fresh = `${out}.${process.pid}`;

const stamp = join(out, ".built");

/** Every file under `dir`. */
function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

const all = files(src);
if (process.argv.includes("--if-stale") && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (all.every((f) => statSync(f).mtimeMs <= built)) process.exit(0);
}

const { build } = await import("esbuild");
await build({
  entryPoints: all.filter((f) => f.endsWith(".ts")),
  outdir: fresh,
  outbase: src,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
});
cpSync(join(src, "web/assets"), join(fresh, "web/assets"), { recursive: true });
writeFileSync(join(fresh, ".built"), "");
const old = `${out}.old.${process.pid}`;
if (existsSync(out)) renameSync(out, old);
renameSync(fresh, out);
rmSync(old, { recursive: true, force: true });
