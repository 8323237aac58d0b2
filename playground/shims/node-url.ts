/** `node:url` for the browser build: the emitter only turns its own module URL into a path. */
export function fileURLToPath(url: string | URL): string {
  return new URL(String(url)).pathname;
}

export function pathToFileURL(p: string): URL {
  return new URL(`file://${p}`);
}

export default { fileURLToPath, pathToFileURL };
