/**
 * GlobalAveragePooling2D and GlobalMaxPooling2D: reduce (height, width,
 * channels) to (channels,) — or (1, 1, channels) with keepdims=True, which
 * has the same memory layout. Kernels view the input as [batch, h·w,
 * channels]. Max backward sends each gradient to the FIRST maximum in
 * row-major order (the tfjs/TF convention, reference §2.3); backward finds
 * it again from the input with a strict `>`, so forward keeps nothing.
 */
import { Buf, letVar, loop, setVar } from "../kernel/buffer.js";
import { BATCH, call, cmp, div, num, ref, select, type Stmt } from "../kernel/expr.js";
import { bool } from "./common.js";
import type { ArgSpec, KernelContext, LayerDef } from "./types.js";

const args: readonly ArgSpec[] = [
  { name: "data_format", type: { t: "nullable", inner: { t: "enum", values: ["channels_last"] } }, default: null },
  { name: "keepdims", type: { t: "bool" }, default: false },
];

function views(ctx: KernelContext) {
  const [h, w, c] = ctx.inShape as [number, number, number];
  const positions = h * w;
  return {
    positions,
    c,
    x: new Buf(ctx.x.name, ["batch", positions, c]),
    dx: new Buf(ctx.dx.name, ["batch", positions, c]),
    y: new Buf(ctx.y.name, ["batch", c]),
    dy: new Buf(ctx.dy.name, ["batch", c]),
  };
}

function globalPooling(kind: string, defaultName: string, forward: LayerDef["forward"], backward: LayerDef["backward"]): LayerDef {
  return {
    kind,
    defaultName,
    args,
    inputRank: { min: 3, max: 3, describe: "3 (height, width, channels)" },
    outputShape: (attrs, input) => ({ ok: true, shape: bool(attrs, "keepdims") ? [1, 1, input[2]!] : [input[2]!] }),
    params: () => [],
    forward,
    backward: (ctx) => (ctx.needInputGrad ? backward(ctx) : []),
  };
}

export const globalAveragePooling2d = globalPooling(
  "GlobalAveragePooling2D",
  "global_average_pooling2d",
  (ctx) => {
    const { positions, c, x, y } = views(ctx);
    return [
      loop("b", BATCH, (b) => [
        loop("c", c, (ch) => [
          letVar("sum", num(0)),
          loop("pos", positions, (p) => [setVar("sum", x.at(b, p, ch), true)]),
          y.store([b, ch], div(ref("sum"), num(positions))),
        ]),
      ]),
    ];
  },
  (ctx) => {
    const { positions, c, dx, dy } = views(ctx);
    return [
      loop("b", BATCH, (b) => [
        loop("c", c, (ch) => [
          letVar("share", div(dy.at(b, ch), num(positions))),
          loop("pos", positions, (p) => [dx.store([b, p, ch], ref("share"))]),
        ]),
      ]),
    ];
  },
);

export const globalMaxPooling2d = globalPooling(
  "GlobalMaxPooling2D",
  "global_max_pooling2d",
  (ctx) => {
    const { positions, c, x, y } = views(ctx);
    return [
      loop("b", BATCH, (b) => [
        loop("c", c, (ch) => [
          letVar("best", x.at(b, num(0), ch)),
          loop("pos", positions, (p) => [setVar("best", call("max", ref("best"), x.at(b, p, ch)))]),
          y.store([b, ch], ref("best")),
        ]),
      ]),
    ];
  },
  (ctx): Stmt[] => {
    const { positions, c, x, dx, dy } = views(ctx);
    return [
      loop("b", BATCH, (b) => [
        loop("c", c, (ch) => [
          letVar("best", x.at(b, num(0), ch)),
          letVar("arg", num(0)),
          loop("pos", positions, (p) => [
            letVar("v", x.at(b, p, ch)),
            setVar("arg", select(cmp(">", ref("v"), ref("best")), p, ref("arg"))),
            setVar("best", call("max", ref("best"), ref("v"))),
          ]),
          loop("pos", positions, (p) => [dx.store([b, p, ch], select(cmp("==", p, ref("arg")), dy.at(b, ch), num(0)))]),
        ]),
      ]),
    ];
  },
);
