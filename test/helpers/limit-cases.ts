/**
 * The resource cases of issue #10: inputs that once ran for minutes, used
 * gigabytes or overflowed the stack. Each must end with `expect` in under
 * 2 s and 500 MB (test/limits.test.ts, test/fuzz/limits.fuzz.ts).
 */
import type { CompileOptions } from "../../src/index.js";

export interface LimitCase {
  readonly name: string;
  readonly source: string;
  readonly options?: CompileOptions;
  /** Run through `formatSpec` instead of `compile`. */
  readonly fmt?: boolean;
  /** The diagnostic code it must end with. */
  readonly expect: string;
}

const layers = (n: number) => `model M {\n  Dense(1, input_shape=(1,))\n${"  Dense(1)\n".repeat(n - 1)}}\n`;

export function limitCases(): LimitCase[] {
  return [
    { name: "Dense 300×300 with unroll=full", source: "model M(unroll=full) {\n  Dense(300, input_shape=(300,))\n  Dense(300)\n  compile(loss='mse')\n}\n", expect: "limit_code_size" },
    { name: "Conv2D with unroll=full", source: "model M(unroll=full) {\n  Conv2D(64, 3, input_shape=(64, 64, 16))\n  compile(loss='mse')\n}\n", expect: "limit_code_size" },
    { name: "5,000 layers", source: layers(5000), expect: "limit_layers" },
    { name: "95,000 one-unit layers in 1 MiB", source: layers(95_000), options: { limits: { maxFileBytes: 1_048_576 } }, expect: "limit_layers" },
    { name: "Dense with 16,000 positional arguments", source: `model M {\n  Dense(${Array(16_000).fill("1").join(", ")}, input_shape=(1,))\n}\n`, expect: "arg_too_many_positional" },
    { name: "1,900 bad layers (diagnostics cap)", source: `model M {\n  Input(shape=(1,))\n${"  Dense(x)\n".repeat(1_900)}}\n`, expect: "file_too_many_diagnostics" },
    { name: "16 MiB file", source: `model M {\n${"  Dense(1)\n".repeat(1_700_000)}}\n`, expect: "file_too_large" },
    { name: "fmt of a 16 MiB file", source: `model M {\n${"  Dense(1)\n".repeat(1_700_000)}}\n`, fmt: true, expect: "file_too_large" },
  ];
}
