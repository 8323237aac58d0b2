/**
 * What a generated class links of the runtime: the pieces its spec decides
 * at compile time, as protected static fields the runtime base classes read
 * (runtime/model.ts `Links`) — the initializers its weights use, the
 * metrics, optimizer and learning-rate schedule it compiles, the base64
 * decoder and the codec of the weights it embeds, and, with native kernels, the WebAssembly
 * loader and the threads module. A bundler
 * then drops every other kind from the runtime. The names come from the
 * runtime's export tables; nothing here names a layer kind.
 */
import type { ModelIR } from "../../ir/model-ir.js";
import type { ModelMeta } from "../../runtime/model.js";
import type { InitializerSpec } from "../../runtime/spec.js";
import { INITIALIZER_EXPORTS } from "../../runtime/initializers.js";
import { METRIC_EXPORTS } from "../../runtime/metrics.js";
import { OPTIMIZER_EXPORTS } from "../../runtime/optimizers.js";
import { SCHEDULE_EXPORTS } from "../../runtime/schedules.js";

/** One static field: `protected static override readonly <name>: <type> = <value>;`, importing `exports` (values) and `type`. */
export interface RuntimeLink {
  readonly name: string;
  /** The field's type annotation (a runtime type export), so declarations need no inference. */
  readonly type: string;
  readonly value: string;
  readonly exports: readonly string[];
}

/** A `{ kind: export, … }` table of the kinds used, sorted by kind (deterministic output). */
function kindTable(name: string, type: string, kinds: Iterable<string>, exportsOf: Readonly<Record<string, string>>): RuntimeLink | null {
  const used = [...new Set(kinds)].sort();
  if (used.length === 0) return null;
  const entry = (k: string) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${exportsOf[k]!}`;
  return { name, type, value: `{ ${used.map(entry).join(", ")} }`, exports: [...new Set(used.map((k) => exportsOf[k]!))].sort() };
}

/** Every initializer name a spec fills through (unit_forget_bias fills through its inner one). */
function initializerNames(spec: InitializerSpec): string[] {
  return spec.name === "unit_forget_bias" ? [spec.name, ...initializerNames(spec.inner)] : [spec.name];
}

/**
 * The statics a generated class of `model` declares (its metadata `meta`;
 * `native`: it has native kernels; `embeds`: it embeds weights).
 */
export function runtimeLinks(model: ModelIR, meta: ModelMeta, native: boolean, embeds: boolean): RuntimeLink[] {
  const training = model.training;
  const metrics = [...(training?.metrics ?? []), ...(meta.outputs ?? []).flatMap((o) => o.metrics ?? [])].map((m) => m.kind);
  const schedule = training?.optimizer.schedule;
  const links = [
    kindTable("initializerKinds", "InitializerKinds", meta.weights.flatMap((w) => initializerNames(w.init)), INITIALIZER_EXPORTS),
    kindTable("metricKinds", "MetricKinds", metrics, METRIC_EXPORTS),
    training ? kindTable("optimizerKinds", "OptimizerKinds", [training.optimizer.name], OPTIMIZER_EXPORTS) : null,
    schedule ? kindTable("scheduleKinds", "ScheduleKinds", [schedule.name], SCHEDULE_EXPORTS) : null,
    embeds ? { name: "base64", type: "typeof decodeBase64", value: "decodeBase64", exports: ["decodeBase64"] } : null,
  ];
  // threads split native kernels only: only a model with them links the loader and the threads module (threads.ts)
  if (native) {
    links.push({ name: "nativeLoader", type: "NativeLoader", value: "nativeLoader", exports: ["nativeLoader"] });
    links.push({ name: "threading", type: "typeof instantiateThreaded", value: "instantiateThreaded", exports: ["instantiateThreaded"] });
  }
  return links.filter((l): l is RuntimeLink => l !== null);
}

/** The type-only runtime imports a link's annotation needs (none for `typeof` of an imported value). */
export function linkTypeImports(link: RuntimeLink): string[] {
  return link.type.startsWith("typeof ") ? [] : [link.type];
}
