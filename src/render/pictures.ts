// Fixed pictures: the 1x1 transparent GIF pixel and the "not found" badge.

import { makeBadge } from "badge-maker";

/** The smallest transparent 1x1 GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

export const NOT_FOUND_SVG = makeBadge({ label: "hitcounter", message: "counter not found", color: "lightgrey" });
