/**
 * fit's progress report in Keras 3's format (keras/src/utils/progbar.py):
 *
 *   Epoch 1/3
 *   32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9100 - loss: 0.3100
 *
 * verbose 1 redraws the bar in place on a terminal (carriage return, ANSI
 * colours, at most every 50 ms) and prints only the finished line per epoch
 * elsewhere, so logs and pipes get no control characters; verbose 2 prints
 * one line per epoch (`32/32 - 0s - 2ms/step - …`). Values print as Keras
 * does: 4 decimals, or scientific notation below 1e-3; a per-class value
 * (F1Score without `average`) prints its mean, as Keras's progress bar does.
 * Part of the shipped runtime.
 */
import type { LogValue } from "./callbacks.js";

export interface ProgressSink {
  write(text: string): void;
  /** Whether the sink is a terminal (control characters allowed). */
  readonly tty: boolean;
}

/** stdout in Node (a terminal or not); console.log elsewhere (one line per call). */
export function defaultSink(): ProgressSink {
  const stdout = (globalThis as { process?: { stdout?: { write(s: string): unknown; isTTY?: boolean } } }).process?.stdout;
  if (stdout) return { write: (s) => void stdout.write(s), tty: stdout.isTTY === true };
  let line = "";
  return {
    tty: false,
    write(s) {
      line += s;
      const parts = line.split("\n");
      line = parts.pop()!;
      const log = (globalThis as unknown as { console?: { log(s: string): void } }).console;
      for (const p of parts) log?.log(p);
    },
  };
}

const mean = (v: LogValue) => (typeof v === "number" ? v : v.reduce((a, b) => a + b, 0) / v.length);

const value = (v: number) => (Math.abs(v) > 1e-3 ? v.toFixed(4) : v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2"));

function perStep(seconds: number): string {
  if (seconds >= 1 || seconds === 0) return `${seconds.toFixed(0)}s/step`;
  if (seconds >= 1e-3) return `${(seconds * 1000).toFixed(0)}ms/step`;
  return `${(seconds * 1e6).toFixed(0)}us/step`;
}

const metrics = (logs: Readonly<Record<string, LogValue>>) =>
  Object.keys(logs)
    .sort((a, b) => +a.startsWith("val_") - +b.startsWith("val_") || (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => ` - ${k}: ${value(mean(logs[k]!))}`)
    .join("");

export class Progress {
  private start = 0;
  private last = 0;
  private width = 0;

  constructor(
    private readonly verbose: 1 | 2,
    private readonly epochs: number,
    private readonly steps: number,
    private readonly sink: ProgressSink,
    private readonly now: () => number = () => Date.now(),
  ) {}

  epochBegin(epoch: number): void {
    this.start = this.last = this.now();
    this.width = 0;
    if (this.verbose === 1) this.sink.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
  }

  /** After batch `done` (1-based) with the running logs of the epoch. */
  batchEnd(done: number, logs: Readonly<Record<string, LogValue>>): void {
    if (this.verbose !== 1 || !this.sink.tty || done >= this.steps) return;
    const t = this.now();
    if (t - this.last < 50) return;
    this.last = t;
    const elapsed = (t - this.start) / 1000;
    const eta = (elapsed / done) * (this.steps - done);
    this.draw(done, ` \x1b[1m${Math.floor(eta)}s\x1b[0m`, elapsed / done, logs, false);
  }

  epochEnd(logs: Readonly<Record<string, LogValue>>): void {
    const elapsed = (this.now() - this.start) / 1000;
    const step = elapsed / Math.max(1, this.steps);
    if (this.verbose === 2) {
      const count = `${String(this.steps).padStart(String(this.steps).length)}/${this.steps}`;
      this.sink.write(`${count} - ${elapsed.toFixed(0)}s - ${perStep(step)}${metrics(logs)}\n`);
      return;
    }
    const time = this.sink.tty ? ` \x1b[1m${elapsed.toFixed(0)}s\x1b[0m` : ` ${elapsed.toFixed(0)}s`;
    this.draw(this.steps, time, step, logs, true);
  }

  private draw(done: number, time: string, step: number, logs: Readonly<Record<string, LogValue>>, final: boolean): void {
    const tty = this.sink.tty;
    const digits = String(this.steps).length;
    const count = `${String(done).padStart(digits)}/${this.steps}`;
    const filled = Math.floor((20 * done) / this.steps);
    const bar = tty ? `\x1b[1m${count}\x1b[0m \x1b[32m${"━".repeat(filled)}\x1b[0m\x1b[37m${"━".repeat(20 - filled)}\x1b[0m` : `${count} ${"━".repeat(20)}`;
    const text = `${bar}${time} ${perStep(step)}${metrics(logs)}`;
    if (!tty) {
      this.sink.write(`${text}\n`);
      return;
    }
    // eslint-disable-next-line no-control-regex
    const visible = text.replace(/\x1b\[[0-9;]*m/g, "").length;
    const pad = " ".repeat(Math.max(0, this.width - visible));
    this.width = visible;
    this.sink.write(`\r${text}${pad}${final ? "\n" : ""}`);
  }
}
