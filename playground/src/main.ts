/**
 * The playground page: spec editor, diagnostics, model picture, generated
 * TypeScript, and training on a built-in data set with a live chart and
 * weight heatmaps. The compiler and the training loop each run in their
 * own worker; this file only wires the page.
 */
import { javascript } from "@codemirror/lang-javascript";
import type { EditorView } from "@codemirror/view";
import { TrainingChart } from "./chart.js";
import { datasets } from "./datasets.js";
import { createCodeView, createSpecEditor, markdownToHtml } from "./editor.js";
import { drawHeatmap } from "./heatmap.js";
import { modelSvg } from "./model-svg.js";
import type { CompilerRequest, CompilerResponse, ModelView, PlainDiagnostic, TrainRequest, TrainResponse } from "./protocol.js";
import { hashOf, specFromHash } from "./share.js";
import "./style.css";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

// ---- the compiler worker, as promises --------------------------------------------------

const compiler = new Worker(new URL("./compiler.worker.ts", import.meta.url), { type: "module" });
let nextId = 1;
const waiting = new Map<number, (r: CompilerResponse) => void>();
compiler.onmessage = (e: MessageEvent<CompilerResponse>) => {
  waiting.get(e.data.id)?.(e.data);
  waiting.delete(e.data.id);
};
type Req = CompilerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;
function ask<T extends CompilerResponse["type"]>(req: Req & { type: T }): Promise<Extract<CompilerResponse, { type: T }>> {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve as (r: CompilerResponse) => void);
    compiler.postMessage({ ...req, id });
  });
}

// ---- state --------------------------------------------------------------------------------

let models: readonly ModelView[] = [];
let lastAnalysis: { text: string; diagnostics: readonly PlainDiagnostic[] } | undefined;
let trainer: Worker | undefined;

const datasetSelect = $<HTMLSelectElement>("#dataset");
for (const d of datasets) datasetSelect.append(new Option(d.title, d.id));

const initial = specFromHash(location.hash) ?? datasets[0]!.spec;
const chart = new TrainingChart($("#chart"));
const codeView = createCodeView($("#code"), [javascript({ typescript: true })]);

async function analyze(text: string): Promise<readonly PlainDiagnostic[]> {
  if (lastAnalysis?.text === text) return lastAnalysis.diagnostics;
  const r = await ask({ type: "analyze", text });
  lastAnalysis = { text, diagnostics: r.diagnostics };
  if (editor.state.doc.toString() === text) show(r.diagnostics, r.models);
  return r.diagnostics;
}

const editor: EditorView = createSpecEditor({
  parent: $("#editor"),
  doc: initial,
  onChange: (text) => {
    history.replaceState(null, "", hashOf(text));
    scheduleCompile(text);
  },
  diagnostics: analyze,
  hover: async (text, offset) => {
    const r = await ask({ type: "hover", text, offset });
    return r.markdown === null ? null : { html: markdownToHtml(r.markdown), from: r.from ?? offset, to: r.to ?? offset };
  },
});

function show(diags: readonly PlainDiagnostic[], ms: readonly ModelView[]): void {
  const list = $("#diagnostics");
  list.replaceChildren(
    ...diags.map((d) => {
      const li = document.createElement("li");
      li.className = d.severity;
      li.dataset["code"] = d.code;
      li.textContent = `${d.line}:${d.column} ${d.severity}[${d.code}]: ${d.message}`;
      li.onclick = () => {
        editor.dispatch({ selection: { anchor: d.from, head: d.to }, scrollIntoView: true });
        editor.focus();
      };
      return li;
    }),
  );
  $("#diag-count").textContent = diags.length ? `${diags.filter((d) => d.severity === "error").length} errors, ${diags.filter((d) => d.severity === "warning").length} warnings` : "no problems";
  models = ms;
  $("#model").innerHTML = ms.map((m) => `<h3>${m.name} <small>${m.paramCount.toLocaleString("en-US")} params${m.trainable ? "" : " · inference only"}</small></h3>${modelSvg(m)}`).join("") || `<p class="muted">no model without errors</p>`;
  $<HTMLButtonElement>("#train").disabled = trainer !== undefined || !ms.some((m) => m.trainable);
}

let compileTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleCompile(text: string): void {
  clearTimeout(compileTimer);
  compileTimer = setTimeout(async () => {
    $("#code-status").textContent = "compiling…";
    const r = await ask({ type: "compile", text });
    if (editor.state.doc.toString() !== text) return;
    $("#code-status").textContent = r.code === null ? (r.error ? `compiler error: ${r.error}` : "fix the errors to see the generated code") : `${r.code.split("\n").length} lines`;
    if (r.code !== null) codeView.dispatch({ changes: { from: 0, to: codeView.state.doc.length, insert: r.code } });
  }, 500);
}
scheduleCompile(initial);

// ---- training -----------------------------------------------------------------------------

function setTraining(on: boolean): void {
  $<HTMLButtonElement>("#train").disabled = on || !models.some((m) => m.trainable);
  $<HTMLButtonElement>("#stop").disabled = !on;
}

function startTraining(): void {
  const model = models.find((m) => m.trainable);
  if (!model) return;
  const info = datasets.find((d) => d.id === datasetSelect.value)!;
  chart.reset();
  // getWeights() order: each layer's weights once (a shared layer's too), in model.layers order.
  const weights = model.ir.layers.flatMap((l) => l.params.map((p) => `${l.name}/${p.name}`));
  const maps = $("#heatmaps");
  maps.replaceChildren(
    ...weights.map((label) => {
      const fig = document.createElement("figure");
      fig.innerHTML = `<canvas></canvas><figcaption>${label}</figcaption>`;
      return fig;
    }),
  );
  trainer = new Worker(new URL("./train.worker.ts", import.meta.url), { type: "module" });
  setTraining(true);
  $("#status").textContent = `training ${model.name} on ${info.title}…`;
  trainer.onmessage = (e: MessageEvent<TrainResponse>) => {
    const m = e.data;
    if (m.type === "epoch") {
      chart.push(m.epoch, m.loss, m.accuracy);
      $("#status").textContent = `epoch ${m.epoch} · loss ${m.loss.toFixed(4)}${m.accuracy !== null ? ` · accuracy ${m.accuracy.toFixed(3)}` : ""}`;
      m.weights.forEach((w, i) => {
        const fig = maps.children[i];
        const canvas = fig?.querySelector("canvas");
        if (canvas) drawHeatmap(canvas, w.shape, w.data);
        fig?.querySelector("figcaption")?.replaceChildren(`${weights[i]} (${w.shape.join(", ")})`);
      });
    } else {
      if (m.type === "error") $("#status").textContent = `cannot train: ${m.message}`;
      else $("#status").textContent += " — done";
      stopTraining(false);
    }
  };
  const req: TrainRequest = { type: "train", model: model.ir, dataset: info.id, loss: model.loss ?? "mean_squared_error", epochs: info.epochs, seed: 1 };
  trainer.postMessage(req);
}

function stopTraining(byUser: boolean): void {
  trainer?.terminate();
  trainer = undefined;
  setTraining(false);
  if (byUser) $("#status").textContent += " — stopped";
}

$("#train").onclick = startTraining;
$("#stop").onclick = () => stopTraining(true);
$("#example").onclick = () => {
  const info = datasets.find((d) => d.id === datasetSelect.value)!;
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: info.spec } });
};
$("#share").onclick = async () => {
  const url = location.href.split("#")[0] + hashOf(editor.state.doc.toString());
  $<HTMLInputElement>("#share-url").value = url;
  $("#share-status").textContent = "";
  // A clipboard write can wait on a permission prompt that never comes (headless, iframes): give up after a second.
  const copied = await Promise.race([
    navigator.clipboard.writeText(url).then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000)),
  ]);
  $("#share-status").textContent = copied ? "link copied" : "copy the link above";
};
window.addEventListener("hashchange", () => {
  const text = specFromHash(location.hash);
  if (text !== undefined && text !== editor.state.doc.toString()) editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
});
