/**
 * The sequence layers' part of the registry (issue #12): token embeddings,
 * recurrent layers and the reshaping layers around them. Kept apart so the
 * registry's other families can grow without touching these lines.
 */
import type { LayerDef } from "./types.js";
import { embedding } from "./embedding.js";
import { globalAveragePooling1d, globalMaxPooling1d } from "./global-pooling.js";
import { permute } from "./permute.js";
import { repeatVector } from "./repeat-vector.js";

export type SequenceLayerKind = "Embedding" | "GlobalAveragePooling1D" | "GlobalMaxPooling1D" | "RepeatVector" | "Permute";

export const sequenceLayers: Readonly<Record<SequenceLayerKind, LayerDef>> = {
  Embedding: embedding,
  GlobalAveragePooling1D: globalAveragePooling1d,
  GlobalMaxPooling1D: globalMaxPooling1d,
  RepeatVector: repeatVector,
  Permute: permute,
};
