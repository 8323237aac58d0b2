/**
 * The sequence layers' part of the registry (issue #12): token embeddings,
 * recurrent layers and the reshaping layers around them. Kept apart so the
 * registry's other families can grow without touching these lines.
 */
import type { LayerDef } from "./types.js";
import { bidirectional } from "./bidirectional.js";
import { embedding } from "./embedding.js";
import { globalAveragePooling1d, globalMaxPooling1d } from "./global-pooling.js";
import { masking } from "./masking.js";
import { permute } from "./permute.js";
import { repeatVector } from "./repeat-vector.js";
import { timeDistributed } from "./time-distributed.js";
import { gru } from "./gru.js";
import { lstm } from "./lstm.js";
import { simpleRnn } from "./simple-rnn.js";

export type SequenceLayerKind =
  | "Embedding"
  | "SimpleRNN"
  | "LSTM"
  | "GRU"
  | "Bidirectional"
  | "TimeDistributed"
  | "GlobalAveragePooling1D"
  | "GlobalMaxPooling1D"
  | "RepeatVector"
  | "Permute"
  | "Masking";

export const sequenceLayers: Readonly<Record<SequenceLayerKind, LayerDef>> = {
  Embedding: embedding,
  SimpleRNN: simpleRnn,
  LSTM: lstm,
  GRU: gru,
  Bidirectional: bidirectional,
  TimeDistributed: timeDistributed,
  GlobalAveragePooling1D: globalAveragePooling1d,
  GlobalMaxPooling1D: globalMaxPooling1d,
  RepeatVector: repeatVector,
  Permute: permute,
  Masking: masking,
};
