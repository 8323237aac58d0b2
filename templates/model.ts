/**
 * layerc template: the fixed scaffolding of one generated model class.
 * This is real TypeScript, type-checked with the repo. The emitter loads it
 * with ts-morph, renames the placeholders (__MODEL__, __META__), adds one
 * field per activation buffer (taken from the `store`, which places it in
 * the native kernels' memory when the model has them; the emitter then also
 * declares a `<Model>Kernels` interface), and replaces the bodies of `allocate`,
 * `forward` and (for models with compile(...)) `backward`,
 * `lossAndGradient` and `update` with the specialized kernels. A model
 * without compile(...) extends ModelBase instead and keeps only `allocate`
 * and `forward`; `predictBatch` is kept for models with one input (not
 * token ids) and one output only, `trainOnBatch` (whose body is kept as
 * written here) for those of them that train with TypeScript kernels, one
 * target per output value and no activity regularizer. Nothing here is layer-specific.
 */
import { TrainableModel, type ModelMeta, type ModelOptions, type Samples, type Store } from "layerc/runtime";

const __META__: ModelMeta = {
  name: "__MODEL__",
  inputShape: [],
  outputShape: [],
  seed: null,
  dtype: "float32",
  paramCount: 0,
  weights: [],
  summary: "",
  training: null,
};

export class __MODEL__ extends TrainableModel {
  static readonly inputShape: readonly number[] = [];
  static readonly outputShape: readonly number[] = [];

  constructor(options: ModelOptions = {}) {
    super(__META__, options);
  }

  /**
   * The common call (Float32Arrays of the right lengths, a batch the buffers
   * already hold) runs in the class's own method, where every property read
   * and call sees this one class: the runtime's method is shared by every
   * model class in a process, which makes its reads polymorphic. Every other
   * call, and every error, goes to the runtime's method.
   */
  override predictBatch(x: Samples, batchSize: number, out?: Float32Array): Float32Array {
    return super.predictBatch(x, batchSize, out);
  }

  /**
   * The common call (Float32Arrays of the right lengths, a batch the buffers
   * already hold, TypeScript kernels) runs the all-or-nothing step in the
   * class's own method, for the same reason as predictBatch: inputs scanned,
   * state saved, forward, loss, backward, update, parameters and optimizer
   * state scanned. Every other call goes to the runtime's method, and so
   * does a rejected step: put back, then rerun by the runtime's method,
   * which rejects it again and names the offending value.
   */
  override trainOnBatch(x: Samples, y: Samples, batchSize: number): number {
    const n = batchSize;
    if (x instanceof Float32Array && y instanceof Float32Array && Number.isInteger(n) && n >= 1 && n <= this.capacity && x.length === n * this.inSize && y.length === n * this.outSize && this.scan === null) {
      let ok = true;
      for (let i = 0; ok && i < x.length; i++) ok = x[i]! - x[i]! === 0;
      if (ok) {
        this.guard.save(this.params, this.slots, this.rng, this.seededStreams, this.hyper);
        this.forward(x, n, true);
        const loss = this.lossAndGradient(y, n);
        if (loss - loss === 0) {
          const g = this.grads;
          for (let i = 0; i < g.length; i++) g[i] = 0;
          // dOut has the array type of this model's activations (the base class types it as either)
          this.backward(x, this.dOut as never, n);
          const t = this.nextStep();
          this.update();
          const { params, slots } = this;
          for (let i = 0; ok && i < params.length; i++) ok = params[i]! - params[i]! === 0;
          for (let k = 0; ok && k < slots.length; k++) for (let i = 0, s = slots[k]!; ok && i < s.length; i++) ok = s[i]! - s[i]! === 0;
          if (ok) return this.endStep(t, loss);
        }
        this.guard.restore(this.params, this.slots, this.rng, this.seededStreams, this.hyper);
      }
    }
    return super.trainOnBatch(x, y, batchSize);
  }

  protected allocate(capacity: number, store: Store): void {
    void capacity;
    void store;
  }

  protected forward(x: Float32Array, n: number, training: boolean): Float64Array {
    void x;
    void n;
    void training;
    return new Float64Array(0);
  }

  protected override lossAndGradient(y: Float32Array, n: number): number {
    void y;
    void n;
    return 0;
  }

  protected override backward(x: Float32Array, dOut: Float64Array, n: number): void {
    void x;
    void dOut;
    void n;
  }

  protected override update(): void {}
}
