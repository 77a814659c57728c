// Cardinality caps shared by every store: a counter keeps at most this many distinct values
// per breakdown; values past the cap are folded into OTHER so random paths can't grow storage.

export const OTHER = "(other)";
export const DEFAULT_DIM_CAP = 10_000;

/** Splits a dims key "day\0dim\0value" into its parts. */
export function splitDimKey(key: string): [day: string, dim: string, value: string] {
  const a = key.indexOf("\u0000");
  const b = key.indexOf("\u0000", a + 1);
  return [key.slice(0, a), key.slice(a + 1, b), key.slice(b + 1)];
}

export function dimKey(day: string, dim: string, value: string): string {
  return `${day}\u0000${dim}\u0000${value}`;
}
