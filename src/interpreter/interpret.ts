/**
 * The reference interpreter: model classes with exactly the interface of
 * generated code, running the same kernels through the closure evaluator
 * (float64 arithmetic on float32-stored weights). It shares the plan and
 * the runtime with the emitter, and names no layer kind.
 */
import type { ModelIR } from "../ir/model-ir.js";
import { planModel, type ModelPlan, type PlanOptions } from "../plan/plan.js";
import { metaOf } from "../plan/meta.js";
import { ModelBase, TrainableModel, type AnyLogs, type ModelMeta, type ModelOptions } from "../runtime/model.js";
import type { Samples } from "../runtime/data.js";
import { compileKernel, type Binding, type Memory } from "./exec.js";
import { METRICS } from "../runtime/metrics.js";
import { INITIALIZERS } from "../runtime/initializers.js";
import { OPTIMIZERS } from "../runtime/optimizers.js";
import { SCHEDULES } from "../runtime/schedules.js";
import { decodeBase64 } from "../runtime/native.js";

/** The constructor type shared by interpreted and generated model classes. */
/**
 * A model instance as interpret() returns it: every model has the ModelBase
 * interface; the training methods exist only when its spec has compile(...).
 * Its logs are `AnyLogs` (the interpreter's types cannot know the metrics: a
 * value may be per-class); generated classes have exact `<Model>Logs`.
 */
export type Model = ModelBase & Partial<Pick<TrainableModel<Samples, Float32Array, Samples, AnyLogs>, "trainOnBatch" | "fit" | "evaluate">>;

/** The constructor type shared by interpreted and generated model classes. */
export interface ModelClass {
  new (options?: ModelOptions): Model;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
}

interface Compiled {
  readonly plan: ModelPlan;
  readonly slots: ReadonlyMap<string, number>;
  readonly forward: readonly ((m: Memory) => void)[];
  readonly forwardTrain: readonly ((m: Memory) => void)[];
  readonly backward: readonly ((m: Memory) => void)[];
  readonly update: (m: Memory) => void;
  readonly loss: (m: Memory) => void;
}

function compileModel(model: ModelIR, options: PlanOptions): Compiled {
  const plan = planModel(model, options);
  // slot 0: the flat parameters, slot 1: their gradients, then one slot per other buffer
  const numbered = new Map<string, number>();
  for (const [name, s] of plan.buffers) if (s.kind !== "param" && s.kind !== "grad") numbered.set(name, numbered.size + 2);
  const bind = (buf: string): Binding => {
    const s = plan.buffers.get(buf)!;
    if (s.kind === "param") return { slot: 0, base: s.base };
    if (s.kind === "grad") return { slot: 1, base: s.base };
    return { slot: numbered.get(buf)!, base: s.kind === "result" ? s.index : 0 };
  };
  return {
    plan,
    slots: numbered,
    forward: plan.layers.map((l) => compileKernel(l.forward, bind)),
    forwardTrain: plan.layers.map((l) => compileKernel(l.forwardTrain, bind)),
    backward: [...plan.layers].reverse().map((l) => compileKernel(l.backward, bind)),
    update: compileKernel(plan.update, bind),
    loss: compileKernel(plan.loss, bind),
  };
}

/** `options` are the plan's (tests turn buffer sharing off to compare). */
export function interpretModel(model: ModelIR, options: PlanOptions = {}): ModelClass {
  const compiled = compileModel(model, options);
  const meta: ModelMeta = metaOf(model, compiled.plan);
  const { plan, slots } = compiled;
  const slotOf = (name: string) => slots.get(name)!;
  const randoms = [...plan.buffers].flatMap(([name, s]) => (s.kind === "act" && s.random ? [[name, s.perSample, s.seed] as const] : []));

  // a model without compile(...) extends ModelBase, so it has no training methods, as generated code
  const Base = (model.training ? TrainableModel : ModelBase) as unknown as typeof TrainableModel;
  // buffers of the inputs, output gradients and targets after the first, by index
  const ports = (kind: "input" | "dout" | "labels") =>
    [...plan.buffers].flatMap(([name, s]) => (s.kind === kind && s.index > 0 ? [[slotOf(name), s.index] as const] : []));
  const inputs = ports("input");
  const douts = ports("dout");
  const labels = ports("labels");
  const outputSlots = plan.outputs.map((o) => slotOf(o.buffer));
  // masked outputs' masks, for the metrics (training models only)
  const maskSlots = model.training ? plan.outputs.flatMap((o, k) => (o.mask === null ? [] : [[k, slotOf(o.mask)] as const])) : [];

  class Interpreted extends Base {
    // the interpreter links every metric, initializer, optimizer, schedule and weights codec (generated classes only theirs)
    protected static override readonly metricKinds = METRICS;
    protected static override readonly initializerKinds = INITIALIZERS;
    protected static override readonly optimizerKinds = OPTIMIZERS;
    protected static override readonly scheduleKinds = SCHEDULES;
    protected static override readonly base64 = decodeBase64;
    static readonly inputShape: readonly number[] = model.inputShape;
    static readonly outputShape: readonly number[] = model.outputShape;
    static readonly inputShapes: readonly (readonly number[])[] = model.inputs.map((i) => model.tensors[i.tensor]!.shape);
    static readonly outputShapes: readonly (readonly number[])[] = model.outputs.map((t) => model.tensors[t]!.shape);
    private readonly mem: Memory;

    constructor(options: ModelOptions = {}) {
      super(meta, options);
      const arrays: (Float32Array | Float64Array)[] = [this.params, this.grads ?? new Float64Array(0)];
      for (let i = 0; i < slots.size; i++) arrays.push(new Float64Array(0));
      // optimizer state and per-step scalars live in the runtime base class
      for (const [name, s] of plan.buffers) {
        if (s.kind === "slot") arrays[slotOf(name)] = this.slots[s.index] ?? new Float64Array(0);
        else if (s.kind === "hyper") arrays[slotOf(name)] = this.hyper;
        else if (s.kind === "result") arrays[slotOf(name)] = this.lossResult;
      }
      this.mem = { arrays, batch: 0 };
    }

    protected allocate(capacity: number): void {
      // a sharing buffer comes after the one whose storage it uses
      for (const [name, s] of plan.buffers) {
        if (s.kind === "act") this.mem.arrays[slotOf(name)] = s.shares === undefined ? new Float64Array(capacity * s.perSample) : this.mem.arrays[slotOf(s.shares)]!;
      }
    }

    protected forward(x: Float32Array, n: number, training: boolean): Float64Array {
      this.mem.arrays[slotOf("x")] = x;
      for (const [slot, k] of inputs) this.mem.arrays[slot] = this.inputs[k]!;
      this.mem.batch = n;
      if (training) for (const [name, perSample, seed] of randoms) this.fillUniform(this.mem.arrays[slotOf(name)] as Float64Array, n * perSample, seed);
      for (const k of training ? compiled.forwardTrain : compiled.forward) k(this.mem);
      if (outputSlots.length > 1) outputSlots.forEach((slot, k) => (this.outputs[k] = this.mem.arrays[slot] as Float64Array));
      for (const [k, slot] of maskSlots) this.outputMasks[k] = this.mem.arrays[slot] as Float64Array;
      return this.mem.arrays[slotOf(plan.output)] as Float64Array;
    }

    protected override lossAndGradient(y: Float32Array, n: number): number {
      this.mem.arrays[slotOf("labels")] = y;
      this.mem.arrays[slotOf("sampleWeights")] = this.sampleWeights;
      this.mem.arrays[slotOf("dOut")] = this.dOut;
      for (const [slot, k] of douts) this.mem.arrays[slot] = this.dOuts[k]!;
      for (const [slot, k] of labels) this.mem.arrays[slot] = this.targets[k]!;
      this.mem.batch = n;
      compiled.loss(this.mem);
      return this.lossResult[0]!;
    }

    protected override backward(x: Float32Array, dOut: Float64Array, n: number): void {
      this.mem.arrays[slotOf("x")] = x;
      this.mem.arrays[slotOf("dOut")] = dOut;
      for (const [slot, k] of inputs) this.mem.arrays[slot] = this.inputs[k]!;
      for (const [slot, k] of douts) this.mem.arrays[slot] = this.dOuts[k]!;
      this.mem.batch = n;
      for (const k of compiled.backward) k(this.mem);
    }

    protected override update(): void {
      compiled.update(this.mem);
    }
  }
  Object.defineProperty(Interpreted, "name", { value: model.name });
  return Interpreted;
}
