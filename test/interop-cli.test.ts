/**
 * `layerc import` (and, with it, the files a user gets): the spec and the
 * weights land in --out-dir under the input's stem; a failed import writes
 * nothing and exits 1; a missing file is a usage error (exit 2).
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readWeights } from "../src/runtime/index.js";
import { cliPath } from "./helpers/process.js";

const FIXTURES = join(import.meta.dirname, "keras", "interop");
const dir = mkdtempSync(join(tmpdir(), "layerc-interop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: dir,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe("layerc import", () => {
  it("writes <stem>.nn and <stem>.weights.bin", () => {
    copyFileSync(join(FIXTURES, "mlp", "model.keras"), join(dir, "mlp.keras"));
    const r = run(
      "import",
      "mlp.keras",
      "--out-dir",
      "out",
      "--name",
      "Classifier",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const spec = readFileSync(join(dir, "out", "mlp.nn"), "utf8");
    expect(spec).toMatch(
      /^# Imported from mlp\.keras \(Keras 3\.\d+\.\d+\) by layerc import\nmodel Classifier \{/,
    );
    const weights = readWeights(
      readFileSync(join(dir, "out", "mlp.weights.bin")),
    );
    expect(weights.map((w) => w.name)).toEqual([
      "dense/kernel",
      "dense/bias",
      "batch_normalization/gamma",
      "batch_normalization/beta",
      "batch_normalization/moving_mean",
      "batch_normalization/moving_variance",
      "out/kernel",
      "out/bias",
    ]);
    expect(weights.model).toBe("Classifier");
  });

  it("imports weights-only files with --spec, and tfjs models with their shards", () => {
    writeFileSync(
      join(dir, "seed.nn"),
      readFileSync(join(FIXTURES, "seed", "expected.nn")),
    );
    expect(
      run(
        "import",
        join(FIXTURES, "seed", "model.weights.h5"),
        "--spec",
        "seed.nn",
        "--out-dir",
        "w",
      ).code,
    ).toBe(0);
    expect(existsSync(join(dir, "w", "model.weights.bin"))).toBe(true);
    expect(
      run(
        "import",
        join(FIXTURES, "cnn", "tfjs", "model.json"),
        "--out-dir",
        "t",
      ).code,
    ).toBe(0);
    expect(readFileSync(join(dir, "t", "model.nn"), "utf8")).toContain(
      "Conv2D(4, (3, 3), padding='same', activation='relu')",
    );
  });

  it("build --embed-weights bakes the imported weights into the module", () => {
    const r = run(
      "build",
      "out/mlp.nn",
      "--embed-weights",
      "out/mlp.weights.bin",
      "--weights-dtype",
      "float16",
    );
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "out", "mlp.nn.ts"), "utf8")).toMatch(
      /embeddedWeights:\s*"TEFZRVJDVw/,
    );
    mkdirSync(join(dir, "two"));
    for (const f of ["a.nn", "b.nn"])
      copyFileSync(join(dir, "out", "mlp.nn"), join(dir, "two", f));
    expect(
      run("build", "two", "--embed-weights", "out/mlp.weights.bin").err,
    ).toMatch(/--embed-weights builds one spec file, but 2 were found/);
    expect(
      run(
        "build",
        "out/mlp.nn",
        "--weights-dtype",
        "int4",
        "--embed-weights",
        "out/mlp.weights.bin",
      ).code,
    ).toBe(2);
  });

  it("a bad file writes nothing and exits 1; a missing file exits 2", () => {
    writeFileSync(
      join(dir, "broken.keras"),
      readFileSync(join(FIXTURES, "seed", "model.keras")).subarray(0, 500),
    );
    const r = run("import", "broken.keras", "--out-dir", "bad");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /broken\.keras: error\[import_file_invalid\]: invalid zip archive/,
    );
    expect(existsSync(join(dir, "bad"))).toBe(false);
    expect(run("import", "nope.keras").code).toBe(2);
  });
});

describe("layerc export", () => {
  it("writes the Keras archive, the tfjs files, or the script with its weights", () => {
    copyFileSync(join(FIXTURES, "cnn", "expected.nn"), join(dir, "cnn.nn"));
    copyFileSync(join(FIXTURES, "cnn", "model.keras"), join(dir, "cnn.keras"));
    expect(run("import", "cnn.keras", "--out-dir", "cnn-in").code).toBe(0);
    const keras = run(
      "export",
      "cnn.nn",
      "--to",
      "keras",
      "--weights",
      "cnn-in/cnn.weights.bin",
      "--out-dir",
      "x",
    );
    expect(keras.out).toBe(`wrote ${join("x", "cnn.keras")}\n`);
    expect(readFileSync(join(dir, "x", "cnn.keras"))).toEqual(
      readFileSync(join(FIXTURES, "exported", "cnn.keras")),
    );
    const py = run(
      "export",
      "cnn.nn",
      "--to",
      "python",
      "--weights",
      "cnn-in/cnn.weights.bin",
      "--out-dir",
      "x",
    );
    expect(py.code).toBe(0);
    expect(readFileSync(join(dir, "x", "cnn.py"), "utf8")).toContain(
      "keras.distribution.DataParallel",
    );
    expect(existsSync(join(dir, "x", "cnn.weights.h5"))).toBe(true);
    expect(run("export", "cnn.nn", "--to", "tfjs", "--out-dir", "x").code).toBe(
      0,
    );
    expect(existsSync(join(dir, "x", "cnn.model.json"))).toBe(true);
  });

  it("usage errors exit 2; weights for another model exit 1 and write nothing", () => {
    expect(run("export", "cnn.nn", "--to", "onnx").code).toBe(2);
    copyFileSync(join(FIXTURES, "seed", "expected.nn"), join(dir, "seed.nn"));
    const r = run(
      "export",
      "seed.nn",
      "--to",
      "keras",
      "--weights",
      "cnn-in/cnn.weights.bin",
      "--out-dir",
      "none",
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/import_weights_mismatch/);
    expect(existsSync(join(dir, "none"))).toBe(false);
  });
});

describe("examples/from-keras.ts", () => {
  const examples = join(import.meta.dirname, "..", "examples");

  it("its spec and weights are what layerc import makes of the committed Keras file", () => {
    expect(run("import", join(examples, "keras", "keras_cnn.keras"), "--out-dir", "ex").code).toBe(0);
    expect(readFileSync(join(dir, "ex", "keras_cnn.nn"), "utf8")).toBe(readFileSync(join(examples, "keras_cnn.nn"), "utf8"));
    expect(readFileSync(join(dir, "ex", "keras_cnn.weights.bin"))).toEqual(readFileSync(join(examples, "keras_cnn.weights.bin")));
  });

  it("runs the imported model with Keras's predictions", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(examples, "from-keras.ts")], { cwd: join(examples, ".."), encoding: "utf8" });
    expect(r.stderr).toBe("");
    const worst = Number(/max \|layerc - keras [0-9.]+\|: (\S+)/.exec(r.stdout)?.[1]);
    expect(worst).toBeLessThan(1e-5);
  });
});
