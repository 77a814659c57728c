// The classic hit-counter picture: one tile per digit, in one of several themes.
// Digits are drawn as seven-segment paths (lcd, matrix) or as monospace text, so the picture
// needs no web font and rasterises the same everywhere.

import type { DigitTheme } from "./options.js";

interface Theme {
  tile: string;
  ink: string;
  frame: string;
  gradient?: [string, string];
  segments: boolean;
  dim?: string;
}

const THEMES: Record<DigitTheme, Theme> = {
  odometer: { tile: "#222", ink: "#fff", frame: "#000", gradient: ["#444", "#111"], segments: false },
  lcd: { tile: "#9bbc0f", ink: "#0f380f", frame: "#306230", segments: true, dim: "#8bac0f" },
  plain: { tile: "#fff", ink: "#111", frame: "#bbb", segments: false },
  retro: { tile: "#1a0f00", ink: "#ffb000", frame: "#553300", gradient: ["#2a1800", "#0d0700"], segments: false },
  matrix: { tile: "#000", ink: "#00ff41", frame: "#003b00", segments: true, dim: "#002200" },
};

// Seven segments a..g for a 14x24 digit cell, as rectangles [x, y, w, h].
const SEG: [number, number, number, number][] = [
  [2, 0, 10, 2],
  [12, 2, 2, 9],
  [12, 13, 2, 9],
  [2, 22, 10, 2],
  [0, 13, 2, 9],
  [0, 2, 2, 9],
  [2, 11, 10, 2],
];
const ON: Record<string, string> = {
  "0": "abcdef",
  "1": "bc",
  "2": "abdeg",
  "3": "abcdg",
  "4": "bcfg",
  "5": "acdfg",
  "6": "acdefg",
  "7": "abc",
  "8": "abcdefg",
  "9": "abcdfg",
};

const TILE_W = 22;
const TILE_H = 32;

function segmentDigit(d: string, x: number, t: Theme): string {
  const on = ON[d] ?? "";
  let out = "";
  for (let i = 0; i < 7; i++) {
    const [sx, sy, w, h] = SEG[i] as [number, number, number, number];
    const lit = on.includes("abcdefg"[i] as string);
    out += `<rect x="${x + 4 + sx}" y="${4 + sy}" width="${w}" height="${h}" fill="${lit ? t.ink : t.dim}"/>`;
  }
  return out;
}

/**
 * A digits picture of `n`, left-padded with zeros to at least `minDigits`. ASCII only (it
 * holds no text of anyone's), so its length is its size in bytes.
 * @example digitsSvg(42, 6, "lcd") // 000042 on an LCD
 */
export function digitsSvg(n: number, minDigits: number, theme: DigitTheme): string {
  const t = THEMES[theme];
  const text = String(n).padStart(minDigits, "0");
  const width = text.length * TILE_W + 2;
  let body = "";
  for (let i = 0; i < text.length; i++) {
    const x = 1 + i * TILE_W;
    const ch = text[i] as string;
    body += `<rect x="${x + 1}" y="1" width="${TILE_W - 2}" height="${TILE_H - 2}" rx="2" fill="${t.gradient ? "url(#g)" : t.tile}"/>`;
    body += t.segments
      ? segmentDigit(ch, x, t)
      : `<text x="${x + TILE_W / 2}" y="24" text-anchor="middle">${ch}</text>`;
  }
  const defs = t.gradient
    ? `<defs><linearGradient id="g" x2="0" y2="1"><stop offset="0" stop-color="${t.gradient[0]}"/><stop offset=".5" stop-color="${t.tile}"/><stop offset="1" stop-color="${t.gradient[1]}"/></linearGradient></defs>`
    : "";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${TILE_H}" role="img" aria-label="${n}">` +
    `<title>${n}</title>${defs}<rect width="${width}" height="${TILE_H}" fill="${t.frame}"/>` +
    `<g font-family="DejaVu Sans Mono,Consolas,Courier New,monospace" font-size="22" font-weight="bold" fill="${t.ink}">${body}</g></svg>`
  );
}
