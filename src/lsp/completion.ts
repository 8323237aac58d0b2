/**
 * Completion and signature help, from the cursor context (context.ts) and
 * the compiler's schemas (vocab.ts): layer names at the start of a
 * statement, the not-yet-given argument names of the call being written,
 * values that fit the argument (enum strings, activations, initializers,
 * optimizers, losses, metrics, booleans), and in functional models the
 * names bound before the cursor (names.ts): tensors where a layer is
 * applied (`Dense(8)(|`, `Add()([a, |`, `shared(|`) and in
 * `Model(inputs=…, outputs=…)`, shared layers where a statement's value starts.
 */
import type { CompletionItem, CompletionItemKind, SignatureHelp } from "vscode-languageserver";
import { modelAt, type Analysis } from "./analysis.js";
import { modelNames, namesBefore, type Binding } from "./names.js";
import { cursorInfo, type CursorContext } from "./context.js";
import { hintFor } from "./hover.js";
import { activationDescriptions, describeName, describeType, defaultOf, formatDefaults, layerKinds, lookupCallee, modelOptions, signatureParts, valueCandidates, type Callee } from "./vocab.js";
import { activationNames, has } from "../phases/2-check/vocabulary.js";

/** LSP CompletionItemKind values (the protocol's numbers, so this module needs no runtime import). */
const Kind = { Method: 2, Function: 3, Field: 5, Variable: 6, Class: 7, Property: 10, Value: 12, Keyword: 14, Snippet: 15, EnumMember: 20, Constant: 21 } as const;
const InsertTextFormat = { PlainText: 1, Snippet: 2 } as const;

function calleeFor(ctx: { callee: string; modelOptions: boolean; parentKeyword?: string }): Callee | undefined {
  return ctx.modelOptions ? modelOptions : lookupCallee(ctx.callee, hintFor(ctx.parentKeyword));
}

export function complete(a: Analysis, offset: number): CompletionItem[] {
  const info = cursorInfo(a.text, offset);
  const model = modelAt(a, offset);
  return itemsFor(info.context, model ? namesBefore(modelNames(model), offset) : []);
}

const bindingItems = (bound: readonly Binding[], kind: Binding["kind"]): CompletionItem[] =>
  bound
    .filter((b) => b.kind === kind)
    .map((b) => ({ label: b.name, kind: kind === "tensor" ? Kind.Variable : Kind.Function, detail: kind === "tensor" ? "tensor" : "shared layer", sortText: `0${b.name}` }));

function itemsFor(ctx: CursorContext, bound: readonly Binding[]): CompletionItem[] {
  switch (ctx.kind) {
    case "top":
      return [{ label: "model", kind: Kind.Keyword, insertText: "model ${1:Name} {\n  $0\n}", insertTextFormat: InsertTextFormat.Snippet, detail: "a model block" }];
    case "statement":
      return [...bindingItems(bound, "layer"), ...layerItems()];
    case "tensors":
      return bindingItems(bound, "tensor");
    case "argument": {
      // `shared(|`: a bound layer applied to tensors
      if (bound.some((b) => b.kind === "layer" && b.name === ctx.callee)) return ctx.inString ? [] : bindingItems(bound, "tensor");
      const callee = calleeFor(ctx);
      if (!callee) return [];
      const items = ctx.inString ? [] : argumentNameItems(callee, ctx.given, ctx.positional);
      const next = callee.args.filter((s) => s.positional)[ctx.positional];
      if (next && !ctx.given.includes(next.name)) items.push(...valueItems(callee, next.name, ctx.inString, "1"));
      return items;
    }
    case "value": {
      if (ctx.callee === "Model" && (ctx.keyword === "inputs" || ctx.keyword === "outputs") && !ctx.inString) return bindingItems(bound, "tensor");
      const callee = calleeFor(ctx);
      return callee ? valueItems(callee, ctx.keyword, ctx.inString, "0") : [];
    }
    default:
      return [];
  }
}

function layerItems(): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const kind of layerKinds()) {
    const c = lookupCallee(kind)!;
    items.push({
      label: kind,
      kind: Kind.Class,
      detail: `layer: ${formatDefaults(c.args) || "no arguments"}`,
      documentation: { kind: "markdown", value: c.description },
      insertText: `${kind}($0)`,
      insertTextFormat: InsertTextFormat.Snippet,
      command: { title: "signature", command: "editor.action.triggerParameterHints" },
    });
  }
  items.push({ label: "Input", kind: Kind.Class, detail: "the model input", insertText: "Input(shape=($1,))", insertTextFormat: InsertTextFormat.Snippet });
  items.push({ label: "compile", kind: Kind.Method, detail: "optimizer, loss, metrics", insertText: "compile(optimizer=${1:'adam'}, loss=${2:'categorical_crossentropy'}, metrics=['accuracy'])", insertTextFormat: InsertTextFormat.Snippet });
  return items;
}

function argumentNameItems(callee: Callee, given: readonly string[], positional: number): CompletionItem[] {
  const takenByPosition = new Set(callee.args.filter((s) => s.positional).slice(0, positional).map((s) => s.name));
  return callee.args
    .filter((s) => !given.includes(s.name) && !takenByPosition.has(s.name))
    .map((s, i) => ({
      label: `${s.name}=`,
      kind: Kind.Field,
      detail: `${describeType(s.type)}${s.required ? " (required)" : `, default ${defaultOf(s)}`}`,
      insertText: `${s.name}=`,
      filterText: s.name,
      sortText: `0${String(i).padStart(3, "0")}`,
      command: { title: "values", command: "editor.action.triggerSuggest" },
    }));
}

const itemKind = (k: string): CompletionItemKind => (k === "enum" ? Kind.EnumMember : k === "constant" ? Kind.Constant : k === "optimizer" || k === "loss" || k === "initializer" ? Kind.Function : Kind.Value);

function valueItems(callee: Callee, argName: string, inString: boolean, sort: string): CompletionItem[] {
  const spec = callee.args.find((s) => s.name === argName);
  if (!spec) return [];
  return valueCandidates(spec.type, argName).map((v) => {
    const quoted = v.kind !== "constant" && !inString;
    const doc = v.kind === "activation" ? activationDescriptions[has(activationNames, v.label) ? activationNames[v.label]! : v.label] : describeName(v.label);
    return {
      label: v.label,
      kind: itemKind(v.kind),
      detail: v.kind === "enum" ? `${argName}` : v.kind,
      ...(doc !== undefined ? { documentation: { kind: "markdown" as const, value: doc } } : {}),
      insertText: quoted ? `'${v.label}'` : v.label,
      filterText: quoted ? `'${v.label}'` : v.label,
      sortText: `${sort}${v.label}`,
    };
  });
}

/** Signature help for the innermost open call. */
export function signatureHelp(a: Analysis, offset: number): SignatureHelp | null {
  const info = cursorInfo(a.text, offset);
  const call = info.call;
  if (!call) return null;
  const callee = calleeFor(call);
  if (!callee) return null;
  const { label, params } = signatureParts(callee);
  let active = -1;
  if (call.keyword !== undefined) active = callee.args.findIndex((s) => s.name === call.keyword);
  else {
    const positional = callee.args.filter((s) => s.positional);
    const spec = call.given.length === 0 ? positional[call.positional] : undefined;
    active = spec ? callee.args.indexOf(spec) : -1;
  }
  return {
    signatures: [{ label, documentation: { kind: "markdown", value: callee.description }, parameters: params.map((p) => ({ label: p.label, documentation: p.doc })) }],
    activeSignature: 0,
    activeParameter: active >= 0 ? active : params.length,
  };
}
