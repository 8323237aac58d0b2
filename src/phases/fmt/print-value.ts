/**
 * Canonical one-line text of calls, arguments and values, for fmt.
 * Numbers, booleans and None keep their raw spelling; strings are re-quoted
 * (single quotes, or double quotes when that avoids escaping a `'`); tuples
 * print as `()`, `(x,)`, `(x, y)`; no trailing commas anywhere.
 */
import type { ArgNode, CallNode, Ident, StatementNode, ValueNode } from "../1-parse/ast.js";

export function quoteString(value: string): string {
  const escaped = value.replace(/\\/g, "\\\\");
  if (value.includes("'") && !value.includes('"')) return `"${escaped}"`;
  return `'${escaped.replace(/'/g, "\\'")}'`;
}

/** Beyond this width a pasted `Sequential([…])` prints one layer per line. */
const MAX_WIDTH = 100;

/**
 * A statement as written: pasted forms (`model = keras.Sequential([…])`) keep
 * their shape. Lines are joined with "\n" + `indent`, so a long list of layer
 * calls prints one per line, each with a trailing comma, as Keras code does.
 */
export function printStatement(s: StatementNode, indent = ""): string {
  const target = s.kind === "Assign" ? `${(s.targets ?? [s.target]).map((t) => t.name).join(", ")} = ` : "";
  const call = s.kind === "Assign" ? s.value : s;
  const applied = s.kind === "Assign" ? (s.applied ?? []).map((a) => `(${printArgs(a.args)})`).join("") : "";
  const line = target + printValue(call) + applied;
  if (applied !== "") return line;
  const list = call.kind === "Call" ? call.args[0] : undefined;
  if (indent.length + line.length <= MAX_WIDTH || list?.name !== undefined || list?.value.kind !== "List" || call.kind !== "Call") return line;
  const inner = `${indent}  `;
  const items = list.value.items.map((v) => `${inner}${printValue(v)},`);
  const rest = call.args.length > 1 ? `, ${printArgs(call.args.slice(1))}` : "";
  return [`${target}${dotted(call.qualifier, call.callee.name)}([`, ...items, `${indent}]${rest})`].join("\n");
}

function dotted(qualifier: readonly Ident[] | undefined, name: string): string {
  return qualifier === undefined ? name : `${qualifier.map((q) => q.name).join(".")}.${name}`;
}

export function printCall(call: CallNode): string {
  const callee = dotted(call.qualifier, call.callee.name);
  if (!call.hasParens) return callee;
  return `${callee}(${printArgs(call.args)})`;
}

export function printArgs(args: readonly ArgNode[]): string {
  return args.map(printArg).join(", ");
}

function printArg(arg: ArgNode): string {
  const value = printValue(arg.value);
  return arg.name === undefined ? value : `${arg.name.name}=${value}`;
}

export function printValue(v: ValueNode): string {
  switch (v.kind) {
    case "Number":
    case "Bool":
    case "None":
      return v.raw;
    case "String":
      return quoteString(v.value);
    case "Name":
      return dotted(v.qualifier, v.name);
    case "Tuple":
      return v.items.length === 1 ? `(${printValue(v.items[0]!)},)` : `(${v.items.map(printValue).join(", ")})`;
    case "List":
      return `[${v.items.map(printValue).join(", ")}]`;
    case "Call":
      return printCall(v);
    case "LayerCall":
      return printCall(v.layer) + v.applied.map((a) => `(${printArgs(a.args)})`).join("");
    case "Dict":
      return `{${v.entries.map((e) => `${printValue(e.key)}: ${printValue(e.value)}`).join(", ")}}`;
  }
}
