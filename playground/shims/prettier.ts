/**
 * `prettier` for the browser build: the standalone formatter with the two
 * plugins the emitter's `babel-ts` parser needs, so generated code is
 * formatted exactly as `layerc build` formats it.
 */
import * as standalone from "prettier/standalone";
import * as babel from "prettier/plugins/babel";
import * as estree from "prettier/plugins/estree";

export function format(text: string, options: Record<string, unknown>): Promise<string> {
  return standalone.format(text, { ...options, plugins: [babel, estree] });
}
