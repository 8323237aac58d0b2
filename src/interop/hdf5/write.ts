/**
 * A minimal HDF5 writer for `layerc export --to keras`: nested groups and
 * little-endian float32 datasets, nothing else. It writes the layout h5py
 * writes by default (superblock v0, version-1 object headers, old-style
 * groups: a v1 B-tree over symbol-table nodes plus a local heap for the
 * names, contiguous storage), which every HDF5 library version reads.
 *
 * Limits of this layout as written here: a group holds at most 256 members
 * (32 symbol-table nodes of 8 entries under one B-tree node); more is an
 * error rather than a deeper tree.
 */
/** A float32 dataset to write. */
export interface Hdf5Data {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/** Groups as objects, datasets as Hdf5Data. */
export interface Hdf5Tree {
  readonly [name: string]: Hdf5Tree | Hdf5Data;
}

const O = 8; // size of offsets
const L = 8; // size of lengths
const LEAF_K = 4; // symbol-table node holds 2K entries
const NODE_K = 16; // group B-tree node holds 2K children
const ENTRY = 2 * O + 24;
const UNDEF = 0xffffffffffffffffn;

const isDataset = (v: Hdf5Tree | Hdf5Data): v is Hdf5Data =>
  Array.isArray(v["shape"]) &&
  v["data"] !== undefined &&
  typeof (v["data"] as ArrayLike<number>).length === "number";

class Out {
  private chunks: Uint8Array[] = [];
  size = 0;

  /** Appends `n` zero bytes aligned to 8; returns the block's address and a view to fill. */
  alloc(n: number): { at: number; view: DataView; bytes: Uint8Array } {
    const padded = Math.ceil(n / 8) * 8;
    const bytes = new Uint8Array(padded);
    const at = this.size;
    this.chunks.push(bytes);
    this.size += padded;
    return { at, view: new DataView(bytes.buffer), bytes };
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.size);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}

const u64 = (v: DataView, at: number, x: number | bigint) =>
  v.setBigUint64(at, BigInt(x), true);

/** Bytes-wise comparison, as HDF5 orders names (strcmp). */
const byBytes = (a: string, b: string) => {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++)
    if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

/** One version-1 object header holding `messages` ([type, body]); returns its address. */
function objectHeader(
  out: Out,
  messages: readonly [number, Uint8Array][],
): number {
  const body = messages.reduce(
    (s, [, m]) => s + 8 + Math.ceil(m.length / 8) * 8,
    0,
  );
  const { at, view, bytes } = out.alloc(16 + body);
  view.setUint8(0, 1);
  view.setUint16(2, messages.length, true);
  view.setUint32(4, 1, true);
  view.setUint32(8, body, true);
  let p = 16;
  for (const [type, m] of messages) {
    const size = Math.ceil(m.length / 8) * 8;
    view.setUint16(p, type, true);
    view.setUint16(p + 2, size, true);
    bytes.set(m, p + 8);
    p += 8 + size;
  }
  return at;
}

function dataset(
  out: Out,
  shape: readonly number[],
  data: ArrayLike<number>,
): number {
  const count = shape.reduce((a, d) => a * d, 1);
  if (data.length !== count)
    throw new Error(
      `dataset of shape [${shape.join(", ")}] given ${data.length} values`,
    );
  const raw = out.alloc(count * 4);
  for (let i = 0; i < count; i++) raw.view.setFloat32(i * 4, data[i]!, true);
  const space = new DataView(new ArrayBuffer(8 + L * shape.length));
  space.setUint8(0, 1);
  space.setUint8(1, shape.length);
  shape.forEach((d, i) => u64(space, 8 + i * L, d));
  const type = new DataView(new ArrayBuffer(20));
  type.setUint8(0, 0x11); // version 1, class 1 (floating point)
  type.setUint8(1, 0x20); // little-endian, mantissa normalization: implied leading 1
  type.setUint8(2, 31); // sign bit position
  type.setUint32(4, 4, true);
  type.setUint16(10, 32, true); // bit offset 0, precision 32
  type.setUint8(12, 23); // exponent location
  type.setUint8(13, 8); // exponent size
  type.setUint8(14, 0); // mantissa location
  type.setUint8(15, 23); // mantissa size
  type.setUint32(16, 127, true); // exponent bias
  const layout = new DataView(new ArrayBuffer(18));
  layout.setUint8(0, 3);
  layout.setUint8(1, 1); // contiguous
  u64(layout, 2, raw.at);
  u64(layout, 10, count * 4);
  return objectHeader(out, [
    [0x01, new Uint8Array(space.buffer)],
    [0x03, new Uint8Array(type.buffer)],
    [0x08, new Uint8Array(layout.buffer)],
  ]);
}

/** Writes `tree` as a group; returns its object header address and its B-tree and heap (for the symbol-table cache). */
function group(
  out: Out,
  tree: Hdf5Tree,
  path: string,
): { header: number; btree: number; heap: number } {
  const names = Object.keys(tree).sort(byBytes);
  if (names.length > 2 * LEAF_K * 2 * NODE_K)
    throw new Error(
      `group ${path} has ${names.length} members; this writer stores at most 256`,
    );
  const members = names.map((name) => {
    const v = tree[name]!;
    if (isDataset(v))
      return { name, header: dataset(out, v.shape, v.data), cache: null };
    const g = group(out, v, `${path}/${name}`);
    return { name, header: g.header, cache: g };
  });
  // local heap: "" at offset 0, then each name, NUL-terminated and padded to 8
  const offsets: number[] = [];
  let heapSize = 8;
  for (const n of names) {
    offsets.push(heapSize);
    heapSize += Math.ceil((new TextEncoder().encode(n).length + 1) / 8) * 8;
  }
  const heapData = out.alloc(heapSize);
  names.forEach((n, i) =>
    heapData.bytes.set(new TextEncoder().encode(n), offsets[i]!),
  );
  const heap = out.alloc(8 + 2 * L + O);
  heap.bytes.set([0x48, 0x45, 0x41, 0x50]); // "HEAP"
  u64(heap.view, 8, heapSize);
  u64(heap.view, 16, 1); // no free list (the library’s H5HL_FREE_NULL is 1, not the undefined address)
  u64(heap.view, 24, heapData.at);
  // symbol-table nodes of up to 2K entries each
  const nodes: { at: number; last: number }[] = [];
  for (let s = 0; s < Math.max(members.length, 1); s += 2 * LEAF_K) {
    const part = members.slice(s, s + 2 * LEAF_K);
    if (part.length === 0) break;
    const node = out.alloc(8 + 2 * LEAF_K * ENTRY);
    node.bytes.set([0x53, 0x4e, 0x4f, 0x44, 1]); // "SNOD", version 1
    node.view.setUint16(6, part.length, true);
    part.forEach((m, i) => {
      const e = 8 + i * ENTRY;
      u64(node.view, e, offsets[s + i]!);
      u64(node.view, e + O, m.header);
      if (m.cache) {
        node.view.setUint32(e + 2 * O, 1, true);
        u64(node.view, e + 2 * O + 8, m.cache.btree);
        u64(node.view, e + 2 * O + 16, m.cache.heap);
      }
    });
    nodes.push({ at: node.at, last: offsets[s + part.length - 1]! });
  }
  // one B-tree leaf over the nodes: key 0 = "", key i+1 = last name of child i
  const tree_ = out.alloc(8 + 2 * O + (2 * NODE_K + 1) * L + 2 * NODE_K * O);
  tree_.bytes.set([0x54, 0x52, 0x45, 0x45, 0, 0]); // "TREE", type 0 (group), level 0
  tree_.view.setUint16(6, nodes.length, true);
  tree_.view.setBigUint64(8, UNDEF, true);
  tree_.view.setBigUint64(16, UNDEF, true);
  let p = 24;
  u64(tree_.view, p, 0);
  p += L;
  for (const n of nodes) {
    u64(tree_.view, p, n.at);
    u64(tree_.view, p + O, n.last);
    p += O + L;
  }
  const stab = new DataView(new ArrayBuffer(2 * O));
  u64(stab, 0, tree_.at);
  u64(stab, O, heap.at);
  const header = objectHeader(out, [[0x11, new Uint8Array(stab.buffer)]]);
  return { header, btree: tree_.at, heap: heap.at };
}

/** An HDF5 file whose root group holds `tree` (groups as objects, datasets as { shape, data } in float32). */
export function writeHdf5(tree: Hdf5Tree): Uint8Array {
  const out = new Out();
  const sb = out.alloc(56 + ENTRY);
  const root = group(out, tree, "");
  const v = sb.view;
  sb.bytes.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
  v.setUint8(13, O);
  v.setUint8(14, L);
  v.setUint16(16, LEAF_K, true);
  v.setUint16(18, NODE_K, true);
  u64(v, 24, 0); // base address
  v.setBigUint64(32, UNDEF, true); // free-space info
  u64(v, 40, out.size); // end of file
  v.setBigUint64(48, UNDEF, true); // driver info
  u64(v, 56, 0); // root entry: name offset
  u64(v, 64, root.header);
  v.setUint32(72, 1, true); // cache type 1: symbol table
  u64(v, 80, root.btree);
  u64(v, 88, root.heap);
  return out.concat();
}
