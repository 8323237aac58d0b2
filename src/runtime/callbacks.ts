/**
 * Keras 3 training callbacks (keras/src/callbacks): EarlyStopping,
 * ReduceLROnPlateau and LearningRateScheduler, with Keras's defaults and
 * decision rules (MonitorCallback's improvement test, patience counting,
 * cooldown, restore_best_weights). Part of the shipped runtime.
 *
 * A callback sees the model through `CallbackModel`: it may read and set
 * weights and the learning rate, and ask training to stop after the
 * current epoch (`stopTraining`).
 */
import { LayercError } from "./errors.js";
import type { Weight, WeightInput } from "./model.js";

/**
 * One logged value: a number, or one number per class — what F1Score and
 * FBetaScore with Keras's default `average=None` log (an array per epoch in
 * Keras's History too).
 */
export type LogValue = number | number[];

/**
 * Per-epoch (or per-batch) values with Keras's names: loss, metrics, val_…,
 * learning_rate — for a model whose every metric logs a number. Each
 * generated model has its own exact logs type (`<Model>Logs`, e.g.
 * `{ loss: number; accuracy: number; f1_score: number[]; val_loss?: number; … }`),
 * derived from its compiled metrics and outputs.
 */
export interface Logs {
  loss: number;
  [name: string]: number;
}

/** Logs whose metrics the type system does not know (interpreted models): any value may be per-class. */
export interface AnyLogs {
  loss: number;
  [name: string]: LogValue;
}

/** What the built-in callbacks read: any model's logs. */
export type LogsLike = { readonly [name: string]: unknown };

export interface CallbackModel {
  stopTraining: boolean;
  getWeights(): Weight[];
  setWeights(ws: readonly WeightInput[]): void;
  /** The learning rate of the next step. */
  readonly learningRate: number;
  setLearningRate(lr: number): void;
  /** Names of the compiled metrics whose value should go up (accuracy, precision, auc, …). */
  readonly metricDirections: Readonly<Record<string, "up" | "down">>;
  /** Names of the compiled metrics that log one value per class (F1Score / FBetaScore with average=None). */
  readonly perClassMetrics?: readonly string[];
}

/** A fit callback; `L` is the model's logs type (`<Model>Logs` for a generated model). */
export interface Callback<L = Logs> {
  onTrainBegin?(model: CallbackModel): void;
  onEpochBegin?(epoch: number, model: CallbackModel): void;
  onEpochEnd?(epoch: number, logs: L, model: CallbackModel): void;
  onTrainEnd?(model: CallbackModel): void;
}

type Mode = "auto" | "min" | "max";

/** MonitorCallback: is `current` better than `best` by more than minDelta, in the monitor's direction? */
class Monitor {
  private direction: "up" | "down" | null = null;
  constructor(
    readonly monitor: string,
    readonly mode: Mode,
    readonly minDelta: number,
  ) {
    if (!["auto", "min", "max"].includes(mode)) throw new LayercError(`mode must be 'auto', 'min' or 'max', got ${String(mode)}`);
  }

  /**
   * Refuses, before training starts, to monitor a metric that logs one value
   * per class: Keras fails on it too (comparing an array is ambiguous), only
   * after the first epoch has trained.
   */
  check(model: CallbackModel, who: string): void {
    const name = this.monitor.replace(/^val_/, "");
    if (model.perClassMetrics?.includes(name)) {
      throw new LayercError(
        `${who} cannot monitor ${this.monitor}: it logs one value per class (F1Score/FBetaScore with average=None), which has no single best; monitor a metric with average='macro', 'micro' or 'weighted' (Keras fails on it too: "The truth value of an array … is ambiguous")`,
      );
    }
  }

  /** The monitored value in `logs` (undefined when absent); an array throws (see check). */
  current(logs: LogsLike, who: string): number | undefined {
    const v = logs[this.monitor];
    if (v === undefined || typeof v === "number") return v;
    throw new LayercError(`${who} cannot monitor ${this.monitor}: its value is not one number`);
  }

  improves(model: CallbackModel, current: number, reference: number | null): boolean {
    if (reference === null) return true;
    const up = this.up(model);
    return up ? current - Math.abs(this.minDelta) > reference : current + Math.abs(this.minDelta) < reference;
  }

  private up(model: CallbackModel): boolean {
    if (this.direction === null) {
      if (this.mode !== "auto") this.direction = this.mode === "max" ? "up" : "down";
      else {
        const name = this.monitor.replace(/^val_/, "");
        const found = name === "loss" ? "down" : model.metricDirections[name];
        if (found === undefined) {
          throw new LayercError(`cannot tell whether ${this.monitor} should go up or down; pass mode: 'max' or mode: 'min'`);
        }
        this.direction = found;
      }
    }
    return this.direction === "up";
  }
}

export interface EarlyStoppingOptions {
  readonly monitor?: string;
  readonly minDelta?: number;
  readonly patience?: number;
  readonly mode?: Mode;
  readonly baseline?: number | null;
  readonly restoreBestWeights?: boolean;
  readonly startFromEpoch?: number;
}

/** Stops training when the monitored value stops improving (Keras EarlyStopping). */
export class EarlyStopping implements Callback<LogsLike> {
  private readonly m: Monitor;
  private readonly patience: number;
  private readonly baseline: number | null;
  private readonly restore: boolean;
  private readonly startFrom: number;
  private wait = 0;
  private best: number | null = null;
  private bestWeights: Weight[] | null = null;
  /** The epoch (0-based) at which training was stopped, or 0. */
  stoppedEpoch = 0;
  /** The epoch whose weights were best (restored when restoreBestWeights). */
  bestEpoch = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    this.m = new Monitor(options.monitor ?? "val_loss", options.mode ?? "auto", options.minDelta ?? 0);
    this.patience = nonNegativeInt(options.patience ?? 0, "patience");
    this.baseline = options.baseline ?? null;
    this.restore = options.restoreBestWeights ?? false;
    this.startFrom = nonNegativeInt(options.startFromEpoch ?? 0, "startFromEpoch");
  }

  onTrainBegin(model: CallbackModel): void {
    this.m.check(model, "EarlyStopping");
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, logs: LogsLike, model: CallbackModel): void {
    const current = this.m.current(logs, "EarlyStopping");
    if (current === undefined || epoch < this.startFrom) return;
    if (this.restore && this.bestWeights === null) {
      this.bestWeights = model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait++;
    if (this.m.improves(model, current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restore) this.bestWeights = model.getWeights();
      if (this.baseline === null || this.m.improves(model, current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(model: CallbackModel): void {
    if (this.restore && this.bestWeights !== null) model.setWeights(this.bestWeights);
  }
}

export interface ReduceLROnPlateauOptions {
  readonly monitor?: string;
  readonly factor?: number;
  readonly patience?: number;
  readonly mode?: Mode;
  readonly minDelta?: number;
  readonly cooldown?: number;
  readonly minLr?: number;
}

/** Multiplies the learning rate by `factor` when the monitored value stops improving (Keras ReduceLROnPlateau). */
export class ReduceLROnPlateau implements Callback<LogsLike> {
  private readonly m: Monitor;
  private readonly factor: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private best: number | null = null;
  private wait = 0;
  private cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    this.m = new Monitor(options.monitor ?? "val_loss", options.mode ?? "auto", options.minDelta ?? 1e-4);
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1)) throw new LayercError(`ReduceLROnPlateau does not support a factor >= 1, got ${this.factor}`);
    this.patience = nonNegativeInt(options.patience ?? 10, "patience");
    this.cooldown = nonNegativeInt(options.cooldown ?? 0, "cooldown");
    this.minLr = options.minLr ?? 0;
  }

  onTrainBegin(model: CallbackModel): void {
    this.m.check(model, "ReduceLROnPlateau");
    this.best = null;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  onEpochEnd(_epoch: number, logs: LogsLike, model: CallbackModel): void {
    (logs as Record<string, unknown>)["learning_rate"] = model.learningRate;
    const current = this.m.current(logs, "ReduceLROnPlateau");
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.m.improves(model, current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!(this.cooldownCounter > 0)) {
      this.wait++;
      if (this.wait >= this.patience) {
        const old = model.learningRate;
        if (old > Math.fround(this.minLr)) {
          model.setLearningRate(Math.max(old * this.factor, this.minLr));
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch from `schedule(epoch, lr)` (Keras LearningRateScheduler). */
export class LearningRateScheduler implements Callback<LogsLike> {
  constructor(readonly schedule: (epoch: number, lr: number) => number) {
    if (typeof schedule !== "function") throw new LayercError("LearningRateScheduler needs a function (epoch, lr) => lr");
  }

  onEpochBegin(epoch: number, model: CallbackModel): void {
    const lr = this.schedule(epoch, model.learningRate);
    if (typeof lr !== "number" || !Number.isFinite(lr)) throw new LayercError(`the learning-rate schedule returned ${String(lr)} for epoch ${epoch}, not a finite number`);
    model.setLearningRate(lr);
  }

  onEpochEnd(_epoch: number, logs: LogsLike, model: CallbackModel): void {
    (logs as Record<string, unknown>)["learning_rate"] = model.learningRate;
  }
}

function nonNegativeInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0) throw new LayercError(`${name} must be a non-negative integer, got ${v}`);
  return v;
}
