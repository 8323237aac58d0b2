/**
 * The spec in the URL, as the TypeScript playground does it:
 * `#code=` + lz-string's compressToEncodedURIComponent of the text.
 */
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from "lz-string";

export function specFromHash(hash: string): string | undefined {
  const m = /(?:^#|&)code=([^&]*)/.exec(hash);
  if (!m) return undefined;
  const text = decompressFromEncodedURIComponent(m[1]!);
  return text || undefined;
}

export function hashOf(text: string): string {
  return `#code=${compressToEncodedURIComponent(text)}`;
}
