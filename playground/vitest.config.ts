import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** `npm run test:browser`: the playground in headless chromium (playground/test/*.browser.ts). */
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  test: {
    include: ["playground/test/**/*.browser.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
