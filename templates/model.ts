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
 * and `forward`. Nothing here is layer-specific.
 */
import { TrainableModel, type ModelMeta, type ModelOptions, type Store } from "layerc/runtime";

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
