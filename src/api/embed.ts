/**
 * Resolving the `embedWeights` compile option: which model the weights
 * belong to, whether they fit it (every tensor by name and shape, in
 * order), and the bytes to bake in, re-stored in the requested dtype.
 * A misfit is a `weights_mismatch` diagnostic on the model's name.
 */
import type { ProgramIR } from "../ir/model-ir.js";
import { makeDiagnostic, type Diagnostic } from "../diagnostics/diagnostic.js";
import { LayercError } from "../runtime/errors.js";
import {
  readWeights,
  writeWeights,
  type WeightsFile,
} from "../runtime/weights.js";
import type { Span } from "../source.js";
import type { EmbedWeights } from "./api.js";

const shapeText = (s: readonly number[]) => `[${s.join(", ")}]`;

export function embeddedWeights(
  ir: ProgramIR,
  opts: EmbedWeights,
  spans: ReadonlyMap<string, Span>,
): { byModel: Map<string, string> } | { diagnostic: Diagnostic } {
  const none = { start: 0, end: 0 };
  let file: WeightsFile;
  try {
    file = readWeights(opts.weights);
  } catch (e) {
    if (!(e instanceof LayercError)) throw e;
    return {
      diagnostic: makeDiagnostic("weights_mismatch", none, {
        model: opts.model ?? "?",
        reason: e.message,
      }),
    };
  }
  const wanted =
    opts.model ??
    (file.model !== undefined && ir.models.some((m) => m.name === file.model)
      ? file.model
      : undefined);
  const model =
    wanted !== undefined
      ? ir.models.find((m) => m.name === wanted)
      : ir.models.length === 1
        ? ir.models[0]
        : undefined;
  if (model === undefined) {
    const reason =
      wanted !== undefined
        ? `the file has no model ${wanted}`
        : `the file has ${ir.models.length} models; say which one the weights are for`;
    return {
      diagnostic: makeDiagnostic("weights_mismatch", none, {
        model: wanted ?? file.model ?? "?",
        reason,
      }),
    };
  }
  const expected = model.layers.flatMap((l) =>
    l.params.map((p) => ({ name: `${l.name}/${p.name}`, shape: p.shape })),
  );
  const fail = (reason: string) => ({
    diagnostic: makeDiagnostic(
      "weights_mismatch",
      spans.get(model.name) ?? none,
      { model: model.name, reason },
    ),
  });
  if (file.length !== expected.length)
    return fail(
      `it needs ${expected.length} tensors, the file has ${file.length}`,
    );
  for (const [i, e] of expected.entries()) {
    const t = file[i]!;
    if (t.name !== e.name)
      return fail(
        `tensor ${i} is ${t.name} in the file, the model's is ${e.name}`,
      );
    if (shapeText(t.shape) !== shapeText(e.shape))
      return fail(
        `${e.name} has shape ${shapeText(t.shape)} in the file, the model needs ${shapeText(e.shape)}`,
      );
  }
  const bytes = writeWeights(file, {
    dtype: opts.dtype ?? "float32",
    model: model.name,
  });
  return {
    byModel: new Map([[model.name, Buffer.from(bytes).toString("base64")]]),
  };
}
