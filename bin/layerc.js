#!/usr/bin/env node
// The layerc command; the implementation lives in dist/src/cli/main.js (built by `npm run build`).
import { main } from "../dist/src/cli/main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error);
    process.exitCode = 2;
  },
);
