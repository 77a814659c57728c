// The breakdowns a counter keeps, by the names the API uses and the names the stores use.

/** API name -> stored dimension. */
export const DIMENSIONS = {
  pages: "page",
  referrers: "ref",
  referrerUrls: "refurl",
  browsers: "browser",
  os: "os",
  devices: "device",
  countries: "country",
} as const;

export type Dimension = keyof typeof DIMENSIONS;

export function isDimension(name: unknown): name is Dimension {
  return typeof name === "string" && Object.hasOwn(DIMENSIONS, name);
}
