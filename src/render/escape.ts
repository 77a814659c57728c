// Escaping for text placed in SVG/XML/HTML. Every user-controlled string goes through it.

const MAP: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => MAP[c] as string);
}

/**
 * Non-ASCII characters as XML character references: the text reads the same, and its length
 * is its UTF-8 byte length, so an answer's Content-Length needs no pass over it. A lone
 * surrogate (possible in JSON input) becomes U+FFFD, as UTF-8 encoding would make it.
 */
export function asciiXml(s: string): string {
  return s.replace(/[\u0080-\u{10ffff}]/gu, (c) => {
    const code = c.codePointAt(0) as number;
    return `&#${code >= 0xd800 && code <= 0xdfff ? 0xfffd : code};`;
  });
}
