/**
 * What the checker says about layer names: Keras's own list of layers
 * (keras-layers.ts, generated from Keras) against the registry of the ones
 * layerc implements. "Known but not supported yet" is the difference of the
 * two, so it shrinks by itself as layers are registered.
 */
import { kerasLayerAliases, kerasLayerGroups } from "./keras-layers.js";
import { layers, lookupLayer } from "./registry.js";

const kerasLayers = new Set(Object.values(kerasLayerGroups).flat());

/** The class Keras defines a name as: `MaxPool2D` → `MaxPooling2D`; other names unchanged. */
export function kerasLayerClass(name: string): string {
  return Object.prototype.hasOwnProperty.call(kerasLayerAliases, name) ? kerasLayerAliases[name]! : name;
}

/** A layer class Keras has or layerc registers (after alias resolution). */
export function isLayerName(name: string): boolean {
  return kerasLayers.has(name) || lookupLayer(name) !== undefined;
}

/** A Keras layer that layerc does not implement (yet). */
export function isUnsupportedKerasLayer(name: string): boolean {
  return kerasLayers.has(name) && lookupLayer(name) === undefined;
}

/** `core: Dense, Activation; convolutional: Conv1D, Conv2D; …`: the supported layers in Keras's groups. */
export function describeSupportedLayers(): string {
  const supported = new Set(Object.keys(layers));
  const parts: string[] = [];
  for (const [group, names] of Object.entries(kerasLayerGroups)) {
    const mine = names.filter((n) => supported.has(n));
    mine.forEach((n) => supported.delete(n));
    if (mine.length > 0) parts.push(`${group}: ${mine.join(", ")}`);
  }
  if (supported.size > 0) parts.push(`other: ${[...supported].join(", ")}`);
  return parts.join("; ");
}
