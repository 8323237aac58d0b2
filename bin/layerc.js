#!/usr/bin/env node
// The layerc command; the implementation lives in dist/src/cli/main.js (built by `npm run build`).
// `--version` answers from package.json without loading the compiler, so it costs a Node start.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const { main } = await import("../dist/src/cli/main.js");
  main(args).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
