/**
 * `node:fs` for the browser build of the compiler: the emitter reads exactly
 * one file, its template (templates/model.ts), which is bundled as text.
 * Nothing else in the browser path touches the file system.
 */
import template from "../../templates/model.ts?raw";

const isTemplate = (p: string): boolean => p.replace(/\\/g, "/").endsWith("templates/model.ts");

export function existsSync(p: string): boolean {
  return isTemplate(p);
}

export function readFileSync(p: string): string {
  if (isTemplate(p)) return template;
  throw new Error(`no file system in the browser (reading ${p})`);
}

export default { existsSync, readFileSync };
