/**
 * Every registered layer carries its own one-line description on its
 * definition (src/layers/*), and the editor features read it from there:
 * completion items and hovers of every layer show it, with the Keras
 * defaults generated from the layer's arguments.
 */
import { describe, expect, it } from "vitest";
import { layers } from "../src/layers/registry.js";
import { formatDefaults, lookupCallee } from "../src/lsp/vocab.js";

describe("layer descriptions", () => {
  const kinds = Object.keys(layers) as (keyof typeof layers)[];
  it("every registered layer has its own one-line description", () => {
    expect(kinds.length).toBeGreaterThanOrEqual(57);
    const seen = new Map<string, string>();
    for (const kind of kinds) {
      const d = layers[kind].description;
      expect(d, kind).toMatch(/^[A-Z0-9`].{15,}\.$/);
      expect(d, kind).not.toContain("\n");
      expect(seen.get(d), `${kind} repeats ${seen.get(d)}'s description`).toBeUndefined();
      seen.set(d, kind);
    }
  });
  it("the editor vocabulary reads it from the registry, with the Keras defaults", () => {
    for (const kind of kinds) {
      const c = lookupCallee(kind)!;
      expect(c.kind, kind).toBe("layer");
      expect(c.description, kind).toBe(layers[kind].description);
    }
    expect(formatDefaults(lookupCallee("Dense")!.args)).toContain("units (required), activation=None, use_bias=True");
  });
});
