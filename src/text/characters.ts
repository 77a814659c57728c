// Which characters a client's text may hold where it is drawn or stored. C0 controls (but
// tab), DEL, the noncharacters U+FFFE/U+FFFF and lone surrogates are no text anyone means:
// resvg refuses them, XML forbids most of them, PostgreSQL refuses NUL. Text that is shown
// (labels) is refused with them; text that is only recorded (page paths, referrers) has them
// removed, so nothing a client sends can fail a store write.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f\ufffe\uffff]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_ALL = /[\u0000-\u001f\u007f\ufffe\uffff]/g;

/** Whether `s` holds only characters that can be drawn and stored. */
export function isPlainText(s: string): boolean {
  return !CONTROL.test(s) && s.isWellFormed();
}

/**
 * Text that any store can keep: controls (tab too) and noncharacters removed, lone surrogates
 * replaced by U+FFFD. Clean text, nearly all of it, is returned as it is, without a copy.
 * @example storable("/a\u0000b") === "/ab"
 */
export function storable(s: string): string {
  if (s === "") return s;
  if (CONTROL.test(s) || s.indexOf("\t") >= 0) s = s.replace(CONTROL_ALL, "");
  return s.isWellFormed() ? s : s.toWellFormed();
}
