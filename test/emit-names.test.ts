/**
 * Kernel locals never shadow the names the generated methods bind (p, g, x,
 * n, dOut, buffer locals, spill temporaries): the specializer renames them.
 */
import { describe, expect, it } from "vitest";
import { letVar, loop, setVar } from "../src/kernel/buffer.js";
import { add, BATCH, num, ref } from "../src/kernel/expr.js";
import { specialize } from "../src/phases/3-emit/specialize.js";

describe("specialize", () => {
  it("renames loop variables and locals that collide with reserved names", () => {
    const kernel = [
      loop("p", BATCH, (p) => [letVar("x", p), letVar("tmp0", num(1)), setVar("x", add(ref("x"), ref("tmp0")), true), loop("n", BATCH, (n) => [setVar("x", n, true)])]),
    ];
    const out = specialize(kernel, { unroll: false, reserved: new Set(["p", "g", "x", "n", "dOut"]) });
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/"(v|name)":"(p|x|n|tmp0)"/);
    expect(text).toContain('"v":"p_"');
    expect(text).toContain('"v":"n_"');
    expect(text).toContain('"name":"x_"');
    expect(text).toContain('"name":"tmp0_"');
    // references follow the renaming
    expect(text).not.toMatch(/"k":"var","name":"(p|x|tmp0)"/);
  });
});
