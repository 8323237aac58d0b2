/**
 * `out.push(...items)` passes every item as an argument, so a large array
 * (an unrolled layer) overflows the call stack; this appends in a loop.
 */
export function append<T>(out: T[], items: Iterable<T>): T[] {
  for (const item of items) out.push(item);
  return out;
}
