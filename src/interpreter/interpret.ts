/**
 * The reference interpreter: model classes with exactly the interface of
 * generated code, running the same kernels through the closure evaluator
 * (float64 arithmetic on float32-stored weights). It shares the plan and
 * the runtime with the emitter, and names no layer kind.
 */
import type { ModelIR } from "../ir/model-ir.js";
import { planModel, type ModelPlan } from "../plan/plan.js";
import { metaOf } from "../plan/meta.js";
import { ModelBase, TrainableModel, type ModelMeta, type ModelOptions } from "../runtime/model.js";
import { compileKernel, type Binding, type Memory } from "./exec.js";

/** The constructor type shared by interpreted and generated model classes. */
/**
 * A model instance as interpret() returns it: every model has the ModelBase
 * interface; the training methods exist only when its spec has compile(...).
 */
export type Model = ModelBase & Partial<Pick<TrainableModel, "trainOnBatch" | "fit" | "evaluate">>;

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

function compileModel(model: ModelIR): Compiled {
  const plan = planModel(model);
  // slot 0: the flat parameters, slot 1: their gradients, then one slot per other buffer
  const numbered = new Map<string, number>();
  for (const [name, s] of plan.buffers) if (s.kind !== "param" && s.kind !== "grad") numbered.set(name, numbered.size + 2);
  const bind = (buf: string): Binding => {
    const s = plan.buffers.get(buf)!;
    if (s.kind === "param") return { slot: 0, base: s.base };
    if (s.kind === "grad") return { slot: 1, base: s.base };
    return { slot: numbered.get(buf)!, base: 0 };
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

export function interpretModel(model: ModelIR): ModelClass {
  const compiled = compileModel(model);
  const meta: ModelMeta = metaOf(model, compiled.plan);
  const { plan, slots } = compiled;
  const slotOf = (name: string) => slots.get(name)!;
  const randoms = [...plan.buffers].flatMap(([name, s]) => (s.kind === "act" && s.random ? [[name, s.perSample, s.seed] as const] : []));

  // a model without compile(...) extends ModelBase, so it has no training methods, as generated code
  const Base = (model.training ? TrainableModel : ModelBase) as unknown as typeof TrainableModel;
  class Interpreted extends Base {
    static readonly inputShape: readonly number[] = model.inputShape;
    static readonly outputShape: readonly number[] = model.outputShape;
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
      for (const [name, s] of plan.buffers) {
        if (s.kind === "act") this.mem.arrays[slotOf(name)] = new Float64Array(capacity * s.perSample);
      }
    }

    protected forward(x: Float32Array, n: number, training: boolean): Float64Array {
      this.mem.arrays[slotOf("x")] = x;
      this.mem.batch = n;
      if (training) for (const [name, perSample, seed] of randoms) this.fillUniform(this.mem.arrays[slotOf(name)] as Float64Array, n * perSample, seed);
      for (const k of training ? compiled.forwardTrain : compiled.forward) k(this.mem);
      return this.mem.arrays[slotOf(plan.output)] as Float64Array;
    }

    protected override lossAndGradient(y: Float32Array, n: number): number {
      this.mem.arrays[slotOf("labels")] = y;
      this.mem.arrays[slotOf("sampleWeights")] = this.sampleWeights;
      this.mem.arrays[slotOf("dOut")] = this.dOut;
      this.mem.batch = n;
      compiled.loss(this.mem);
      return this.lossResult[0]!;
    }

    protected override backward(x: Float32Array, dOut: Float64Array, n: number): void {
      this.mem.arrays[slotOf("x")] = x;
      this.mem.arrays[slotOf("dOut")] = dOut;
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
