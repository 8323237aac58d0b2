/**
 * LayerDef.masking values shared by many layers (Keras 3 `supports_masking`;
 * see src/phases/2-check/masks.ts).
 */
import type { LayerDef } from "./types.js";

/** Keras `supports_masking` with the default compute_mask: the output carries the input's mask; the layer does not read it. */
export const keepsMask: NonNullable<LayerDef["masking"]> = { keeps: () => true };
