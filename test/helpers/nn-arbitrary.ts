/**
 * A structure-aware fast-check arbitrary of valid `.nn` files and an
 * independent printer for them. The arbitrary yields the expected AST
 * (without spans, and without String `raw`); the printer writes it with a
 * random but valid layout: spacing, newlines (LF and CRLF), blank lines,
 * comments between any two tokens, trailing commas, either quote style,
 * redundant parentheses `(x)`, and `()` after option-less models. So
 * `parse(print(file))` must give back `file` — an oracle that does not
 * share code with the parser.
 */
import fc from "fast-check";

const keywords = new Set(["model", "True", "False", "true", "false", "None", "null"]);

export const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/).filter((n) => !keywords.has(n));

const numberRawArb = fc.oneof(
  fc.nat(1000).map(String),
  fc.integer({ min: -1000, max: -1 }).map(String),
  fc.tuple(fc.nat(99), fc.nat(999)).map(([a, b]) => `${a}.${b}`),
  fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: -12, max: 12 })).map(([a, e]) => `${a}e${e}`),
  fc.constantFrom(".5", "1.", "-2.5", "1E+3", "-0", "0.05", "1e-3"),
);

const stringChars = ["a", "b", "Z", " ", "'", '"', "\\", "#", "//", "é", "😀", ")", ","];

/** Plain (span-less) AST shapes, as produced by test/helpers/ast-tools.ts stripSpans. */
export type GenValue =
  | { kind: "Number"; value: number; raw: string; isInteger: boolean }
  | { kind: "String"; value: string }
  | { kind: "Bool"; value: boolean; raw: string }
  | { kind: "None"; raw: string }
  | { kind: "Name"; name: string }
  | { kind: "Tuple"; items: GenValue[] }
  | { kind: "List"; items: GenValue[] }
  | { kind: "Dict"; entries: { key: GenValue; value: GenValue }[] }
  | { kind: "LayerCall"; layer: GenCall; applied: { kind: "Apply"; args: GenArg[] }[] }
  | GenCall;
export interface GenIdent {
  kind: "Ident";
  name: string;
}
export interface GenArg {
  kind: "Arg";
  name?: GenIdent;
  value: GenValue;
}
export interface GenCall {
  kind: "Call";
  callee: GenIdent;
  args: GenArg[];
  hasParens: boolean;
}
export interface GenModel {
  kind: "Model";
  name: GenIdent;
  options: GenArg[];
  statements: GenCall[];
}
export interface GenFile {
  kind: "File";
  models: GenModel[];
}

const ident = (name: string): GenIdent => ({ kind: "Ident", name });

const leafArb: fc.Arbitrary<GenValue> = fc.oneof(
  numberRawArb.map((raw) => ({ kind: "Number", value: Number(raw), raw, isInteger: !/[.eE]/.test(raw) }) as const),
  fc.array(fc.constantFrom(...stringChars), { maxLength: 5 }).map((cs) => ({ kind: "String", value: cs.join("") }) as const),
  fc.constantFrom("True", "False", "true", "false").map((raw) => ({ kind: "Bool", value: raw.toLowerCase() === "true", raw }) as const),
  fc.constantFrom("None", "null").map((raw) => ({ kind: "None", raw }) as const),
  nameArb.map((name) => ({ kind: "Name", name }) as const),
);

const tree = fc.letrec<{ value: GenValue; arg: GenArg; call: GenCall }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3, depthIdentifier: "value" },
    leafArb,
    fc.array(tie("value"), { maxLength: 3 }).map((items): GenValue => ({ kind: "Tuple", items })),
    fc.array(tie("value"), { maxLength: 3 }).map((items): GenValue => ({ kind: "List", items })),
    fc.array(fc.record({ key: tie("value"), value: tie("value") }), { maxLength: 3 }).map((entries): GenValue => ({ kind: "Dict", entries })),
    fc
      .tuple(tie("call"), fc.array(fc.array(tie("arg"), { maxLength: 2 }), { minLength: 1, maxLength: 2 }))
      .map(([layer, applied]): GenValue => ({ kind: "LayerCall", layer, applied: applied.map((args) => ({ kind: "Apply", args })) })),
    tie("call"),
  ),
  arg: fc
    .tuple(fc.option(nameArb, { nil: undefined }), tie("value"))
    .map(([name, value]): GenArg => (name === undefined ? { kind: "Arg", value } : { kind: "Arg", name: ident(name), value })),
  call: fc
    .tuple(nameArb, fc.array(tie("arg"), { maxLength: 3 }))
    .map(([callee, args]): GenCall => ({ kind: "Call", callee: ident(callee), args, hasParens: true })),
}));

const statementArb: fc.Arbitrary<GenCall> = fc.oneof(
  tree.call,
  nameArb.map((callee): GenCall => ({ kind: "Call", callee: ident(callee), args: [], hasParens: false })),
);

const modelArb: fc.Arbitrary<GenModel> = fc
  .tuple(nameArb, fc.array(tree.arg, { maxLength: 2 }), fc.array(statementArb, { maxLength: 5 }))
  .map(([name, options, statements]) => ({ kind: "Model", name: ident(name), options, statements }));

export const fileArb: fc.Arbitrary<GenFile> = fc.array(modelArb, { maxLength: 3 }).map((models) => ({ kind: "File", models }));

/** A file, a layout seed for printFile, and whether the layout may add comments. */
export const printedFileArb = fc.record({ file: fileArb, seed: fc.integer(), comments: fc.boolean() });

// ---- printer ----------------------------------------------------------------

/** mulberry32: a tiny deterministic PRNG so the layout follows from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Printed {
  readonly text: string;
  /** Texts of the comments the layout inserted, in order. */
  readonly comments: string[];
}

export function printFile(file: GenFile, seed: number, withComments = true): Printed {
  return new Printer(prng(seed), withComments).file(file);
}

class Printer {
  private out = "";
  private readonly comments: string[] = [];

  constructor(
    private readonly rnd: () => number,
    private readonly withComments: boolean,
  ) {}

  file(f: GenFile): Printed {
    for (const m of f.models) this.model(m);
    this.gap(true);
    return { text: this.out, comments: this.comments };
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  /** Whitespace and maybe a comment; `required` when two word tokens would otherwise touch. */
  private gap(required: boolean): void {
    const r = this.rnd();
    if (this.withComments && r < 0.08) {
      const text = `${this.chance(0.5) ? "#" : "//"}${this.chance(0.5) ? " " : ""}note${this.comments.length}${this.chance(0.3) ? " x) '" : ""}`;
      this.comments.push(text);
      this.out += `${this.chance(0.5) ? " " : ""}${text}${this.chance(0.2) ? "\r\n" : "\n"}${this.chance(0.3) ? "\n" : ""}`;
    } else if (r < 0.4) {
      this.out += required ? " " : "";
    } else if (r < 0.7) {
      this.out += " ";
    } else if (r < 0.85) {
      this.out += "\n  ";
    } else if (r < 0.92) {
      this.out += "\r\n";
    } else {
      this.out += "\n\n\n\t";
    }
  }

  private tok(t: string): void {
    const last = this.out.at(-1) ?? " ";
    this.gap(/[A-Za-z0-9_.]/.test(last) && /^[A-Za-z0-9_.\-'"]/.test(t));
    this.out += t;
  }

  private model(m: GenModel): void {
    this.tok("model");
    this.tok(m.name.name);
    if (m.options.length > 0 || this.chance(0.3)) this.args(m.options);
    this.tok("{");
    for (const s of m.statements) {
      this.call(s);
      if (this.chance(0.3)) this.tok(",");
    }
    this.tok("}");
  }

  private call(c: GenCall): void {
    this.tok(c.callee.name);
    if (c.hasParens) this.args(c.args);
  }

  private args(args: readonly GenArg[]): void {
    this.tok("(");
    args.forEach((a, i) => {
      if (i > 0) this.tok(",");
      if (a.name !== undefined) {
        this.tok(a.name.name);
        this.tok("=");
      }
      this.value(a.value);
    });
    if (args.length > 0 && this.chance(0.3)) this.tok(",");
    this.tok(")");
  }

  private value(v: GenValue): void {
    if (this.chance(0.1)) {
      this.tok("(");
      this.value(v);
      this.tok(")");
      return;
    }
    switch (v.kind) {
      case "Number":
      case "Bool":
      case "None":
        return this.tok(v.raw);
      case "String":
        return this.tok(this.quote(v.value));
      case "Name":
        return this.tok(v.name);
      case "Call":
        return this.call(v);
      case "Tuple":
        return this.seq("(", ")", v.items, v.items.length === 1);
      case "List":
        return this.seq("[", "]", v.items, false);
      case "Dict":
        this.tok("{");
        v.entries.forEach((e, i) => {
          if (i > 0) this.tok(",");
          this.value(e.key);
          this.tok(":");
          this.value(e.value);
        });
        if (v.entries.length > 0 && this.chance(0.3)) this.tok(",");
        return this.tok("}");
      case "LayerCall":
        this.call(v.layer);
        for (const a of v.applied) this.args(a.args);
        return;
    }
  }

  private seq(open: string, close: string, items: readonly GenValue[], forceComma: boolean): void {
    this.tok(open);
    items.forEach((item, i) => {
      if (i > 0) this.tok(",");
      this.value(item);
    });
    if (forceComma || (items.length > 0 && this.chance(0.3))) this.tok(",");
    this.tok(close);
  }

  private quote(value: string): string {
    const q = this.chance(0.5) ? "'" : '"';
    const body = [...value]
      .map((ch) => (ch === "\\" || ch === q || (ch !== q && (ch === "'" || ch === '"') && this.chance(0.3)) ? `\\${ch}` : ch))
      .join("");
    return `${q}${body}${q}`;
  }
}
