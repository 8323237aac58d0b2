/**
 * The `.weights.bin` format: a model's weights in one small file that the
 * runtime reads with no dependency. Layout (all integers little-endian):
 *
 *   bytes 0..7    magic "LAYERCW\x01" (format version 1 in the last byte)
 *   bytes 8..11   u32 header length H (bytes of UTF-8 JSON)
 *   bytes 12..15  u32 CRC-32 (IEEE) of every byte after this field
 *   bytes 16..    header JSON, then zero padding to a multiple of 8
 *   then          the tensors' data, back to back, in header order
 *
 * The header is `{ "dtype": "float32" | "float16" | "int8", "model"?: name,
 * "tensors": [{ "name", "shape", "scale"? }] }`. float32 stores each value
 * as an IEEE single; float16 as an IEEE half; int8 as round(x / scale)
 * clamped to [-127, 127], with the per-tensor `scale` = max|x| / 127 in the
 * header (symmetric quantization). Readers always return float32.
 *
 * Every size is validated against the bytes actually present before
 * anything is allocated, so a header claiming gigabytes is an error, not
 * an allocation. Part of the shipped runtime: imports nothing from the compiler.
 */
import { LayercError } from "./errors.js";

export type WeightsDtype = "float32" | "float16" | "int8";

/** One named tensor as stored in (and read from) a weights file. */
export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** What readWeights returns: an array of tensors (pass it as `weights`), with the file's metadata. */
export type WeightsFile = {
  name: string;
  shape: number[];
  data: Float32Array;
}[] & {
  readonly dtype: WeightsDtype;
  readonly model?: string;
};

const MAGIC = [0x4c, 0x41, 0x59, 0x45, 0x52, 0x43, 0x57, 0x01]; // "LAYERCW" + version 1
const FIXED = 16;
const BYTES: Record<WeightsDtype, number> = { float32: 4, float16: 2, int8: 1 };
/** Header JSON beyond this is not a weights file (a real header is a few bytes per tensor). */
const MAX_HEADER = 16 * 1024 * 1024;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, the zip/PNG one) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++)
    c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** UTF-8 bytes of `s` (written here: TextEncoder is not in every runtime's type definitions). */
function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000)
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else
      out.push(
        0xf0 | (c >> 18),
        0x80 | ((c >> 12) & 63),
        0x80 | ((c >> 6) & 63),
        0x80 | (c & 63),
      );
  }
  return Uint8Array.from(out);
}

/** The string UTF-8 `bytes` encode, or null when they are not valid UTF-8. */
function utf8Decode(bytes: Uint8Array): string | null {
  let s = "";
  for (let i = 0; i < bytes.length;) {
    const c = bytes[i]!;
    const n =
      c < 0x80
        ? 0
        : c >= 0xc2 && c < 0xe0
          ? 1
          : c >= 0xe0 && c < 0xf0
            ? 2
            : c >= 0xf0 && c < 0xf5
              ? 3
              : -1;
    if (n < 0) return null;
    let cp = n === 0 ? c : c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = bytes[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return null;
      cp = (cp << 6) | (d & 63);
    }
    if (cp > 0x10ffff) return null;
    s += String.fromCodePoint(cp);
    i += n + 1;
  }
  return s;
}

/** IEEE half bits of `x` (round to nearest even, overflow to ±Infinity). */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const b = new Uint32Array(f.buffer)[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  e = h >>> 10;
  return sign | h;
}

function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** How the format stores one value of a dtype, and (int8) the per-tensor scale it writes into the header. */
interface WeightsCodec {
  /** The per-tensor scale to store (int8); throws when the tensor cannot be stored. */
  scale?(data: ArrayLike<number>, name: string): number;
  write(view: DataView, at: number, x: number, scale: number | undefined): void;
  read(view: DataView, at: number, scale: number | undefined): number;
}

const CODECS: Readonly<Record<WeightsDtype, WeightsCodec>> = {
  float32: {
    write: (view, at, x) => view.setFloat32(at, x, true),
    read: (view, at) => view.getFloat32(at, true),
  },
  float16: {
    write: (view, at, x) => view.setUint16(at, toHalf(x), true),
    read: (view, at) => fromHalf(view.getUint16(at, true)),
  },
  int8: {
    scale(data, name) {
      let m = 0;
      for (let j = 0; j < data.length; j++) m = Math.max(m, Math.abs(data[j]!));
      if (!Number.isFinite(m))
        throw new LayercError(
          `weight ${name} holds a non-finite value; int8 cannot store it`,
        );
      return m === 0 ? 1 : Math.fround(m / 127);
    },
    write: (view, at, x, scale) =>
      view.setInt8(at, Math.max(-127, Math.min(127, Math.round(x / scale!)))),
    read: (view, at, scale) => view.getInt8(at) * scale!,
  },
};

function checkShape(shape: unknown, what: string): number[] {
  if (
    !Array.isArray(shape) ||
    shape.some((d) => !Number.isInteger(d) || d < 0)
  ) {
    throw new LayercError(
      `${what} has an invalid shape ${JSON.stringify(shape)}`,
    );
  }
  return shape as number[];
}

/**
 * Encodes `weights` (getWeights() output, or any named tensors) as a
 * `.weights.bin` file. `dtype` float16 and int8 store them quantized.
 */
export function writeWeights(
  weights: readonly NamedWeight[],
  options: { dtype?: WeightsDtype; model?: string } = {},
): Uint8Array {
  const dtype = options.dtype ?? "float32";
  if (!Object.hasOwn(BYTES, dtype))
    throw new LayercError(
      `weights dtype must be float32, float16 or int8, got ${String(dtype)}`,
    );
  const codec = CODECS[dtype];
  if (!Array.isArray(weights))
    throw new LayercError(
      "writeWeights expects an array of { name, shape, data }",
    );
  const tensors = weights.map((w, i) => {
    if (w === null || typeof w !== "object" || typeof w.name !== "string")
      throw new LayercError(`weight ${i} must be { name, shape, data }`);
    const shape = checkShape(w.shape, `weight ${w.name}`);
    if (!w.data || w.data.length !== prod(shape)) {
      throw new LayercError(
        `weight ${w.name} has ${w.data?.length} values, expected ${prod(shape)} for shape [${shape.join(", ")}]`,
      );
    }
    const scale = codec.scale?.(w.data, w.name);
    return {
      name: w.name,
      shape: [...shape],
      ...(scale !== undefined ? { scale } : {}),
      data: w.data,
    };
  });
  const header = utf8Encode(
    JSON.stringify({
      dtype,
      ...(options.model !== undefined ? { model: options.model } : {}),
      tensors: tensors.map(({ data, ...t }) => t),
    }),
  );
  const dataStart = Math.ceil((FIXED + header.length) / 8) * 8;
  const total =
    dataStart + tensors.reduce((s, t) => s + t.data.length * BYTES[dtype], 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, header.length, true);
  out.set(header, FIXED);
  let at = dataStart;
  for (const t of tensors) {
    for (let j = 0; j < t.data.length; j++) {
      codec.write(view, at, t.data[j]!, t.scale);
      at += BYTES[dtype];
    }
  }
  view.setUint32(12, crc32(out.subarray(FIXED)), true);
  return out;
}

function fail(reason: string): never {
  throw new LayercError(`not a valid .weights.bin file: ${reason}`);
}

interface HeaderTensor {
  name: string;
  shape: number[];
  scale?: number;
}

function parseHeader(
  bytes: Uint8Array,
  length: number,
): { dtype: WeightsDtype; model?: string; tensors: HeaderTensor[] } {
  const text = utf8Decode(bytes.subarray(FIXED, FIXED + length));
  if (text === null) fail("the header is not UTF-8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    fail("the header is not JSON");
  }
  const h = json as { dtype?: unknown; model?: unknown; tensors?: unknown };
  if (h === null || typeof h !== "object") fail("the header is not an object");
  if (typeof h.dtype !== "string" || !Object.hasOwn(BYTES, h.dtype))
    fail(`unknown dtype ${JSON.stringify(h.dtype)}`);
  if (!Array.isArray(h.tensors)) fail("the header has no tensor list");
  const tensors = h.tensors.map((t: unknown, i: number): HeaderTensor => {
    const r = t as { name?: unknown; shape?: unknown; scale?: unknown };
    if (r === null || typeof r !== "object" || typeof r.name !== "string")
      fail(`tensor ${i} has no name`);
    const shape = checkShape(r.shape, `tensor ${r.name}`);
    if (
      h.dtype === "int8" &&
      !(typeof r.scale === "number" && r.scale > 0 && Number.isFinite(r.scale))
    )
      fail(`tensor ${r.name} has no int8 scale`);
    return {
      name: r.name,
      shape,
      ...(typeof r.scale === "number" ? { scale: r.scale } : {}),
    };
  });
  return {
    dtype: h.dtype as WeightsDtype,
    ...(typeof h.model === "string" ? { model: h.model } : {}),
    tensors,
  };
}

/**
 * Decodes a `.weights.bin` file into float32 tensors. Throws a LayercError
 * (and allocates nothing large) on a truncated, corrupt or oversized file.
 */
export function readWeights(input: Uint8Array | ArrayBuffer): WeightsFile {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < FIXED || MAGIC.some((b, i) => bytes[i] !== b)) {
    if (bytes.length >= 7 && MAGIC.slice(0, 7).every((b, i) => bytes[i] === b))
      fail(
        `format version ${bytes[7]} is not supported (this runtime reads version 1)`,
      );
    fail("it does not start with the LAYERCW magic bytes");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (headerLength > MAX_HEADER || FIXED + headerLength > bytes.length)
    fail(
      `the header claims ${headerLength} bytes but the file has ${bytes.length}`,
    );
  const stored = view.getUint32(12, true);
  const actual = crc32(bytes.subarray(FIXED));
  if (stored !== actual)
    fail(
      `checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the file is damaged or truncated`,
    );
  const header = parseHeader(bytes, headerLength);
  const codec = CODECS[header.dtype];
  const width = BYTES[header.dtype];
  let at = Math.ceil((FIXED + headerLength) / 8) * 8;
  let need = at;
  for (const t of header.tensors) need += prod(t.shape) * width;
  if (need !== bytes.length)
    fail(`the header describes ${need} bytes but the file has ${bytes.length}`);
  const tensors = header.tensors.map((t) => {
    const data = new Float32Array(prod(t.shape));
    for (let j = 0; j < data.length; j++, at += width)
      data[j] = codec.read(view, at, t.scale);
    return { name: t.name, shape: [...t.shape], data };
  });
  return Object.assign(tensors, {
    dtype: header.dtype,
    ...(header.model !== undefined ? { model: header.model } : {}),
  });
}
