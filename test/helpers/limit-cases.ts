/**
 * The resource cases of issue #10: inputs that once ran for minutes, used
 * gigabytes or overflowed the stack. Each must end with `expect` in under
 * 2 s and 500 MB (test/limits.test.ts, test/fuzz/limits.fuzz.ts).
 */
import { defaultLimits, type CompileOptions } from "../../src/index.js";

export interface LimitCase {
  readonly name: string;
  readonly source: string;
  readonly options?: CompileOptions;
  /** Run through `formatSpec` instead of `compile`. */
  readonly fmt?: boolean;
  /** The diagnostic code it must end with. */
  readonly expect: string;
}

const manyModels = (n: number) => Array.from({ length: n }, (_, i) => `model M${i} {\n  Dense(1, input_shape=(1,))\n}\n`).join("");

const layers = (n: number) => `model M {\n  Dense(1, input_shape=(1,))\n${"  Dense(1)\n".repeat(n - 1)}}\n`;

export function limitCases(): LimitCase[] {
  return [
    { name: "Dense 300×300 with unroll=full", source: "model M(unroll=full) {\n  Dense(300, input_shape=(300,))\n  Dense(300)\n  compile(loss='mse')\n}\n", expect: "limit_code_size" },
    { name: "Conv2D with unroll=full", source: "model M(unroll=full) {\n  Conv2D(64, 3, input_shape=(64, 64, 16))\n  compile(loss='mse')\n}\n", expect: "limit_code_size" },
    {
      name: "two models, each under the statement budget, together over it",
      source: denseAtBudget(5_000).replace("model M(", "model A(") + denseAtBudget(5_000).replace("model M(", "model B("),
      expect: "limit_file_code_size",
    },
    { name: "5,000 layers", source: layers(5000), expect: "limit_layers" },
    { name: "95,000 one-unit layers in 1 MiB", source: layers(95_000), options: { limits: { maxFileBytes: 1_048_576 } }, expect: "limit_layers" },
    { name: "22,851 one-layer models in 1 MiB", source: manyModels(22_851), expect: "limit_file_layers" },
    { name: "Dense with 16,000 positional arguments", source: `model M {\n  Dense(${Array(16_000).fill("1").join(", ")}, input_shape=(1,))\n}\n`, expect: "arg_too_many_positional" },
    { name: "1,900 bad layers (diagnostics cap)", source: `model M {\n  Input(shape=(1,))\n${"  Dense(x)\n".repeat(1_900)}}\n`, expect: "file_too_many_diagnostics" },
    { name: "16 MiB file", source: `model M {\n${"  Dense(1)\n".repeat(1_700_000)}}\n`, expect: "file_too_large" },
    { name: "fmt of a 16 MiB file", source: `model M {\n${"  Dense(1)\n".repeat(1_700_000)}}\n`, fmt: true, expect: "file_too_large" },
  ];
}

/** A trained Dense(1) over n inputs with unroll=full: 12·n + 22 generated statements. */
export const denseAtBudget = (n: number) => `model M(unroll=full) {\n  Dense(1, input_shape=(${n},))\n  compile(loss='mse')\n}\n`;

/** A Conv1D over n channels with unroll=full: n + 4 statements, the forward one sum of n + 1 terms. */
export const convSumAtBudget = (n: number) => `model M(unroll=full) {\n  Conv1D(1, 1, input_shape=(1, ${n}))\n}\n`;

export interface BudgetCase {
  readonly name: string;
  readonly source: string;
  /** Its generated statements when known exactly (all are within the default `maxStatements`). */
  readonly statements?: number;
}

/**
 * Models at the default statement budget: what the code-size limit admits
 * must compile in about 2 s (test/fuzz/limits.fuzz.ts; test/limits.test.ts
 * runs them at a quarter of the budget).
 */
export function budgetCases(): BudgetCase[] {
  const max = defaultLimits.maxStatements;
  const dense = Math.floor((max - 22) / 12);
  return [
    { name: `trained Dense over ${dense} inputs, unroll=full`, source: denseAtBudget(dense), statements: 12 * dense + 22 },
    { name: `Conv1D summing ${max - 4} channels, unroll=full`, source: convSumAtBudget(max - 4), statements: max },
    {
      name: "Conv2D + pooling + Dense, unroll=full",
      // estimated 86,873 statements (each convolution term counts), 57,852 generated
      source: "model M(unroll=full) {\n  Conv2D(4, 3, input_shape=(20, 20, 3))\n  MaxPooling2D(2)\n  Flatten()\n  Dense(1)\n  compile(loss='mse')\n}\n",
    },
  ];
}
