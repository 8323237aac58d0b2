/**
 * A trainable model's exact logs type, `<Model>Logs`: what fit's callbacks
 * (onEpochEnd, onBatchEnd, Callback.onEpochEnd) see, what `history.history`
 * holds per epoch and what evaluate returns — Keras's names as the runtime
 * logs them (runtime/model.ts `logs`): `loss`; with several outputs each
 * output's `<out>_loss`; every compiled metric (`<out>_<metric>` with
 * several outputs); the same with `val_` when fit validates (optional);
 * `learning_rate` when a callback logs it (optional). A metric that logs
 * one value per class (F1Score/FBetaScore with average=None) is `number[]`,
 * every other value `number`, so `logs.accuracy.toFixed(3)` type-checks.
 */
import type { ModelMeta } from "../../runtime/model.js";
import { perClass } from "../../runtime/metrics.js";

/** The logged names and their types, in the order the runtime logs them. */
export function logEntries(meta: Pick<ModelMeta, "training" | "outputs" | "outputShape">): { name: string; type: "number" | "number[]" }[] {
  const t = meta.training;
  if (t === null) return [];
  const heads = meta.outputs ?? [{ name: "", shape: meta.outputShape }];
  const many = heads.length > 1;
  const out: { name: string; type: "number" | "number[]" }[] = [{ name: "loss", type: "number" }];
  for (const h of heads) {
    if (many) out.push({ name: `${h.name}_loss`, type: "number" });
    for (const m of h.metrics ?? t.metrics) out.push({ name: many ? `${h.name}_${m.name}` : m.name, type: perClass(m) ? "number[]" : "number" });
  }
  return out;
}

/** The type literal of `<Model>Logs`. */
export function logsTypeText(meta: Pick<ModelMeta, "training" | "outputs" | "outputShape">): string {
  const entries = logEntries(meta);
  const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));
  const lines = [
    ...entries.map((e) => `${key(e.name)}: ${e.type};`),
    ...entries.map((e) => `${key(`val_${e.name}`)}?: ${e.type};`),
    ...(entries.some((e) => e.name === "learning_rate") ? [] : ["learning_rate?: number;"]),
  ];
  return `{\n${lines.join("\n")}\n}`;
}
