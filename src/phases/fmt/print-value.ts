/**
 * Canonical one-line text of calls, arguments and values, for fmt.
 * Numbers, booleans and None keep their raw spelling; strings are re-quoted
 * (single quotes, or double quotes when that avoids escaping a `'`); tuples
 * print as `()`, `(x,)`, `(x, y)`; no trailing commas anywhere.
 */
import type { ArgNode, CallNode, ValueNode } from "../1-parse/ast.js";

export function quoteString(value: string): string {
  const escaped = value.replace(/\\/g, "\\\\");
  if (value.includes("'") && !value.includes('"')) return `"${escaped}"`;
  return `'${escaped.replace(/'/g, "\\'")}'`;
}

export function printCall(call: CallNode): string {
  const target = call.target ? `${call.target.name} = ` : "";
  const applied = (call.applied ?? []).map((a) => `(${printArgs(a.args)})`).join("");
  if (!call.hasParens) return `${target}${call.callee.name}${applied}`;
  return `${target}${call.callee.name}(${printArgs(call.args)})${applied}`;
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
      return v.name;
    case "Tuple":
      return v.items.length === 1 ? `(${printValue(v.items[0]!)},)` : `(${v.items.map(printValue).join(", ")})`;
    case "List":
      return `[${v.items.map(printValue).join(", ")}]`;
    case "Call":
      return printCall(v);
  }
}
