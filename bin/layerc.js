#!/usr/bin/env node
// The layerc command; the implementation is dist/cli/main.js, src/cli/main.ts bundled by `npm run build`
// (scripts/bundle-cli.mjs) so a cold start reads a few files, not hundreds.
// `--version` answers from package.json without loading the compiler, so it costs a Node start.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const { main } = await import("../dist/cli/main.js");
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
