/**
 * Pasted Keras: lowers what Python code writes around a layer stack into the
 * plain statements the checker works on, so a model copied from a Keras
 * tutorial compiles with only `model Name { }` around it.
 *
 * - Module prefixes are checked against the ones Keras itself uses
 *   (`layers.Dense`, `keras.layers.Dense`, `tf.keras.layers.Dense`,
 *   `keras.optimizers.Adam`, `tf.nn.relu`, …) and the place they appear
 *   (`optimizer=` takes `keras.optimizers.*`), then dropped.
 * - `model = keras.Sequential([…])` (or an unassigned `keras.Sequential([…])`)
 *   contributes its list; `model.add(X)` contributes X, `model.compile(…)` is
 *   `compile(…)`, `model.summary()` is accepted and ignored; other methods
 *   (`fit`, `save`, …) are reported with what to use instead.
 * - `name = value` binds a constant (`num_classes = 10`, `loss_fn =
 *   keras.losses.…(…)`) that later bare uses of `name` stand for, as in
 *   Python. Binding a layer or tensor is the functional API (graph.ts),
 *   which uses `lowerCall` and `bindConstant` here for its prefixes and
 *   constants.
 *
 * The output is new, unqualified CallNodes with the original spans, so every
 * later diagnostic points at the user's text. The AST itself is untouched.
 */
import type { ArgNode, AssignNode, CallNode, Ident, ModelNode, NameRef, StatementNode, ValueNode } from "../1-parse/ast.js";
import { makeDiagnostic } from "../../diagnostics/diagnostic.js";
import { isLayerName, kerasLayerClass } from "../../layers/catalog.js";
import { span } from "../../source.js";
import type { Sink } from "./args.js";

/** What a Keras module holds; the key of `moduleRoles`. */
type Role = "layers" | "models" | "optimizers" | "losses" | "metrics" | "activations" | "initializers" | "regularizers" | "constraints";

/** Every module prefix Keras code uses, by what it holds. `keras.` itself holds `Input`, `Sequential` and `Model`. */
const moduleRoles: Readonly<Record<string, Role>> = {
  ...prefixes("layers", "layers"),
  ...prefixes("models", "models"),
  keras: "models",
  "tf.keras": "models",
  ...prefixes("optimizers", "optimizers"),
  ...prefixes("losses", "losses"),
  ...prefixes("metrics", "metrics"),
  ...prefixes("activations", "activations"),
  "tf.nn": "activations",
  ...prefixes("initializers", "initializers"),
  ...prefixes("regularizers", "regularizers"),
  ...prefixes("constraints", "constraints"),
};

function prefixes(module: string, role: Role): Record<string, Role> {
  return { [module]: role, [`keras.${module}`]: role, [`tf.keras.${module}`]: role };
}

/** What goes where a role is expected, and what a module of that role holds. */
const roleNoun: Readonly<Record<Role, readonly [string, string]>> = {
  layers: ["a layer", "layers"],
  models: ["a model", "`Input`, `Sequential` and `Model`"],
  optimizers: ["an optimizer", "optimizers"],
  losses: ["a loss", "losses"],
  metrics: ["a metric", "metrics"],
  activations: ["an activation", "activations"],
  initializers: ["an initializer", "initializers"],
  regularizers: ["a regularizer", "regularizers"],
  constraints: ["a constraint", "constraints"],
};

/** The module role an argument's value comes from, by the argument's name; undefined for any. */
function argumentRole(keyword: string | undefined): Role | undefined {
  if (keyword === undefined) return undefined;
  if (keyword === "optimizer") return "optimizers";
  if (keyword === "loss") return "losses";
  if (keyword === "metrics") return "metrics";
  if (keyword === "activation" || keyword === "recurrent_activation") return "activations";
  if (keyword.endsWith("_initializer")) return "initializers";
  if (keyword.endsWith("_regularizer")) return "regularizers";
  if (keyword.endsWith("_constraint")) return "constraints";
  return undefined;
}

/** Calls that stand for the model itself rather than a layer. */
const modelCalls = new Set(["Sequential", "Model"]);

/** Why a model method is not part of a spec, and what to use instead. */
const methodAdvice: Readonly<Record<string, string>> = {
  fit: "train with the generated class: `model.fit(x, y, { epochs })`",
  evaluate: "evaluate with the generated class: `model.evaluate(x, y)`",
  predict: "predict with the generated class: `model.predict(x)`",
  train_on_batch: "train with the generated class: `model.trainOnBatch(x, y, batchSize)`",
  save: "generated code is the saved model; weights go through `getWeights()` / `writeWeights`",
  save_weights: "weights go through `getWeights()` and `writeWeights` from `layerc/runtime`",
  load_weights: "load weights with `layerc import` or `setWeights`",
  pop: "delete the layer's line instead",
  build: "the input shape comes from `Input(shape=…)` or `input_shape=`",
};

const qualified = (q: readonly Ident[] | undefined, name: string) => (q === undefined ? name : `${q.map((i) => i.name).join(".")}.${name}`);

export class PasteLowering {
  private readonly constants = new Map<string, ValueNode>();
  private modelVar: string | undefined;
  private readonly out: CallNode[] = [];
  /** True when a statement was reported and left out, so the stack is incomplete (check then skips follow-on errors). */
  dropped = false;

  constructor(private readonly sink: Sink) {}

  /** The model's statements as plain layer and `compile` calls, in order. */
  lower(model: ModelNode): CallNode[] {
    for (const stmt of model.statements) this.statement(stmt);
    return this.out;
  }

  /**
   * For the functional API (graph.ts): a statement's call with its module
   * prefix checked and dropped (`layers.Dense`, `keras.Input`,
   * `keras.Model`), aliases resolved and arguments lowered. `compile(…)` and
   * `model.compile(…)` are `compile(…)`; `model.summary()` is null (nothing
   * to do); undefined after reporting a prefix error.
   */
  lowerCall(call: CallNode): CallNode | null | undefined {
    const variable = call.qualifier?.length === 1 && moduleRoles[call.qualifier[0]!.name] === undefined;
    if (call.callee.name === "compile" && (call.qualifier === undefined || variable)) {
      return { kind: "Call", callee: call.callee, args: this.args(call.args), hasParens: call.hasParens, span: call.span };
    }
    if (variable && call.callee.name === "summary") return null;
    return this.layerConstructor(call);
  }

  /** A layer (or `Input`/`Model`) constructor with its prefix checked and dropped and its class alias resolved; undefined after reporting. */
  private layerConstructor(call: CallNode): CallNode | undefined {
    const roles: Role[] = call.callee.name === "Input" || call.callee.name === "Model" ? ["layers", "models"] : ["layers"];
    if (!this.checkPrefix(call.callee, call.qualifier, roles)) return undefined;
    const kind = kerasLayerClass(call.callee.name);
    const callee: Ident = kind === call.callee.name ? call.callee : { ...call.callee, name: kind };
    return { kind: "Call", callee, args: this.args(call.args), hasParens: call.hasParens, span: call.span };
  }

  /** The arguments of a layer call on tensors, `([a, Dense(4)(b)])`, lowered as values. */
  lowerArgs(args: readonly ArgNode[]): ArgNode[] {
    return this.args(args);
  }

  /** `name = value` binding a constant (`num_classes = 10`): later bare uses of `name` stand for it. */
  bindConstant(stmt: AssignNode): void {
    this.constants.set(stmt.target.name, this.value(stmt.value, undefined));
  }

  private report(...args: Parameters<typeof makeDiagnostic>): void {
    this.dropped = true;
    this.sink.diags.push(makeDiagnostic(...args));
  }

  private statement(stmt: StatementNode): void {
    if (stmt.kind === "Assign") return this.assignment(stmt);
    const head = stmt.qualifier?.[0];
    const isMethod = head !== undefined && stmt.qualifier!.length === 1 && moduleRoles[head.name] === undefined;
    // `nn.Dense(4)` is a wrong module prefix, not a method of a variable `nn`
    if (isMethod && (head.name === this.modelVar || !isLayerName(kerasLayerClass(stmt.callee.name)))) return this.method(stmt, head);
    if (modelCalls.has(stmt.callee.name) && stmt.hasParens) return this.sequential(stmt, undefined);
    this.layerCall(stmt);
  }

  private assignment(stmt: AssignNode): void {
    const v = stmt.value;
    if (stmt.targets) {
      const names = stmt.targets.map((t) => t.name).join(", ");
      this.report("statement_unsupported", stmt.span, { what: `unpacking into \`${names}\``, reason: "only a functional model unpacks the outputs of a layer call (`seq, h, c = LSTM(8, return_sequences=True, return_state=True)(x)`)" });
      return;
    }
    if (v.kind === "Call" && v.callee.name === "Sequential") return this.sequential(v, stmt.target.name);
    if (v.kind === "Call" && (modelCalls.has(v.callee.name) || v.callee.name === "Input" || isLayerName(kerasLayerClass(v.callee.name)))) {
      this.report("statement_unsupported", stmt.span, {
        what: `\`${stmt.target.name} = ${qualified(v.qualifier, v.callee.name)}(…)\``,
        reason: "binding layers and tensors to names is the functional API: bind the input too (`x = Input(shape=…)`) and call each layer on a tensor (`h = Dense(8)(x)`), or write one layer call per line",
      });
      return;
    }
    this.constants.set(stmt.target.name, this.value(v, undefined));
  }

  /** `keras.Sequential([…], name=…)`: the list's layers, in order. */
  private sequential(call: CallNode, variable: string | undefined): void {
    this.checkPrefix(call.callee, call.qualifier, ["models"]);
    if (call.callee.name !== "Sequential") {
      this.report("statement_unsupported", call.span, {
        what: `\`${call.callee.name}(…)\``,
        reason: "a functional model is written with `x = Input(…)`, `h = Layer(…)(x)` and `Model(inputs=…, outputs=…)`",
      });
      return;
    }
    if (this.modelVar !== undefined || this.out.length > 0) {
      this.report("statement_unsupported", call.span, { what: "a second `Sequential(…)`", reason: "a model block holds one model" });
      return;
    }
    this.modelVar = variable ?? "model";
    for (const arg of call.args) {
      const name = arg.name?.name;
      if (name === "name" || name === "trainable") continue;
      if ((name === undefined || name === "layers") && (arg.value.kind === "List" || arg.value.kind === "Tuple")) {
        for (const item of arg.value.items) this.sequentialItem(item);
        continue;
      }
      this.report("statement_unsupported", arg.span, {
        what: "this argument of `Sequential(…)`",
        reason: "`Sequential` takes a list of layers (and an optional `name=`)",
      });
    }
  }

  private sequentialItem(item: ValueNode): void {
    if (item.kind === "Call") return this.layerCall(item);
    this.report("statement_unsupported", item.span, { what: "this item", reason: "a `Sequential([…])` list holds layer calls such as `layers.Dense(4)`" });
  }

  /** `model.add(X)`, `model.compile(…)`, `model.summary()`, or another method. */
  private method(stmt: CallNode, variable: Ident): void {
    if (variable.name !== this.modelVar) {
      this.report("statement_unsupported", span(variable.span.start, stmt.callee.span.end), {
        what: `\`${variable.name}.${stmt.callee.name}\``,
        reason: `\`${variable.name}\` is not a model here; start with \`${variable.name} = keras.Sequential()\` or write the layer calls directly`,
      });
      return;
    }
    const method = stmt.callee.name;
    if (method === "summary") return;
    if (method === "compile") {
      this.out.push({ kind: "Call", callee: stmt.callee, args: this.args(stmt.args), hasParens: stmt.hasParens, span: stmt.span });
      return;
    }
    if (method === "add") {
      const only = stmt.args[0];
      if (stmt.args.length === 1 && only!.name === undefined && only!.value.kind === "Call") return this.layerCall(only!.value);
      this.report("statement_unsupported", stmt.span, { what: `\`${variable.name}.add(…)\``, reason: "`add` takes one layer call, such as `layers.Dense(4)`" });
      return;
    }
    const advice = methodAdvice[method] ?? "a spec describes the model; everything else happens in TypeScript with the generated class";
    this.report("method_unsupported", span(variable.span.start, stmt.callee.span.end), { method: `${variable.name}.${method}`, advice });
  }

  /** A layer, `Input(…)` or `compile(…)` statement: prefix checked and dropped, aliases resolved, arguments lowered. */
  private layerCall(call: CallNode): void {
    if (call.callee.name === "compile" && call.qualifier !== undefined) {
      this.report("module_mismatch", qualifierSpan(call), { written: qualified(call.qualifier, "compile"), problem: "`compile` is written `compile(…)` or `model.compile(…)`" });
    } else if (call.callee.name !== "compile") {
      const ok = this.checkPrefix(call.callee, call.qualifier, call.callee.name === "Input" ? ["layers", "models"] : ["layers"]);
      // `torch.nn.Linear`: the prefix error says it all; "unknown layer `Linear`" would be noise
      if (!ok && !isLayerName(kerasLayerClass(call.callee.name)) && call.callee.name !== "Input") return;
    }
    const kind = kerasLayerClass(call.callee.name);
    const callee: Ident = kind === call.callee.name ? call.callee : { ...call.callee, name: kind };
    this.out.push({ kind: "Call", callee, args: this.args(call.args), hasParens: call.hasParens, span: call.span });
  }

  private args(args: readonly ArgNode[]): ArgNode[] {
    return args.map((a) => ({ ...a, value: this.value(a.value, argumentRole(a.name?.name)) }));
  }

  /** A value with prefixes checked and dropped and constants substituted. `role`: what the argument takes, if known. */
  private value(v: ValueNode, role: Role | undefined): ValueNode {
    switch (v.kind) {
      case "Name":
        return this.name(v, role);
      case "Call":
        if (v.qualifier !== undefined) this.checkPrefix(v.callee, v.qualifier, role === undefined ? undefined : [role]);
        return { kind: "Call", callee: v.callee, args: this.args(v.args), hasParens: v.hasParens, span: v.span };
      case "Tuple":
      case "List":
        return { ...v, items: v.items.map((item) => this.value(item, role)) };
      case "LayerCall": {
        // a layer call nested in a value (`Add()([Dense(4)(x), y])`): lowered as a statement's is
        const layer = this.layerConstructor(v.layer) ?? v.layer;
        return { ...v, layer, applied: v.applied.map((a) => ({ ...a, args: this.args(a.args) })) };
      }
      case "Dict":
        return { ...v, entries: v.entries.map((e) => ({ ...e, value: this.value(e.value, role) })) };
      default:
        return v;
    }
  }

  private name(v: NameRef, role: Role | undefined): ValueNode {
    if (v.qualifier !== undefined) {
      this.checkPrefix({ kind: "Ident", name: v.name, span: v.span }, v.qualifier, role === undefined ? undefined : [role]);
      return { kind: "Name", name: v.name, span: span(v.span.end - v.name.length, v.span.end) };
    }
    const bound = this.constants.get(v.name);
    if (bound === undefined) return v;
    // Scalars take the use's span, so a wrong value is reported where it is used.
    return bound.kind === "Tuple" || bound.kind === "List" || bound.kind === "Call" ? bound : { ...bound, span: v.span };
  }

  /** Reports a prefix Keras does not have, or one whose module does not hold what this place takes. */
  private checkPrefix(callee: Ident, qualifier: readonly Ident[] | undefined, roles: readonly Role[] | undefined): boolean {
    if (qualifier === undefined) return true;
    const module = qualifier.map((i) => i.name).join(".");
    const at = span(qualifier[0]!.span.start, callee.span.end);
    const role = moduleRoles[module];
    const expected = roles ?? [];
    const accepted = Object.keys(moduleRoles).filter((m) => expected.includes(moduleRoles[m]!));
    if (role === undefined) {
      this.report("module_unknown", at, {
        module,
        accepted: expected.length === 0 ? "`keras.`, `layers.`, `keras.optimizers.` and the like" : accepted.map((m) => `\`${m}.\``).join(", "),
      });
      return false;
    }
    if (roles === undefined || roles.includes(role)) return true;
    this.report("module_mismatch", at, {
      written: `${module}.${callee.name}`,
      problem: `\`${module}\` holds ${roleNoun[role][1]}, but ${roleNoun[roles[0]!][0]} goes here (${accepted.map((m) => `\`${m}.\``).join(", ")})`,
    });
    return false;
  }
}

function qualifierSpan(call: CallNode) {
  return span(call.qualifier![0]!.span.start, call.callee.span.end);
}
