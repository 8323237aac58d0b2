/**
 * A small HDF5 reader for the files Keras writes through h5py: groups,
 * numeric datasets and string attributes. Written here rather than taken
 * from a library so that every malformed byte is a clear `Hdf5Error` (never
 * a crash or a huge allocation) and the compiler keeps its few dependencies.
 *
 * Supported: superblock v0–v3; object headers v1 and v2 with continuation
 * blocks; old-style groups (symbol table: v1 B-tree of SNOD nodes + local
 * heap) and compact new-style groups (link messages); datasets with
 * compact, contiguous, or chunked (layout v3, v1 B-tree index) storage,
 * optionally deflate- and shuffle-filtered; fixed-point and IEEE
 * floating-point element types of either byte order; attributes holding
 * fixed-length or variable-length strings (global heap) and numbers.
 * Not supported (an Hdf5Error names it): dense link or attribute storage
 * (fractal heaps), layout v4 chunk indexes, other filters, external files.
 *
 * Spec: "HDF5 File Format Specification Version 3.0" (The HDF Group).
 */
import { inflateSync } from "node:zlib";

export class Hdf5Error extends Error {
  override name = "Hdf5Error";
}

function fail(message: string): never {
  throw new Hdf5Error(`corrupt or unsupported HDF5 file: ${message}`);
}

/** Nothing a Keras file holds needs more; a bigger claim is a corrupt or hostile header. */
const MAX_ELEMENTS = 1 << 28;
const UNDEF = -1;

export type Hdf5Value = number | string | (number | string)[];

export interface Hdf5Dataset {
  readonly kind: "dataset";
  readonly name: string;
  readonly shape: number[];
  /** The elements, row-major, converted to float64 numbers. */
  read(): Float64Array;
  readonly attrs: Readonly<Record<string, Hdf5Value>>;
}

export interface Hdf5Group {
  readonly kind: "group";
  readonly name: string;
  /** Member names in the file's order (alphabetical for h5py's old-style groups). */
  keys(): string[];
  get(name: string): Hdf5Group | Hdf5Dataset | undefined;
  readonly attrs: Readonly<Record<string, Hdf5Value>>;
}

interface Type {
  readonly cls: number;
  readonly size: number;
  readonly littleEndian: boolean;
  readonly signed: boolean;
  /** Variable-length string (class 9, type 1). */
  readonly vlenString: boolean;
}

interface Message {
  readonly type: number;
  readonly at: number;
  readonly size: number;
}

class Bytes {
  readonly view: DataView;
  constructor(
    readonly data: Uint8Array,
    readonly offsetSize: number,
    readonly lengthSize: number,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  check(at: number, n: number, what: string): void {
    if (!(at >= 0 && n >= 0 && at + n <= this.data.length))
      fail(
        `${what} at byte ${at} (+${n}) lies outside the ${this.data.length}-byte file`,
      );
  }
  u8(at: number): number {
    this.check(at, 1, "a field");
    return this.data[at]!;
  }
  u16(at: number): number {
    this.check(at, 2, "a field");
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    this.check(at, 4, "a field");
    return this.view.getUint32(at, true);
  }
  /** An unsigned little-endian integer of `n` bytes; all-ones (undefined address) → UNDEF. */
  uint(at: number, n: number): number {
    this.check(at, n, "a field");
    let v = 0;
    let allOnes = true;
    for (let i = n - 1; i >= 0; i--) {
      const b = this.data[at + i]!;
      if (b !== 0xff) allOnes = false;
      v = v * 256 + b;
    }
    if (allOnes) return UNDEF;
    if (!Number.isSafeInteger(v))
      fail(`a ${n}-byte value at byte ${at} is too large`);
    return v;
  }
  addr(at: number): number {
    return this.uint(at, this.offsetSize);
  }
  len(at: number): number {
    return this.uint(at, this.lengthSize);
  }
  signature(at: number, sig: string): void {
    this.check(at, 4, sig);
    for (let i = 0; i < 4; i++)
      if (this.data[at + i] !== sig.charCodeAt(i))
        fail(`expected a ${sig} block at byte ${at}`);
  }
  cstring(at: number, max: number): string {
    let end = at;
    const limit = Math.min(this.data.length, at + max);
    while (end < limit && this.data[end] !== 0) end++;
    return new TextDecoder().decode(this.data.subarray(at, end));
  }
}

/** Opens an HDF5 file held in memory; the root group. */
export function openHdf5(data: Uint8Array): Hdf5Group {
  const SIG = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  // the superblock may sit at 0, 512, 1024, 2048, ...
  let base = -1;
  for (let at = 0; at + 8 <= data.length; at = at === 0 ? 512 : at * 2) {
    if (SIG.every((b, i) => data[at + i] === b)) {
      base = at;
      break;
    }
  }
  if (base < 0) fail("no HDF5 signature (this is not an HDF5 file)");
  const probe = new Bytes(data, 8, 8);
  const version = probe.u8(base + 8);
  let file: File;
  if (version === 0 || version === 1) {
    const o = probe.u8(base + 13);
    const l = probe.u8(base + 14);
    if (![2, 4, 8].includes(o) || ![2, 4, 8].includes(l))
      fail(`offset size ${o} / length size ${l}`);
    const b = new Bytes(data, o, l);
    // v0: 24 fixed bytes; v1 adds indexed-storage K (2) + reserved (2)
    const fixed = base + 24 + (version === 1 ? 4 : 0);
    const entry = fixed + 4 * o; // base, free-space, EOF and driver addresses
    file = new File(b, base);
    return file.group("/", b.addr(entry + o));
  }
  if (version === 2 || version === 3) {
    const o = probe.u8(base + 9);
    const l = probe.u8(base + 10);
    if (![2, 4, 8].includes(o) || ![2, 4, 8].includes(l))
      fail(`offset size ${o} / length size ${l}`);
    const b = new Bytes(data, o, l);
    file = new File(b, base);
    // signature 8, version, sizes (2), flags, then base, extension, EOF, root addresses
    return file.group("/", b.addr(base + 12 + 3 * o));
  }
  fail(`superblock version ${version}`);
}

class File {
  private depth = 0;
  constructor(
    readonly b: Bytes,
    readonly base: number,
  ) {}

  /** Absolute position of a file address. */
  pos(addr: number): number {
    if (addr === UNDEF) fail("an undefined address where data is required");
    return this.base + addr;
  }

  messages(addr: number): Message[] {
    const b = this.b;
    const at = this.pos(addr);
    const out: Message[] = [];
    if (b.u8(at) === 1) {
      const count = b.u16(at + 2);
      const blocks: [number, number][] = [[at + 16, b.u32(at + 8)]];
      for (let k = 0; k < blocks.length && out.length < count; k++) {
        if (k > 1000) fail("too many object header continuation blocks");
        const [start, size] = blocks[k]!;
        b.check(start, size, "an object header");
        for (let p = start; p + 8 <= start + size && out.length < count;) {
          const type = b.u16(p);
          const msize = b.u16(p + 2);
          b.check(p + 8, msize, "an object header message");
          if (type === 0x10)
            blocks.push([this.pos(b.addr(p + 8)), b.len(p + 8 + b.offsetSize)]);
          else out.push({ type, at: p + 8, size: msize });
          p += 8 + msize;
        }
      }
      return out;
    }
    b.signature(at, "OHDR");
    if (b.u8(at + 4) !== 2) fail(`object header version ${b.u8(at + 4)}`);
    const flags = b.u8(at + 5);
    let p = at + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
    const width = 1 << (flags & 3);
    const size0 = b.uint(p, width);
    p += width;
    const blocks: [number, number][] = [[p, size0]];
    const creationOrder = (flags & 0x04) !== 0;
    for (let k = 0; k < blocks.length; k++) {
      if (k > 1000) fail("too many object header continuation blocks");
      const [start, size] = blocks[k]!;
      b.check(start, size, "an object header");
      const headerSize = 4 + (creationOrder ? 2 : 0);
      for (let q = start; q + headerSize <= start + size;) {
        const type = b.u8(q);
        const msize = b.u16(q + 1);
        const data = q + headerSize;
        b.check(data, msize, "an object header message");
        if (type === 0x10) {
          const cont = this.pos(b.addr(data));
          b.signature(cont, "OCHK");
          blocks.push([cont + 4, b.len(data + b.offsetSize) - 8]);
        } else if (type !== 0) out.push({ type, at: data, size: msize });
        q = data + msize;
      }
    }
    return out;
  }

  object(name: string, addr: number): Hdf5Group | Hdf5Dataset {
    const msgs = this.messages(addr);
    if (msgs.some((m) => m.type === 0x11 || m.type === 0x06 || m.type === 0x02))
      return this.group(name, addr, msgs);
    if (msgs.some((m) => m.type === 0x08)) return this.dataset(name, msgs);
    // an empty new-style group has only a link info message (type 2), handled above
    fail(`object ${name} is neither a group nor a dataset`);
  }

  group(name: string, addr: number, msgs = this.messages(addr)): Hdf5Group {
    const links = new Map<string, number>();
    for (const m of msgs) {
      if (m.type === 0x11)
        this.symbolTable(
          this.b.addr(m.at),
          this.b.addr(m.at + this.b.offsetSize),
          links,
        );
      else if (m.type === 0x06) this.link(m, links);
      else if (m.type === 0x02) {
        const flags = this.b.u8(m.at + 1);
        const heap = this.b.addr(m.at + 2 + (flags & 1 ? 8 : 0));
        if (heap !== UNDEF)
          fail(
            `group ${name} uses dense link storage (a fractal heap), which this reader does not support`,
          );
      }
    }
    const attrs = this.attributes(name, msgs);
    return {
      kind: "group",
      name,
      attrs,
      keys: () => [...links.keys()],
      get: (key) => {
        const a = links.get(key);
        if (a === undefined) return undefined;
        if (++this.depth > 64)
          fail("groups nested more than 64 deep (a cycle?)");
        try {
          return this.object(name === "/" ? `/${key}` : `${name}/${key}`, a);
        } finally {
          this.depth--;
        }
      },
    };
  }

  private symbolTable(
    btree: number,
    heap: number,
    links: Map<string, number>,
  ): void {
    const b = this.b;
    const h = this.pos(heap);
    b.signature(h, "HEAP");
    const heapData = this.pos(b.addr(h + 8 + 2 * b.lengthSize));
    const heapSize = b.len(h + 8);
    b.check(heapData, heapSize, "a local heap");
    const seen = new Set<number>();
    const visit = (addr: number, depth: number): void => {
      if (depth > 32 || seen.has(addr))
        fail("a group B-tree is cyclic or too deep");
      seen.add(addr);
      const at = this.pos(addr);
      if (b.data[at] === 0x53) {
        // "SNOD": a symbol table node
        b.signature(at, "SNOD");
        const count = b.u16(at + 6);
        const entry = 2 * b.offsetSize + 24;
        for (let i = 0; i < count; i++) {
          const e = at + 8 + i * entry;
          const nameOffset = b.len(e);
          if (nameOffset >= heapSize)
            fail("a link name lies outside its local heap");
          links.set(
            b.cstring(heapData + nameOffset, heapSize - nameOffset),
            b.addr(e + b.offsetSize),
          );
        }
        return;
      }
      b.signature(at, "TREE");
      if (b.u8(at + 4) !== 0) fail("a group B-tree node of the wrong type");
      const used = b.u16(at + 6);
      let p = at + 8 + 2 * b.offsetSize + b.lengthSize; // first key
      for (let i = 0; i < used; i++) {
        visit(b.addr(p), depth + 1);
        p += b.offsetSize + b.lengthSize;
      }
    };
    visit(btree, 0);
  }

  private link(m: Message, links: Map<string, number>): void {
    const b = this.b;
    const flags = b.u8(m.at + 1);
    let p = m.at + 2;
    let linkType = 0;
    if (flags & 0x08) linkType = b.u8(p++);
    if (flags & 0x04) p += 8;
    if (flags & 0x10) p++;
    const width = 1 << (flags & 3);
    const length = b.uint(p, width);
    p += width;
    b.check(p, length, "a link name");
    const name = new TextDecoder().decode(b.data.subarray(p, p + length));
    if (linkType !== 0) fail(`link ${name} is a soft or external link`);
    links.set(name, b.addr(p + length));
  }

  private dataspace(at: number): number[] {
    const b = this.b;
    const version = b.u8(at);
    const rank = b.u8(at + 1);
    if (rank > 32) fail(`a dataspace of rank ${rank}`);
    if (version === 2 && b.u8(at + 3) === 2) return []; // null dataspace
    const start = at + (version === 1 ? 8 : 4);
    const dims = Array.from({ length: rank }, (_, i) =>
      b.len(start + i * b.lengthSize),
    );
    if (dims.reduce((a, d) => a * d, 1) > MAX_ELEMENTS)
      fail(`a dataspace claims ${dims.join("×")} elements`);
    return dims;
  }

  private datatype(at: number): Type {
    const b = this.b;
    const cls = b.u8(at) & 0x0f;
    const bits = b.u8(at + 1);
    const size = b.u32(at + 4);
    if (cls === 9)
      return {
        cls,
        size,
        littleEndian: true,
        signed: false,
        vlenString: (bits & 0x0f) === 1,
      };
    // numbers are at most 16 bytes; a fixed-length string (class 3) is as long as its longest value
    // (tf.keras writes weight_names as such, `batch_normalization/moving_variance:0` is 36 bytes)
    if (cls === 3 ? size > 0xffff : size > 16) fail(`an element size of ${size} bytes`);
    return {
      cls,
      size,
      littleEndian: (bits & 1) === 0,
      signed: (bits & 0x08) !== 0,
      vlenString: false,
    };
  }

  private element(t: Type, at: number): number | string {
    const b = this.b;
    if (t.cls === 1) {
      b.check(at, t.size, "a float");
      if (t.size === 4) return b.view.getFloat32(at, t.littleEndian);
      if (t.size === 8) return b.view.getFloat64(at, t.littleEndian);
      if (t.size === 2) {
        const h = b.view.getUint16(at, t.littleEndian);
        const e = (h >>> 10) & 0x1f;
        const s = h & 0x8000 ? -1 : 1;
        const m = h & 0x3ff;
        return e === 0
          ? s * m * 2 ** -24
          : e === 31
            ? m
              ? NaN
              : s * Infinity
            : s * (1 + m / 1024) * 2 ** (e - 15);
      }
      fail(`a ${t.size}-byte float`);
    }
    if (t.cls === 0) {
      b.check(at, t.size, "an integer");
      if (t.size === 1)
        return t.signed ? b.view.getInt8(at) : b.view.getUint8(at);
      if (t.size === 2)
        return t.signed
          ? b.view.getInt16(at, t.littleEndian)
          : b.view.getUint16(at, t.littleEndian);
      if (t.size === 4)
        return t.signed
          ? b.view.getInt32(at, t.littleEndian)
          : b.view.getUint32(at, t.littleEndian);
      if (t.size === 8)
        return Number(
          t.signed
            ? b.view.getBigInt64(at, t.littleEndian)
            : b.view.getBigUint64(at, t.littleEndian),
        );
      fail(`a ${t.size}-byte integer`);
    }
    if (t.cls === 3) {
      b.check(at, t.size, "a string");
      return b.cstring(at, t.size);
    }
    if (t.cls === 9 && t.vlenString) {
      const length = b.u32(at);
      return this.globalHeapObject(
        b.addr(at + 4),
        b.u32(at + 4 + b.offsetSize),
        length,
      );
    }
    fail(`element type class ${t.cls}`);
  }

  private globalHeapObject(
    collection: number,
    index: number,
    length: number,
  ): string {
    const b = this.b;
    const at = this.pos(collection);
    b.signature(at, "GCOL");
    const size = b.len(at + 8);
    b.check(at, size, "a global heap collection");
    for (let p = at + 8 + b.lengthSize; p + 8 + b.lengthSize <= at + size;) {
      const id = b.u16(p);
      const objSize = b.len(p + 8);
      if (id === 0) break;
      if (id === index) {
        const n = Math.min(length, objSize);
        b.check(p + 8 + b.lengthSize, n, "a global heap object");
        return new TextDecoder().decode(
          b.data.subarray(p + 8 + b.lengthSize, p + 8 + b.lengthSize + n),
        );
      }
      p += 8 + b.lengthSize + Math.ceil(objSize / 8) * 8;
    }
    fail(`global heap object ${index} not found`);
  }

  private attributes(
    owner: string,
    msgs: Message[],
  ): Record<string, Hdf5Value> {
    const b = this.b;
    const out: Record<string, Hdf5Value> = {};
    for (const m of msgs) {
      if (m.type === 0x15) {
        const flags = b.u8(m.at + 1);
        const heap = b.addr(m.at + 2 + (flags & 1 ? 2 : 0));
        if (heap !== UNDEF)
          fail(
            `${owner} stores attributes densely (a fractal heap), which this reader does not support`,
          );
      }
      if (m.type !== 0x0c) continue;
      const version = b.u8(m.at);
      const nameSize = b.u16(m.at + 2);
      const typeSize = b.u16(m.at + 4);
      const spaceSize = b.u16(m.at + 6);
      const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
      let p = m.at + 8 + (version === 3 ? 1 : 0);
      const name = b.cstring(p, nameSize);
      p += pad(nameSize);
      const type = this.datatype(p);
      p += pad(typeSize);
      const dims = this.dataspace(p);
      p += pad(spaceSize);
      const count = dims.reduce((a, d) => a * d, 1);
      const width = type.cls === 9 ? 4 + b.offsetSize + 4 : type.size;
      b.check(p, count * width, `attribute ${name} of ${owner}`);
      const values = Array.from({ length: count }, (_, i) =>
        this.element(type, p + i * width),
      );
      out[name] = dims.length === 0 ? values[0]! : values;
    }
    return out;
  }

  private dataset(name: string, msgs: Message[]): Hdf5Dataset {
    const b = this.b;
    const find = (type: number, what: string) =>
      msgs.find((m) => m.type === type) ??
      fail(`dataset ${name} has no ${what} message`);
    const shape = this.dataspace(find(0x01, "dataspace").at);
    const type = this.datatype(find(0x03, "datatype").at);
    if (type.cls !== 0 && type.cls !== 1)
      fail(`dataset ${name} holds type class ${type.cls}, not numbers`);
    const filters = this.filters(
      msgs.find((m) => m.type === 0x0b),
      name,
    );
    const layout = find(0x08, "layout").at;
    const count = shape.reduce((a, d) => a * d, 1);
    const total = count * type.size;
    const decode = (raw: Uint8Array): Float64Array => {
      if (raw.length < total)
        fail(
          `dataset ${name} has ${raw.length} bytes of data, expected ${total}`,
        );
      const view = new Bytes(raw, b.offsetSize, b.lengthSize);
      const f = new File(view, 0);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++)
        out[i] = f.element(type, i * type.size) as number;
      return out;
    };
    const attrs = this.attributes(name, msgs);
    return {
      kind: "dataset",
      name,
      shape,
      attrs,
      read: () => {
        const version = b.u8(layout);
        if (version !== 3)
          fail(`dataset ${name} uses layout message version ${version}`);
        const cls = b.u8(layout + 1);
        if (cls === 0) {
          const size = b.u16(layout + 2);
          b.check(layout + 4, size, `dataset ${name}`);
          return decode(b.data.subarray(layout + 4, layout + 4 + size));
        }
        if (cls === 1) {
          const addr = b.addr(layout + 2);
          if (addr === UNDEF) return new Float64Array(count); // never written: the fill value, zeros for h5py
          const at = this.pos(addr);
          b.check(at, total, `dataset ${name}`);
          return decode(b.data.subarray(at, at + total));
        }
        if (cls === 2)
          return decode(this.chunked(name, layout, shape, type.size, filters));
        fail(`dataset ${name} has layout class ${cls}`);
      },
    };
  }

  private filters(m: Message | undefined, name: string): number[] {
    if (!m) return [];
    const b = this.b;
    const version = b.u8(m.at);
    const n = b.u8(m.at + 1);
    const ids: number[] = [];
    let p = m.at + (version === 1 ? 8 : 2);
    for (let i = 0; i < n; i++) {
      const id = b.u16(p);
      const nameLength = version === 1 || id >= 256 ? b.u16(p + 2) : 0;
      const values = b.u16(p + (version === 1 || id >= 256 ? 6 : 4));
      p +=
        (version === 1 || id >= 256 ? 8 : 6) +
        (version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength) +
        values * 4;
      if (version === 1 && values % 2) p += 4;
      if (id !== 1 && id !== 2)
        fail(
          `dataset ${name} uses filter ${id} (only deflate and shuffle are supported)`,
        );
      ids.push(id);
    }
    return ids;
  }

  private chunked(
    name: string,
    layout: number,
    shape: number[],
    elementSize: number,
    filters: number[],
  ): Uint8Array {
    const b = this.b;
    const rank = b.u8(layout + 2) - 1;
    if (rank !== shape.length)
      fail(
        `dataset ${name}: chunk rank ${rank} for a rank-${shape.length} dataset`,
      );
    const btree = b.addr(layout + 3);
    const chunk = Array.from({ length: rank }, (_, i) =>
      b.u32(layout + 3 + b.offsetSize + 4 * i),
    );
    if (chunk.some((c) => c === 0))
      fail(`dataset ${name} has a zero chunk size`);
    const out = new Uint8Array(shape.reduce((a, d) => a * d, 1) * elementSize);
    if (btree === UNDEF) return out;
    const chunkCount = chunk.reduce((a, d) => a * d, 1);
    const strides = shape.map((_, i) =>
      shape.slice(i + 1).reduce((a, d) => a * d, 1),
    );
    const seen = new Set<number>();
    const keySize = 8 + 8 * (rank + 1);
    const visit = (addr: number, depth: number) => {
      if (depth > 32 || seen.has(addr))
        fail(`dataset ${name}: a cyclic or too deep chunk B-tree`);
      seen.add(addr);
      const at = this.pos(addr);
      b.signature(at, "TREE");
      if (b.u8(at + 4) !== 1)
        fail(`dataset ${name}: a chunk B-tree node of the wrong type`);
      const level = b.u8(at + 5);
      const used = b.u16(at + 6);
      let p = at + 8 + 2 * b.offsetSize;
      for (let i = 0; i < used; i++) {
        const size = b.u32(p);
        const mask = b.u32(p + 4);
        const offsets = Array.from({ length: rank }, (_, d) =>
          b.uint(p + 8 + 8 * d, 8),
        );
        const child = b.addr(p + keySize);
        if (level > 0) visit(child, depth + 1);
        else {
          const c = this.pos(child);
          b.check(c, size, `a chunk of ${name}`);
          let raw = b.data.subarray(c, c + size);
          for (let k = filters.length - 1; k >= 0; k--) {
            if (mask & (1 << k)) continue;
            raw =
              filters[k] === 1
                ? inflate(raw, chunkCount * elementSize, name)
                : unshuffle(raw, elementSize);
          }
          if (raw.length < chunkCount * elementSize)
            fail(`a chunk of ${name} is short`);
          copyChunk(raw, out, offsets, chunk, shape, strides, elementSize);
        }
        p += keySize + b.offsetSize;
      }
    };
    visit(btree, 0);
    return out;
  }
}

function inflate(raw: Uint8Array, expected: number, name: string): Uint8Array {
  try {
    return inflateSync(raw, { maxOutputLength: Math.max(expected, 1) });
  } catch (e) {
    fail(
      `a deflated chunk of ${name} does not decompress (${(e as Error).message})`,
    );
  }
}

function unshuffle(raw: Uint8Array, size: number): Uint8Array {
  const n = Math.floor(raw.length / size);
  const out = new Uint8Array(raw.length);
  for (let k = 0; k < size; k++)
    for (let i = 0; i < n; i++) out[i * size + k] = raw[k * n + i]!;
  out.set(raw.subarray(n * size), n * size);
  return out;
}

function copyChunk(
  raw: Uint8Array,
  out: Uint8Array,
  offsets: number[],
  chunk: number[],
  shape: number[],
  strides: number[],
  size: number,
): void {
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  const total = chunk.reduce((a, d) => a * d, 1);
  for (let i = 0; i < total; i++) {
    let dst = 0;
    let inside = true;
    for (let d = 0; d < rank; d++) {
      const g = offsets[d]! + idx[d]!;
      if (g >= shape[d]!) inside = false;
      dst += g * strides[d]!;
    }
    if (inside) out.set(raw.subarray(i * size, (i + 1) * size), dst * size);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < chunk[d]!) break;
      idx[d] = 0;
    }
  }
}
