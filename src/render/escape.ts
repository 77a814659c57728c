// Escaping for text placed in SVG/XML/HTML. Every user-controlled string goes through it.

const MAP: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => MAP[c] as string);
}
