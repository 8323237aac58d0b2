/**
 * Training in a Web Worker with the reference interpreter, on the IR the
 * compiler worker checked: the model class has the generated code's
 * interface, so this is the same `fit` a user's program runs. Posts loss, accuracy and the weights
 * after every chunk of epochs; the page stops training by terminating the
 * worker, so a long `fit` never needs to poll for a flag.
 */
import { interpretModel } from "../../src/interpreter/interpret.js";
import { datasets, encodeLabels } from "./datasets.js";
import type { TrainRequest, TrainResponse } from "./protocol.js";

const post = (m: TrainResponse, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

async function train(req: TrainRequest): Promise<void> {
  const info = datasets.find((d) => d.id === req.dataset);
  if (!info) throw new Error(`no data set ${req.dataset}`);
  const Model = interpretModel(req.model);
  const model = new Model({ seed: req.seed });
  if (!("fit" in model)) throw new Error(`${req.model.name} has no compile(...), so it cannot train`);
  const data = info.make();
  const inShape = Model.inputShape.join(",");
  if (inShape !== data.inputShape.join(",")) throw new Error(`${req.model.name} takes inputs of shape (${inShape}), but ${info.title} samples have shape (${data.inputShape.join(", ")})`);
  const outputSize = Model.outputShape.reduce((a: number, b: number) => a * b, 1);
  const y = encodeLabels(data, req.loss, outputSize);
  const samples = data.labels.length;
  const batchSize = Math.min(32, samples);
  const chunk = Math.max(1, Math.round(req.epochs / 100));
  const trainable = model as unknown as { fit(x: Float32Array, y: Float32Array, o: object): { history: Record<string, number[]> }; getWeights(): { shape: number[]; data: Float32Array }[] };
  for (let epoch = 0; epoch < req.epochs; epoch += chunk) {
    const h = trainable.fit(data.x, y, { epochs: Math.min(chunk, req.epochs - epoch), batchSize, shuffle: true });
    const last = (k: string) => h.history[k]?.[h.history[k]!.length - 1];
    const weights = trainable.getWeights();
    post({ type: "epoch", epoch: epoch + Math.min(chunk, req.epochs - epoch), loss: last("loss") ?? NaN, accuracy: last("accuracy") ?? null, weights }, weights.map((w) => w.data.buffer));
    await new Promise((r) => setTimeout(r, 0));
  }
  post({ type: "done", epochs: req.epochs });
}

self.onmessage = (e: MessageEvent<TrainRequest>) => {
  train(e.data).catch((err: unknown) => post({ type: "error", message: err instanceof Error ? err.message : String(err) }));
};
