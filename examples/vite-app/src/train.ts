// Trains the spec's model on XOR and reports its truth table. No DOM here,
// so the same code runs in Node (the repository's tests build this app).
import { Xor } from "./xor.nn";

const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const y = [0, 1, 1, 0];

export function trainXor(): string {
  const model = new Xor();
  model.fit(x, y, { epochs: 300, batchSize: 4 });
  const rows = x.map((s, i) => `${s.join(" xor ")} = ${y[i]}   predicted ${model.predict(s)[0]!.toFixed(3)}`);
  return [...rows, `accuracy ${model.evaluate(x, y).accuracy!.toFixed(3)}`].join("\n");
}
