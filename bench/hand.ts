/**
 * Hand-written baselines for bench/run.ts: what a competent engineer writes
 * in an afternoon for one fixed model, with no code generator and no
 * register-blocking heroics.
 *
 * - All sizes are literal constants; kernels keep the Keras (in, units)
 *   layout (Conv2D: (kh, kw, in, filters)), so getWeights/setWeights are
 *   plain copies in Keras order.
 * - Float32Array weights and activations, preallocated for batches of up to
 *   MAX_BATCH samples; nothing is allocated per call (predict returns a
 *   preallocated buffer that the next call overwrites).
 * - Dense layers run one layer at a time over the batch with the input index
 *   outermost, so each kernel row is read once per batch (plain loops, one
 *   accumulator per output, nothing unrolled or blocked).
 * - Bias is the accumulator's initial value and the activation is applied
 *   in the same pass that finishes the layer; the relu mask in backward is
 *   read from the stored activations (a > 0 ⇔ z > 0).
 * - Softmax + categorical cross-entropy backward is (p − y)/n; SGD updates
 *   each weight row right after its gradient row is summed over the batch
 *   (after the upstream gradient has been computed with the old weights).
 * - CNN: the conv is 9 explicit taps per output pixel; max pooling records
 *   the argmax in training, so the backward pass routes each pooled gradient
 *   to its winner and only those pixels feed the conv weight gradient.
 */

export const MAX_BATCH = 32;
const LR = 0.01;
const EPS = 1e-7;
const HI = 1 - 2 ** -23;

/** Mean categorical cross-entropy of rows of p against y (Keras clip [ε, 1−ε]). */
function meanCce(p: Float32Array, y: Float32Array, n: number, units: number): number {
  let total = 0;
  for (let i = 0; i < n * units; i++) {
    const yv = y[i]!;
    if (yv !== 0) {
      const q = p[i]!;
      total -= yv * Math.log(q < EPS ? EPS : q > HI ? HI : q);
    }
  }
  return total / n;
}

export interface HandModel {
  predict(x: Float32Array): Float32Array;
  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array;
  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number;
  getWeights(): Float32Array[];
  setWeights(ws: readonly ArrayLike<number>[]): void;
}

function setAll(dst: Float32Array[], ws: readonly ArrayLike<number>[]): void {
  if (ws.length !== dst.length) throw new Error(`expected ${dst.length} weight tensors, got ${ws.length}`);
  ws.forEach((w, i) => {
    if (w.length !== dst[i]!.length) throw new Error(`weight ${i}: expected ${dst[i]!.length} values, got ${w.length}`);
  });
  ws.forEach((w, i) => dst[i]!.set(w));
}

function checkBatch(n: number): void {
  if (n < 1 || n > MAX_BATCH) throw new Error(`hand models take batches of 1..${MAX_BATCH}, got ${n}`);
}

// ───────────────────────────── M1 seed: 1 → 4 relu → 2 softmax ─────────────────────────────

export class HandSeed implements HandModel {
  readonly w1 = new Float32Array(1 * 4);
  readonly b1 = new Float32Array(4);
  readonly w2 = new Float32Array(4 * 2);
  readonly b2 = new Float32Array(2);
  private readonly h = new Float32Array(MAX_BATCH * 4);
  private readonly p = new Float32Array(MAX_BATCH * 2);
  private readonly dz2 = new Float32Array(MAX_BATCH * 2);
  private readonly dz1 = new Float32Array(MAX_BATCH * 4);
  private readonly out1 = new Float32Array(2);

  private forward(x: Float32Array, n: number): void {
    const { w1, b1, w2, b2, h, p } = this;
    for (let b = 0; b < n; b++) {
      const xv = x[b]!;
      for (let o = 0; o < 4; o++) {
        const v = b1[o]! + xv * w1[o]!;
        h[b * 4 + o] = v > 0 ? v : 0;
      }
      let m = -Infinity;
      for (let o = 0; o < 2; o++) {
        let s = b2[o]!;
        for (let i = 0; i < 4; i++) s += h[b * 4 + i]! * w2[i * 2 + o]!;
        p[b * 2 + o] = s;
        if (s > m) m = s;
      }
      let sum = 0;
      for (let o = 0; o < 2; o++) {
        const e = Math.exp(p[b * 2 + o]! - m);
        p[b * 2 + o] = e;
        sum += e;
      }
      for (let o = 0; o < 2; o++) p[b * 2 + o] = p[b * 2 + o]! / sum;
    }
  }

  predict(x: Float32Array): Float32Array {
    this.forward(x, 1);
    this.out1[0] = this.p[0]!;
    this.out1[1] = this.p[1]!;
    return this.out1;
  }

  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array {
    checkBatch(n);
    this.forward(x, n);
    for (let i = 0; i < n * 2; i++) out[i] = this.p[i]!;
    return out;
  }

  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number {
    checkBatch(n);
    this.forward(x, n);
    const { w1, b1, w2, b2, h, p, dz2, dz1 } = this;
    const loss = meanCce(p, y, n, 2);
    const inv = 1 / n;
    for (let i = 0; i < n * 2; i++) dz2[i] = (p[i]! - y[i]!) * inv;
    // dz1 = (dz2 · w2ᵀ) ⊙ relu'(h), with the old w2
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < 4; i++) {
        let s = 0;
        for (let o = 0; o < 2; o++) s += dz2[b * 2 + o]! * w2[i * 2 + o]!;
        dz1[b * 4 + i] = h[b * 4 + i]! > 0 ? s : 0;
      }
    }
    for (let i = 0; i < 4; i++) {
      for (let o = 0; o < 2; o++) {
        let g = 0;
        for (let b = 0; b < n; b++) g += h[b * 4 + i]! * dz2[b * 2 + o]!;
        w2[i * 2 + o] = w2[i * 2 + o]! - LR * g;
      }
    }
    for (let o = 0; o < 2; o++) {
      let g = 0;
      for (let b = 0; b < n; b++) g += dz2[b * 2 + o]!;
      b2[o] = b2[o]! - LR * g;
    }
    for (let o = 0; o < 4; o++) {
      let gw = 0;
      let gb = 0;
      for (let b = 0; b < n; b++) {
        gw += x[b]! * dz1[b * 4 + o]!;
        gb += dz1[b * 4 + o]!;
      }
      w1[o] = w1[o]! - LR * gw;
      b1[o] = b1[o]! - LR * gb;
    }
    return loss;
  }

  getWeights(): Float32Array[] {
    return [this.w1, this.b1, this.w2, this.b2].map((a) => a.slice());
  }

  setWeights(ws: readonly ArrayLike<number>[]): void {
    setAll([this.w1, this.b1, this.w2, this.b2], ws);
  }
}

// ─────────────────────── M2 MLP: 784 → 128 relu → 64 relu → 10 softmax ───────────────────────

export class HandMlp implements HandModel {
  readonly w1 = new Float32Array(784 * 128);
  readonly b1 = new Float32Array(128);
  readonly w2 = new Float32Array(128 * 64);
  readonly b2 = new Float32Array(64);
  readonly w3 = new Float32Array(64 * 10);
  readonly b3 = new Float32Array(10);
  private readonly h1 = new Float32Array(MAX_BATCH * 128);
  private readonly h2 = new Float32Array(MAX_BATCH * 64);
  private readonly p = new Float32Array(MAX_BATCH * 10);
  private readonly dz3 = new Float32Array(MAX_BATCH * 10);
  private readonly dz2 = new Float32Array(MAX_BATCH * 64);
  private readonly dz1 = new Float32Array(MAX_BATCH * 128);
  /** One row of a weight gradient, summed over the batch before the update. */
  private readonly grow = new Float64Array(128);
  private readonly out1 = new Float32Array(10);

  /**
   * Layer at a time over the batch; within a layer the input index is the
   * outer loop so each kernel row (in, ·) is read once per batch.
   */
  private forward(x: Float32Array, n: number): void {
    const { w1, b1, w2, b2, w3, b3, h1, h2, p } = this;
    // dense 784 → 128, relu
    for (let b = 0; b < n; b++) for (let o = 0; o < 128; o++) h1[b * 128 + o] = b1[o]!;
    for (let i = 0; i < 784; i++) {
      const wo = i * 128;
      for (let b = 0; b < n; b++) {
        const xv = x[b * 784 + i]!;
        const ho = b * 128;
        for (let o = 0; o < 128; o++) h1[ho + o]! += xv * w1[wo + o]!;
      }
    }
    for (let j = 0; j < n * 128; j++) {
      const v = h1[j]!;
      h1[j] = v > 0 ? v : 0;
    }
    // dense 128 → 64, relu
    for (let b = 0; b < n; b++) for (let o = 0; o < 64; o++) h2[b * 64 + o] = b2[o]!;
    for (let i = 0; i < 128; i++) {
      const wo = i * 64;
      for (let b = 0; b < n; b++) {
        const hv = h1[b * 128 + i]!;
        const go = b * 64;
        for (let o = 0; o < 64; o++) h2[go + o]! += hv * w2[wo + o]!;
      }
    }
    for (let j = 0; j < n * 64; j++) {
      const v = h2[j]!;
      h2[j] = v > 0 ? v : 0;
    }
    // dense 64 → 10, softmax
    for (let b = 0; b < n; b++) for (let o = 0; o < 10; o++) p[b * 10 + o] = b3[o]!;
    for (let i = 0; i < 64; i++) {
      const wo = i * 10;
      for (let b = 0; b < n; b++) {
        const hv = h2[b * 64 + i]!;
        const po = b * 10;
        for (let o = 0; o < 10; o++) p[po + o]! += hv * w3[wo + o]!;
      }
    }
    for (let b = 0; b < n; b++) {
      const po = b * 10;
      let m = -Infinity;
      for (let o = 0; o < 10; o++) if (p[po + o]! > m) m = p[po + o]!;
      let sum = 0;
      for (let o = 0; o < 10; o++) {
        const e = Math.exp(p[po + o]! - m);
        p[po + o] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let o = 0; o < 10; o++) p[po + o] = p[po + o]! * inv;
    }
  }

  predict(x: Float32Array): Float32Array {
    this.forward(x, 1);
    for (let o = 0; o < 10; o++) this.out1[o] = this.p[o]!;
    return this.out1;
  }

  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array {
    checkBatch(n);
    this.forward(x, n);
    for (let i = 0; i < n * 10; i++) out[i] = this.p[i]!;
    return out;
  }

  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number {
    checkBatch(n);
    this.forward(x, n);
    const { w1, b1, w2, b2, w3, b3, h1, h2, p, dz3, dz2, dz1, grow } = this;
    const loss = meanCce(p, y, n, 10);
    const inv = 1 / n;
    for (let i = 0; i < n * 10; i++) dz3[i] = (p[i]! - y[i]!) * inv;

    // layer 3 (64 → 10): upstream gradient with the old weights, then update
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < 64; i++) {
        let s = 0;
        for (let o = 0; o < 10; o++) s += dz3[b * 10 + o]! * w3[i * 10 + o]!;
        dz2[b * 64 + i] = h2[b * 64 + i]! > 0 ? s : 0;
      }
    }
    for (let i = 0; i < 64; i++) {
      for (let o = 0; o < 10; o++) grow[o] = 0;
      for (let b = 0; b < n; b++) {
        const hv = h2[b * 64 + i]!;
        for (let o = 0; o < 10; o++) grow[o]! += hv * dz3[b * 10 + o]!;
      }
      for (let o = 0; o < 10; o++) w3[i * 10 + o] = w3[i * 10 + o]! - LR * grow[o]!;
    }
    for (let o = 0; o < 10; o++) {
      let g = 0;
      for (let b = 0; b < n; b++) g += dz3[b * 10 + o]!;
      b3[o] = b3[o]! - LR * g;
    }

    // layer 2 (128 → 64)
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < 128; i++) {
        let s = 0;
        for (let o = 0; o < 64; o++) s += dz2[b * 64 + o]! * w2[i * 64 + o]!;
        dz1[b * 128 + i] = h1[b * 128 + i]! > 0 ? s : 0;
      }
    }
    for (let i = 0; i < 128; i++) {
      for (let o = 0; o < 64; o++) grow[o] = 0;
      for (let b = 0; b < n; b++) {
        const hv = h1[b * 128 + i]!;
        for (let o = 0; o < 64; o++) grow[o]! += hv * dz2[b * 64 + o]!;
      }
      for (let o = 0; o < 64; o++) w2[i * 64 + o] = w2[i * 64 + o]! - LR * grow[o]!;
    }
    for (let o = 0; o < 64; o++) {
      let g = 0;
      for (let b = 0; b < n; b++) g += dz2[b * 64 + o]!;
      b2[o] = b2[o]! - LR * g;
    }

    // layer 1 (784 → 128): no input gradient needed
    for (let i = 0; i < 784; i++) {
      for (let o = 0; o < 128; o++) grow[o] = 0;
      for (let b = 0; b < n; b++) {
        const xv = x[b * 784 + i]!;
        for (let o = 0; o < 128; o++) grow[o]! += xv * dz1[b * 128 + o]!;
      }
      for (let o = 0; o < 128; o++) w1[i * 128 + o] = w1[i * 128 + o]! - LR * grow[o]!;
    }
    for (let o = 0; o < 128; o++) {
      let g = 0;
      for (let b = 0; b < n; b++) g += dz1[b * 128 + o]!;
      b1[o] = b1[o]! - LR * g;
    }
    return loss;
  }

  getWeights(): Float32Array[] {
    return [this.w1, this.b1, this.w2, this.b2, this.w3, this.b3].map((a) => a.slice());
  }

  setWeights(ws: readonly ArrayLike<number>[]): void {
    setAll([this.w1, this.b1, this.w2, this.b2, this.w3, this.b3], ws);
  }
}

// ──────── M3 CNN: 28×28×1 → Conv2D 8 3×3 valid relu → MaxPool 2 → Flatten → Dense 10 softmax ────────

export class HandCnn implements HandModel {
  /** (3, 3, 1, 8): index (t0·3 + t1)·8 + f. */
  readonly k = new Float32Array(3 * 3 * 1 * 8);
  readonly kb = new Float32Array(8);
  /** (1352, 10). */
  readonly w = new Float32Array(1352 * 10);
  readonly wb = new Float32Array(10);
  /** relu(conv), (26, 26, 8) per sample. */
  private readonly c = new Float32Array(MAX_BATCH * 26 * 26 * 8);
  /** max-pooled, (13, 13, 8) per sample = the flattened dense input. */
  private readonly m = new Float32Array(MAX_BATCH * 1352);
  /** index into c (within the sample) of each pooled cell's winner. */
  private readonly arg = new Int32Array(MAX_BATCH * 1352);
  private readonly p = new Float32Array(MAX_BATCH * 10);
  private readonly dz = new Float32Array(MAX_BATCH * 10);
  private readonly dm = new Float32Array(MAX_BATCH * 1352);
  private readonly gk = new Float64Array(72);
  private readonly gkb = new Float64Array(8);
  private readonly grow = new Float64Array(10);
  private readonly out1 = new Float32Array(10);

  private forward(x: Float32Array, n: number, training: boolean): void {
    const { k, kb, w, wb, c, m, arg, p } = this;
    for (let b = 0; b < n; b++) {
      const xo = b * 784;
      const co = b * 5408;
      // conv 3×3 valid + bias + relu
      for (let r = 0; r < 26; r++) {
        for (let q = 0; q < 26; q++) {
          const i0 = xo + r * 28 + q;
          const x00 = x[i0]!, x01 = x[i0 + 1]!, x02 = x[i0 + 2]!;
          const x10 = x[i0 + 28]!, x11 = x[i0 + 29]!, x12 = x[i0 + 30]!;
          const x20 = x[i0 + 56]!, x21 = x[i0 + 57]!, x22 = x[i0 + 58]!;
          const out = co + (r * 26 + q) * 8;
          for (let f = 0; f < 8; f++) {
            const v =
              kb[f]! +
              x00 * k[f]! + x01 * k[8 + f]! + x02 * k[16 + f]! +
              x10 * k[24 + f]! + x11 * k[32 + f]! + x12 * k[40 + f]! +
              x20 * k[48 + f]! + x21 * k[56 + f]! + x22 * k[64 + f]!;
            c[out + f] = v > 0 ? v : 0;
          }
        }
      }
      // max pool 2×2 (stride 2)
      const mo = b * 1352;
      for (let r = 0; r < 13; r++) {
        for (let q = 0; q < 13; q++) {
          const a = (r * 2 * 26 + q * 2) * 8;
          const dst = mo + (r * 13 + q) * 8;
          for (let f = 0; f < 8; f++) {
            let best = a + f;
            let v = c[co + best]!;
            const i1 = a + 8 + f, i2 = a + 208 + f, i3 = a + 216 + f;
            if (c[co + i1]! > v) { v = c[co + i1]!; best = i1; }
            if (c[co + i2]! > v) { v = c[co + i2]!; best = i2; }
            if (c[co + i3]! > v) { v = c[co + i3]!; best = i3; }
            m[dst + f] = v;
            if (training) arg[dst + f] = best;
          }
        }
      }
    }
    // dense 1352 → 10 over the batch (kernel row i read once per batch), softmax
    for (let b = 0; b < n; b++) for (let o = 0; o < 10; o++) p[b * 10 + o] = wb[o]!;
    for (let i = 0; i < 1352; i++) {
      const wo = i * 10;
      for (let b = 0; b < n; b++) {
        const v = m[b * 1352 + i]!;
        const po = b * 10;
        for (let o = 0; o < 10; o++) p[po + o]! += v * w[wo + o]!;
      }
    }
    for (let b = 0; b < n; b++) {
      const po = b * 10;
      let mx = -Infinity;
      for (let o = 0; o < 10; o++) if (p[po + o]! > mx) mx = p[po + o]!;
      let sum = 0;
      for (let o = 0; o < 10; o++) {
        const e = Math.exp(p[po + o]! - mx);
        p[po + o] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let o = 0; o < 10; o++) p[po + o] = p[po + o]! * inv;
    }
  }

  predict(x: Float32Array): Float32Array {
    this.forward(x, 1, false);
    for (let o = 0; o < 10; o++) this.out1[o] = this.p[o]!;
    return this.out1;
  }

  predictBatch(x: Float32Array, n: number, out: Float32Array): Float32Array {
    checkBatch(n);
    this.forward(x, n, false);
    for (let i = 0; i < n * 10; i++) out[i] = this.p[i]!;
    return out;
  }

  trainOnBatch(x: Float32Array, y: Float32Array, n: number): number {
    checkBatch(n);
    this.forward(x, n, true);
    const { k, kb, w, wb, m, arg, p, dz, dm, gk, gkb, grow } = this;
    const loss = meanCce(p, y, n, 10);
    const inv = 1 / n;
    for (let i = 0; i < n * 10; i++) dz[i] = (p[i]! - y[i]!) * inv;

    // dense: gradient into the pooled map (old weights), then update
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < 1352; i++) {
        let s = 0;
        for (let o = 0; o < 10; o++) s += dz[b * 10 + o]! * w[i * 10 + o]!;
        dm[b * 1352 + i] = s;
      }
    }
    for (let i = 0; i < 1352; i++) {
      for (let o = 0; o < 10; o++) grow[o] = 0;
      for (let b = 0; b < n; b++) {
        const v = m[b * 1352 + i]!;
        for (let o = 0; o < 10; o++) grow[o]! += v * dz[b * 10 + o]!;
      }
      for (let o = 0; o < 10; o++) w[i * 10 + o] = w[i * 10 + o]! - LR * grow[o]!;
    }
    for (let o = 0; o < 10; o++) {
      let g = 0;
      for (let b = 0; b < n; b++) g += dz[b * 10 + o]!;
      wb[o] = wb[o]! - LR * g;
    }

    // max pool + relu backward routed to each winner, straight into the conv weight gradient
    gk.fill(0);
    gkb.fill(0);
    for (let b = 0; b < n; b++) {
      const xo = b * 784;
      for (let j = 0; j < 1352; j++) {
        const mj = b * 1352 + j;
        if (!(m[mj]! > 0)) continue; // relu'(z) = 0 at the winner
        const d = dm[mj]!;
        const at = arg[mj]!;
        const f = at & 7;
        const pix = at >> 3;
        const r = (pix / 26) | 0;
        const q = pix - r * 26;
        const i0 = xo + r * 28 + q;
        gkb[f]! += d;
        gk[f]! += x[i0]! * d;
        gk[8 + f]! += x[i0 + 1]! * d;
        gk[16 + f]! += x[i0 + 2]! * d;
        gk[24 + f]! += x[i0 + 28]! * d;
        gk[32 + f]! += x[i0 + 29]! * d;
        gk[40 + f]! += x[i0 + 30]! * d;
        gk[48 + f]! += x[i0 + 56]! * d;
        gk[56 + f]! += x[i0 + 57]! * d;
        gk[64 + f]! += x[i0 + 58]! * d;
      }
    }
    for (let i = 0; i < 72; i++) k[i] = k[i]! - LR * gk[i]!;
    for (let f = 0; f < 8; f++) kb[f] = kb[f]! - LR * gkb[f]!;
    return loss;
  }

  getWeights(): Float32Array[] {
    return [this.k, this.kb, this.w, this.wb].map((a) => a.slice());
  }

  setWeights(ws: readonly ArrayLike<number>[]): void {
    setAll([this.k, this.kb, this.w, this.wb], ws);
  }
}
