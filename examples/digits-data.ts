/**
 * The synthetic digit data set of the examples: 5×7 bitmap glyphs of 0–9,
 * shifted up to 2 pixels from the centre of a 12×12 image, with random
 * stroke intensity and salt-and-pepper noise. Seeded by the caller's Rng.
 */
import type { Rng } from "layerc/runtime";

export const SIZE = 12;
const GLYPHS = [
  ["01110", "10001", "10011", "10101", "11001", "10001", "01110"], // 0
  ["00100", "01100", "00100", "00100", "00100", "00100", "01110"], // 1
  ["01110", "10001", "00001", "00010", "00100", "01000", "11111"], // 2
  ["11111", "00010", "00100", "00010", "00001", "10001", "01110"], // 3
  ["00010", "00110", "01010", "10010", "11111", "00010", "00010"], // 4
  ["11111", "10000", "11110", "00001", "00001", "10001", "01110"], // 5
  ["00110", "01000", "10000", "11110", "10001", "10001", "01110"], // 6
  ["11111", "00001", "00010", "00100", "01000", "01000", "01000"], // 7
  ["01110", "10001", "10001", "01110", "10001", "10001", "01110"], // 8
  ["01110", "10001", "10001", "01111", "00001", "00010", "01100"], // 9
];

/** `n` images (flat, row-major 12×12×1) and their digits. */
export function dataset(n: number, rng: Rng): { x: Float32Array; y: number[] } {
  const x = new Float32Array(n * SIZE * SIZE);
  const y: number[] = [];
  for (let s = 0; s < n; s++) {
    const digit = Math.floor(rng.uniform() * 10);
    // centred (at 3, 2), shifted by up to 2 pixels each way
    const dx = 1 + Math.floor(rng.uniform() * 5);
    const dy = Math.floor(rng.uniform() * 5);
    const ink = 0.6 + 0.4 * rng.uniform();
    const image = x.subarray(s * SIZE * SIZE, (s + 1) * SIZE * SIZE);
    GLYPHS[digit]!.forEach((line, r) => [...line].forEach((bit, c) => bit === "1" && (image[(dy + r) * SIZE + dx + c] = ink)));
    for (let p = 0; p < image.length; p++) if (rng.uniform() < 0.03) image[p] = 1 - image[p]!;
    y.push(digit);
  }
  return { x, y };
}

export function show(image: Float32Array): string {
  const rows: string[] = [];
  for (let r = 0; r < SIZE; r++) rows.push(Array.from(image.subarray(r * SIZE, (r + 1) * SIZE), (v) => (v > 0.5 ? "█" : v > 0.2 ? "▒" : "·")).join(""));
  return rows.join("\n");
}

