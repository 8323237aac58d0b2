/**
 * Messages between the page and its two workers. The compiler worker runs
 * the real compiler (check, hover, compile); the training worker runs the
 * interpreter's fit loop. Both only ever receive source text and plain data.
 */
import type { ModelIR } from "../../src/ir/model-ir.js";

export interface PlainDiagnostic {
  readonly from: number;
  readonly to: number;
  readonly severity: "error" | "warning";
  readonly code: string;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly related: readonly { readonly message: string; readonly from: number; readonly to: number }[];
  readonly suggestion?: string;
}

/** One node of the model picture. */
export interface GraphNode {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly shape: readonly number[];
  readonly params: number;
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

export interface ModelView {
  readonly name: string;
  /** The checked IR itself (plain JSON): the training worker interprets it without compiling again. */
  readonly ir: ModelIR;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly paramCount: number;
  readonly trainable: boolean;
  readonly loss?: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly (readonly [string, string])[];
}

export type CompilerRequest =
  | { readonly id: number; readonly type: "analyze"; readonly text: string }
  | { readonly id: number; readonly type: "hover"; readonly text: string; readonly offset: number }
  | { readonly id: number; readonly type: "compile"; readonly text: string };

export type CompilerResponse =
  | { readonly id: number; readonly type: "analyze"; readonly diagnostics: PlainDiagnostic[]; readonly models: ModelView[] }
  | { readonly id: number; readonly type: "hover"; readonly markdown: string | null; readonly from?: number; readonly to?: number }
  | { readonly id: number; readonly type: "compile"; readonly code: string | null; readonly error?: string };

export interface TrainRequest {
  readonly type: "train";
  readonly model: ModelIR;
  readonly dataset: string;
  /** The model's canonical loss name, which decides the label encoding. */
  readonly loss: string;
  readonly epochs: number;
  readonly seed: number;
}

export type TrainResponse =
  | { readonly type: "epoch"; readonly epoch: number; readonly loss: number; readonly accuracy: number | null; readonly weights: { readonly shape: number[]; readonly data: Float32Array }[] }
  | { readonly type: "done"; readonly epochs: number }
  | { readonly type: "error"; readonly message: string };
