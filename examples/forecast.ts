/**
 * Trains forecast.nn (a GRU) to predict the next value of a noisy seasonal
 * series from the 24 values before it, and prints its held-out mean absolute
 * error next to two naive forecasts: "the last value again" and "the value
 * one season (12 steps) ago". The series is synthetic and says so: a
 * 12-step season plus a slower 60-step cycle plus Gaussian noise (σ = 0.15),
 * 1000 steps from a seeded stream; the last 200 windows are held out.
 *
 *   npx layerc build examples && npx tsx examples/forecast.ts
 */
import { Rng } from "layerc/runtime";
import { Forecast } from "./forecast.nn.js";

const WINDOW = 24;
const SEASON = 12;
const rng = new Rng(Number(process.env["FORECAST_SEED"] ?? 3));
const series = Array.from({ length: 1000 }, (_, t) => Math.sin((2 * Math.PI * t) / SEASON) + 0.5 * Math.sin((2 * Math.PI * t) / 60) + 0.15 * rng.normal());

const windows = Array.from({ length: series.length - WINDOW }, (_, i) => ({ x: series.slice(i, i + WINDOW), y: series[i + WINDOW]! }));
const train = windows.slice(0, windows.length - 200);
const test = windows.slice(windows.length - 200);

const model = new Forecast();
console.log(model.summary());
model.fit(
  train.map((w) => w.x),
  train.map((w) => w.y),
  {
    epochs: 20,
    batchSize: 32,
    onEpochEnd: (epoch, logs) => {
      if ((epoch + 1) % 5 === 0) console.log(`epoch ${epoch + 1}: loss ${logs.loss.toFixed(4)}`);
    },
  },
);

const predictions = model.predictBatch(test.flatMap((w) => w.x), test.length);
const mae = (f: (w: (typeof test)[number], i: number) => number) => test.reduce((s, w, i) => s + Math.abs(f(w, i) - w.y), 0) / test.length;
const gru = mae((_, i) => predictions[i]!);
const last = mae((w) => w.x[WINDOW - 1]!);
const seasonal = mae((w) => w.x[WINDOW - SEASON]!);
console.log(`held-out windows: ${test.length}`);
console.log(`naive (last value) MAE: ${last.toFixed(4)}`);
console.log(`seasonal naive (12 steps ago) MAE: ${seasonal.toFixed(4)}`);
console.log(`GRU MAE: ${gru.toFixed(4)}`);
