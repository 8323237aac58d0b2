/**
 * Loop fusion in the specializer: adjacent loops over the same range merge
 * only when no value crosses iterations — every buffer one loop writes and
 * the other touches stays inside each iteration's own slice.
 */
import { describe, expect, it } from "vitest";
import { BATCH, add, mul, num, ref, type Stmt } from "../src/kernel/expr.js";
import { loop, letVar } from "../src/kernel/buffer.js";
import { specialize } from "../src/phases/3-emit/specialize.js";

const load = (buf: string, i: ReturnType<typeof add>) => ({ k: "load" as const, buf, index: i });
const store = (buf: string, i: ReturnType<typeof add>, value: ReturnType<typeof add>): Stmt => ({ k: "store", buf, index: i, value, acc: false });
const loops = (stmts: Stmt[]) => specialize(stmts, { unroll: false }).filter((s) => s.k === "for").length;

describe("loop fusion", () => {
  it("merges a producer and a consumer of the same per-iteration slice", () => {
    const a = loop("b", BATCH, (b) => [store("t", add(mul(b, num(2)), num(1)), load("x", b))]);
    const c = loop("ab", BATCH, (b) => [store("y", b, load("t", add(mul(b, num(2)), num(1))))]);
    const out = specialize([a, c], { unroll: false });
    expect(out).toHaveLength(1);
    // the second body now uses the first loop's variable
    expect(JSON.stringify(out[0])).not.toContain('"ab"');
  });

  it("keeps loops apart when a value crosses iterations", () => {
    // t[b] written, t[b + 1] read: iteration b of the second loop needs iteration b + 1 of the first
    const a = loop("b", BATCH, (b) => [store("t", b, load("x", b))]);
    const c = loop("b", BATCH, (b) => [store("y", b, load("t", add(b, num(1))))]);
    expect(loops([a, c])).toBe(2);
    // a whole-buffer reduction in the first loop read by the second
    const r = loop("b", BATCH, (b) => [{ k: "store", buf: "s", index: num(0), value: load("x", b), acc: true }]);
    const u = loop("b", BATCH, (b) => [store("y", b, load("s", num(0)))]);
    expect(loops([r, u])).toBe(2);
  });

  it("keeps loops apart when a scalar flows between them or names clash", () => {
    const a = loop("b", BATCH, (b) => [{ k: "set", name: "acc", value: load("x", b), acc: true }]);
    const c = loop("b", BATCH, (b) => [store("y", b, ref("acc"))]);
    expect(loops([letVar("acc", num(0)), a, c])).toBe(2);
    const d = loop("b", BATCH, (b) => [letVar("v", load("x", b)), store("y", b, ref("v"))]);
    const e = loop("b", BATCH, (b) => [letVar("v", load("z", b)), store("w", b, ref("v"))]);
    expect(loops([d, e])).toBe(2);
  });

  it("merges independent loops (different buffers)", () => {
    const a = loop("b", BATCH, (b) => [store("y", b, load("x", b))]);
    const c = loop("b", BATCH, (b) => [store("w", b, load("x", b))]);
    expect(loops([a, c])).toBe(1);
  });
});

describe("store-to-load forwarding", () => {
  const loadsOf = (stmts: readonly Stmt[]): number => JSON.stringify(stmts).split('"k":"load"').length - 1;
  const body = (stmts: Stmt[], rounding: string[] = []) => {
    const out = specialize([loop("b", BATCH, () => stmts)], { unroll: false, rounding: new Set(rounding) });
    return (out[0] as Extract<Stmt, { k: "for" }>).body;
  };
  const b = ref("b");
  const i2 = (k: number) => add(mul(b, num(2)), num(k));

  it("reads a just-stored element from a local, across stores to other elements", () => {
    const out = body([
      store("t", i2(0), load("x", b)),
      store("t", i2(1), load("w", b)),
      store("y", b, add(load("t", i2(0)), load("t", i2(1)))),
    ]);
    // x, w loaded once each; t is never read back
    expect(loadsOf(out)).toBe(2);
  });

  it("keeps the load when the element may have changed or the store rounds", () => {
    const unknown = body([store("t", i2(0), load("x", b)), store("t", ref("j"), num(1)), store("y", b, load("t", i2(0)))]);
    expect(loadsOf(unknown)).toBe(2);
    const accumulated = body([store("t", i2(0), load("x", b)), { k: "store", buf: "t", index: i2(0), value: num(1), acc: true }, store("y", b, load("t", i2(0)))]);
    expect(loadsOf(accumulated)).toBe(2); // x, and t read back after the += (an accumulating store has no load node)
    const rounded = body([store("p", i2(0), load("x", b)), store("y", b, load("p", i2(0)))], ["p"]);
    expect(loadsOf(rounded)).toBe(2);
  });

  it("stops forwarding a scalar once it is reassigned", () => {
    const out = body([letVar("s", load("x", b)), store("t", b, ref("s")), { k: "set", name: "s", value: num(2), acc: false }, store("y", b, load("t", b))]);
    expect(loadsOf(out)).toBe(2);
  });
});

describe("repeated loads", () => {
  const loadsOf = (stmts: readonly Stmt[]): number => JSON.stringify(stmts).split('"k":"load"').length - 1;
  const body = (stmts: Stmt[]) => (specialize([loop("b", BATCH, () => stmts)], { unroll: false })[0] as Extract<Stmt, { k: "for" }>).body;
  const b = ref("b");

  it("read an element once per block while nothing can change it", () => {
    const out = body([store("y", b, load("x", b)), store("w", b, mul(load("x", b), load("x", b)))]);
    expect(loadsOf(out)).toBe(1);
  });

  it("bind a value read twice in one statement, and still forward that statement's store", () => {
    // the tanh backward shape: dz = d · (1 − y·y), then dz is read back
    const out = body([
      store("dz", b, mul(load("d", b), add(num(1), mul(load("y", b), load("y", b))))),
      store("g", num(0), load("dz", b)),
    ]);
    expect(loadsOf(out)).toBe(2); // d and y, once each
    const lets = out.filter((s) => s.k === "let").map((s) => (s as { name: string }).name);
    expect(lets).toHaveLength(2); // y's local, then dz's value
  });

  it("read again after a store that may hit the element", () => {
    const out = body([store("y", b, load("x", b)), store("x", ref("j"), num(0)), store("w", b, load("x", b))]);
    expect(loadsOf(out)).toBe(2);
  });
});

describe("loop-invariant loads", () => {
  const b = ref("b");
  it("move in front of the loop when the loop never writes their buffer", () => {
    const out = specialize([loop("b", BATCH, (bb) => [store("y", bb, mul(load("x", bb), load("p", num(3))))])], { unroll: false });
    expect(out[0]).toMatchObject({ k: "let", value: { k: "load", buf: "p" } });
    expect(out[1]!.k).toBe("for");
  });

  it("stay when the loop writes the buffer or the index changes per iteration", () => {
    const written = specialize([loop("b", BATCH, (bb) => [store("p", bb, load("p", num(3)))])], { unroll: false });
    expect(written[0]!.k).toBe("for");
    const varying = specialize([loop("b", BATCH, (bb) => [letVar("i", bb), store("y", bb, load("p", ref("i")))])], { unroll: false });
    expect(varying[0]!.k).toBe("for");
    void b;
  });
});
