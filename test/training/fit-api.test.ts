/**
 * fit's options beyond the Keras fixtures: progress output (Keras's bar on
 * a terminal, plain lines elsewhere, one line per epoch at verbose 2),
 * fitAsync yielding to the event loop, an AbortSignal, a learning-rate
 * schedule callback, initialEpoch, and validation of every option before
 * anything changes.
 */
import { describe, expect, it } from "vitest";
import { LearningRateScheduler } from "../../src/runtime/index.js";
import { interpreted } from "../helpers/models.js";

const { C } = interpreted(`model C(seed=3) {
  Input(shape=(2,))
  Dense(8, activation='relu')
  Dense(2, activation='softmax')
  compile(optimizer=SGD(learning_rate=0.1), loss='categorical_crossentropy', metrics=['accuracy'])
}`);

const data = (n: number) => ({
  x: Array.from({ length: n }, (_, i) => [Math.cos(i), Math.sin(i * 0.7)]),
  y: Array.from({ length: n }, (_, i) => (Math.cos(i) > 0 ? [1, 0] : [0, 1])),
});

function capture(tty: boolean) {
  let text = "";
  return { sink: { tty, write: (s: string) => void (text += s) }, text: () => text };
}

describe("fit progress", () => {
  it("verbose 1 off a terminal: Keras's epoch lines, no control characters", () => {
    const out = capture(false);
    const { x, y } = data(24);
    new C!().fit(x, y, { epochs: 2, batchSize: 8, verbose: 1, progress: out.sink });
    const lines = out.text().split("\n");
    expect(lines[0]).toBe("Epoch 1/2");
    expect(lines[1]).toMatch(/^3\/3 ━{20} \d+s \d+(us|ms|s)\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$/);
    expect(lines[2]).toBe("Epoch 2/2");
    expect(lines).toHaveLength(5); // two epochs of two lines, and the final newline
    // eslint-disable-next-line no-control-regex
    expect(out.text()).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
  });

  it("verbose 1 on a terminal redraws the bar with colours; verbose 2 prints one line per epoch", () => {
    const tty = capture(true);
    const { x, y } = data(24);
    new C!().fit(x, y, { epochs: 1, batchSize: 8, verbose: 1, progress: tty.sink, validationSplit: 0.25 });
    expect(tty.text()).toContain("\r");
    expect(tty.text()).toContain("\x1b[32m━");
    expect(tty.text()).toMatch(/- val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}/);
    const plain = capture(false);
    new C!().fit(x, y, { epochs: 3, batchSize: 8, verbose: 2, progress: plain.sink });
    const lines = plain.text().trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^3\/3 - \d+s - \d+(us|ms|s)\/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$/);
  });

  it("verbose 0 (the default) prints nothing", () => {
    const out = capture(true);
    const { x, y } = data(8);
    new C!().fit(x, y, { epochs: 1, progress: out.sink });
    expect(out.text()).toBe("");
  });
});

describe("fit control", () => {
  it("fitAsync yields to the event loop while it trains, and trains exactly as fit", async () => {
    const { x, y } = data(400);
    const a = new C!();
    const b = new C!({ weights: a.getWeights() });
    let ticks = 0;
    let training = true;
    const tick = () => {
      if (!training) return;
      ticks++;
      setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const started = Date.now();
    const h = await a.fitAsync(x, y, { epochs: 20, batchSize: 4, shuffle: false });
    training = false;
    const elapsed = Date.now() - started;
    expect(h.history.loss).toEqual(b.fit(x, y, { epochs: 20, batchSize: 4, shuffle: false }).history.loss);
    // other tasks ran during training: about one per 16 ms of it
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 64));
    expect(ticks).toBeGreaterThan(0);
  });

  it("an AbortSignal stops between batches and fit returns the finished epochs", () => {
    const { x, y } = data(32);
    const m = new C!();
    const controller = new AbortController();
    let batches = 0;
    const h = m.fit(x, y, {
      epochs: 5,
      batchSize: 8,
      signal: controller.signal,
      onBatchEnd: () => {
        if (++batches === 6) controller.abort();
      },
    });
    expect(batches).toBe(6);
    expect(h.epoch).toEqual([0]);
  });

  it("LearningRateScheduler sets each epoch's rate (0 freezes the weights) and logs it", () => {
    const { x, y } = data(16);
    const m = new C!();
    const before = m.getWeights();
    const h = m.fit(x, y, { epochs: 2, batchSize: 8, callbacks: [new LearningRateScheduler((epoch) => (epoch === 0 ? 0 : 0.05))] });
    expect(h.history["learning_rate"]).toEqual([0, 0.05]);
    const frozen = new C!({ weights: before });
    frozen.fit(x, y, { epochs: 1, batchSize: 8, callbacks: [new LearningRateScheduler(() => 0)] });
    expect(frozen.getWeights()).toEqual(before);
    expect(m.learningRate).toBe(0.05);
  });

  it("initialEpoch resumes the epoch count", () => {
    const { x, y } = data(16);
    const h = new C!().fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 8 });
    expect(h.epoch).toEqual([1, 2]);
  });

  it("every option is validated before anything changes", () => {
    const { x, y } = data(10);
    const m = new C!();
    const before = m.getWeights();
    const bad: Record<string, unknown>[] = [
      { initialEpoch: -1 },
      { verbose: 3 },
      { sampleWeight: [1, 2] },
      { sampleWeight: Array(10).fill(-1) },
      { classWeight: { 0: 1 }, sampleWeight: Array(10).fill(1) },
      { classWeight: { 0: Number.NaN } },
      { validationData: [x] },
      { validationData: [x.slice(0, 3), y.slice(0, 2)] },
    ];
    for (const options of bad) expect(() => m.fit(x, y, options), JSON.stringify(options)).toThrow();
    expect(m.getWeights()).toEqual(before);
  });
});
