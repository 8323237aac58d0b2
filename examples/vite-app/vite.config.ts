// The whole integration: one plugin. `import { Xor } from "./xor.nn"` then
// compiles the spec on the fly; spec errors are build errors (and the dev
// server's overlay), and editing the spec hot-reloads it.
import { defineConfig } from "vite";
import layerc from "layerc/vite";

export default defineConfig({
  plugins: [layerc()],
});
