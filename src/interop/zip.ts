/**
 * Zip archives as Keras (`.keras`) uses them: reading stored or deflated
 * entries from the central directory, and writing stored or deflated ones. Every size
 * and offset is checked against the bytes present, each entry's CRC-32 is
 * verified, and an uncompressed size beyond MAX_ENTRY is refused before
 * anything is inflated. ZIP64 and encryption are not supported (Keras
 * writes neither for models that fit in memory).
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { crc32 } from "../runtime/weights.js";

export class ZipError extends Error {
  override name = "ZipError";
}

/** One archive member is never larger than this (1 GiB). */
export const MAX_ENTRY = 1 << 30;

function fail(message: string): never {
  throw new ZipError(`invalid zip archive: ${message}`);
}

export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  read(): Uint8Array;
}

/** The archive's entries by name; throws ZipError on a truncated or damaged archive. */
export function readZip(data: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  let eocd = -1;
  for (
    let at = data.length - 22;
    at >= Math.max(0, data.length - 22 - 0xffff);
    at--
  ) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0)
    fail(
      "no end-of-central-directory record (the file is truncated or not a zip)",
    );
  const count = u16(eocd + 10);
  const dirSize = u32(eocd + 12);
  const dirStart = u32(eocd + 16);
  if (dirStart === 0xffffffff || count === 0xffff)
    fail("ZIP64 archives are not supported");
  if (dirStart + dirSize > eocd)
    fail(
      `the central directory (${dirSize} bytes at ${dirStart}) lies outside the archive`,
    );
  const entries = new Map<string, ZipEntry>();
  let p = dirStart;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || u32(p) !== 0x02014b50)
      fail(`central directory entry ${i} is damaged`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    const compressed = u32(p + 20);
    const size = u32(p + 24);
    const nameLength = u16(p + 28);
    const skip = nameLength + u16(p + 30) + u16(p + 32);
    const local = u32(p + 42);
    if (p + 46 + skip > eocd) fail(`central directory entry ${i} is damaged`);
    const name = new TextDecoder().decode(
      data.subarray(p + 46, p + 46 + nameLength),
    );
    p += 46 + skip;
    if (flags & 1) fail(`${name} is encrypted`);
    if (method !== 0 && method !== 8)
      fail(
        `${name} uses compression method ${method} (only stored and deflate are supported)`,
      );
    if (size > MAX_ENTRY || compressed === 0xffffffff)
      fail(
        `${name} claims ${size} bytes, more than the ${MAX_ENTRY}-byte limit`,
      );
    if (method === 0 && compressed !== size)
      fail(`${name} is stored but its sizes differ (${compressed} vs ${size})`);
    entries.set(name, {
      name,
      size,
      read() {
        if (local + 30 > data.length || u32(local) !== 0x04034b50)
          fail(`the local header of ${name} is missing or damaged`);
        const start = local + 30 + u16(local + 26) + u16(local + 28);
        if (start + compressed > data.length)
          fail(
            `${name} is truncated (${compressed} bytes claimed, ${Math.max(0, data.length - start)} present)`,
          );
        const raw = data.subarray(start, start + compressed);
        let out: Uint8Array;
        if (method === 0) out = raw;
        else {
          try {
            out = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
          } catch (e) {
            fail(`${name} does not decompress (${(e as Error).message})`);
          }
        }
        if (out.length !== size)
          fail(`${name} has ${out.length} bytes, its header says ${size}`);
        if (crc32(out) !== crc)
          fail(`${name} fails its CRC-32 check (the archive is damaged)`);
        return out;
      },
    });
  }
  return entries;
}

/**
 * A zip archive of the entries in the given order, with a fixed timestamp (deterministic bytes).
 * Entries are stored; with `deflate`, each is deflated where that makes it smaller (a `.vsix`).
 */
export function writeZip(
  files: readonly { name: string; data: Uint8Array }[],
  options: { deflate?: boolean } = {},
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1; // 2020-01-01, 00:00
  for (const f of files) {
    const name = new TextEncoder().encode(f.name);
    const crc = crc32(f.data);
    const deflated = options.deflate === true ? deflateRawSync(f.data, { level: 9 }) : null;
    const body = deflated !== null && deflated.length < f.data.length ? new Uint8Array(deflated) : f.data;
    const method = body === f.data ? 0 : 8;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x0800, true); // UTF-8 names
    lv.setUint16(8, method, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, f.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const dir = new Uint8Array(46 + name.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(8, 0x0800, true);
    dv.setUint16(10, method, true);
    dv.setUint16(14, DOS_DATE, true);
    dv.setUint32(16, crc, true);
    dv.setUint32(20, body.length, true);
    dv.setUint32(24, f.data.length, true);
    dv.setUint16(28, name.length, true);
    dv.setUint32(42, offset, true);
    dir.set(name, 46);
    chunks.push(local, body);
    central.push(dir);
    offset += local.length + body.length;
  }
  const dirSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, dirSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + dirSize + 22);
  let at = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
