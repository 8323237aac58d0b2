/**
 * Random functional graphs for property tests: one or two inputs, then a
 * sequence of calls, each on tensors already defined — Dense layers
 * (some bound once and shared by several calls), element-wise merges on
 * tensors of one shape, Concatenate, Dot — and one or two outputs trained
 * with mean squared error (loss weights when there are two). Fan-out comes
 * from tensors picked more than once. Every tensor is a vector, so shapes
 * only need the width tracked.
 */
import fc from "fast-check";

export interface GraphSpec {
  readonly source: string;
  readonly inputSizes: number[];
  readonly outputSizes: number[];
}

type Step =
  | { k: "dense"; units: number; act: string; from: number }
  | { k: "shared"; from: number }
  | { k: "merge"; op: string; picks: number[] }
  | { k: "concat"; picks: number[] }
  | { k: "dot"; a: number; b: number; normalize: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ k: fc.constant("dense" as const), units: fc.constantFrom(2, 3), act: fc.constantFrom("linear", "tanh", "relu", "sigmoid"), from: fc.nat() }),
  fc.record({ k: fc.constant("shared" as const), from: fc.nat() }),
  fc.record({ k: fc.constant("merge" as const), op: fc.constantFrom("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"), picks: fc.array(fc.nat(), { minLength: 2, maxLength: 3 }) }),
  fc.record({ k: fc.constant("concat" as const), picks: fc.array(fc.nat(), { minLength: 2, maxLength: 3 }) }),
  fc.record({ k: fc.constant("dot" as const), a: fc.nat(), b: fc.nat(), normalize: fc.boolean() }),
);

export const graphSpec: fc.Arbitrary<GraphSpec> = fc
  .record({
    inputs: fc.array(fc.constantFrom(2, 3), { minLength: 1, maxLength: 2 }),
    steps: fc.array(step, { minLength: 2, maxLength: 7 }),
    outputs: fc.constantFrom(1, 2),
    unroll: fc.constantFrom("auto", "full", "loops"),
    weights: fc.constantFrom("", "0.5"),
  })
  .map(({ inputs, steps, outputs, unroll, weights }) => {
    const lines: string[] = [];
    const tensors: { name: string; width: number }[] = [];
    inputs.forEach((w, i) => {
      lines.push(`in${i} = Input(shape=(${w},))`);
      tensors.push({ name: `in${i}`, width: w });
    });
    // the shared layer takes width-3 tensors
    let shared = false;
    let n = 0;
    const add = (expr: string, width: number) => {
      const name = `t${n++}`;
      lines.push(`${name} = ${expr}`);
      tensors.push({ name, width });
    };
    for (const s of steps) {
      // mostly recent tensors, so most of the graph reaches an output
      const pick = (i: number) => tensors[Math.max(0, tensors.length - 1 - (i % 4))]!;
      if (s.k === "dense") add(`Dense(${s.units}${s.act !== "linear" ? `, activation='${s.act}'` : ""})(${pick(s.from).name})`, s.units);
      else if (s.k === "shared") {
        const fits = tensors.filter((t) => t.width === 3);
        if (fits.length === 0) continue;
        if (!shared) lines.push("shared = Dense(3, activation='tanh')");
        shared = true;
        add(`shared(${fits[s.from % fits.length]!.name})`, 3);
        add(`shared(${fits[(s.from + 1) % fits.length]!.name})`, 3);
      } else if (s.k === "merge") {
        const first = pick(s.picks[0]!);
        const same = tensors.filter((t) => t.width === first.width);
        const picks = s.picks.map((p) => same[p % same.length]!.name);
        const args = s.op === "Subtract" ? picks.slice(0, 2) : picks;
        add(`${s.op}()([${args.join(", ")}])`, first.width);
      } else if (s.k === "concat") {
        const picks = s.picks.map(pick);
        add(`Concatenate()([${picks.map((t) => t.name).join(", ")}])`, picks.reduce((w, t) => w + t.width, 0));
      } else {
        const a = pick(s.a);
        const same = tensors.filter((t) => t.width === a.width);
        add(`Dot(axes=1${s.normalize ? ", normalize=True" : ""})([${a.name}, ${same[s.b % same.length]!.name}])`, 1);
      }
    }
    // outputs: the last tensor, and with two outputs a Dense head on an earlier one; every input feeds the first
    const computed = tensors.slice(inputs.length);
    const last = computed[computed.length - 1] ?? tensors[0]!;
    add(`Concatenate()([${[last.name, ...tensors.slice(0, inputs.length).map((t) => t.name)].join(", ")}])`, last.width + inputs.reduce((a, b) => a + b, 0));
    const out0 = tensors[tensors.length - 1]!;
    add(`Dense(2)(${out0.name})`, 2);
    const outs = [tensors[tensors.length - 1]!];
    if (outputs === 2) {
      const mid = computed[Math.floor(computed.length / 2)] ?? out0;
      add(`Dense(1, activation='sigmoid')(${mid.name})`, 1);
      outs.push(tensors[tensors.length - 1]!);
    }
    const ins = tensors.slice(0, inputs.length).map((t) => t.name);
    lines.push(`Model(inputs=[${ins.join(", ")}], outputs=[${outs.map((t) => t.name).join(", ")}])`);
    const loss = outs.length === 1 ? "'mse'" : "['mse', 'binary_crossentropy']";
    const lw = outs.length === 2 && weights ? `, loss_weights=[1.0, ${weights}]` : "";
    lines.push(`compile(optimizer=SGD(learning_rate=0.1), loss=${loss}${lw})`);
    const source = `model F(seed=4, unroll=${unroll}) {\n${lines.map((l) => `  ${l}`).join("\n")}\n}\n`;
    return { source, inputSizes: inputs, outputSizes: outs.map((t) => t.width) };
  });
