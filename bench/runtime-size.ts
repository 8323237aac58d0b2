/**
 * The runtime's shipped size alone (bench/sizes.ts; the same numbers
 * bench/run.ts puts in RESULTS.md), in seconds instead of minutes:
 *
 *   npx tsx bench/runtime-size.ts
 *
 * Models: the bench models (M1 seed, M2 MLP, M3 CNN, M4 MNIST CNN) and
 * every example (those with compile(...) train with fit; examples/seed.nn
 * is inference only: ModelBase).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { runtimeSizes } from "./sizes.js";

const HERE = import.meta.dirname;
const ROOT = path.resolve(HERE, "..");
const bench = ["seed.nn", "mlp.nn", "cnn.nn", "mnist.nn"].map((f) => path.join(HERE, "models", f));
const examples = readdirSync(path.join(ROOT, "examples"))
  .filter((f) => f.endsWith(".nn"))
  .map((f) => path.join(ROOT, "examples", f));
const sizes = await runtimeSizes([...bench, ...examples], path.join(HERE, ".gen", "sizes"));
console.log("| entry | min bytes | min+gzip bytes |");
console.log("|---|---|---|");
for (const s of sizes) console.log(`| ${s.entry} | ${s.minBytes} | ${s.gzipBytes}${s.error ? ` (${s.error})` : ""} |`);
