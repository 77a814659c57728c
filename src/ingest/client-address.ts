// The key a client address is limited by: an IPv4 address as it is, an IPv6 address by its
// /64. One host or home line is usually given a whole /64, so keying by the full address would
// let one client take a new key for every request.

/**
 * @example addressKey("2001:db8:1:2:aaaa::1") === "2001:db8:1:2::/64"
 * @example addressKey("::ffff:192.0.2.7") === "192.0.2.7"
 */
export function addressKey(ip: string): string {
  if (ip.indexOf(":") < 0) return ip;
  const zone = ip.indexOf("%");
  let a = (zone < 0 ? ip : ip.slice(0, zone)).toLowerCase();
  // An IPv4 client on a dual-stack socket.
  if (a.startsWith("::ffff:") && a.indexOf(".") > 0) return a.slice(7);
  const gap = a.indexOf("::");
  let groups: string[];
  if (gap < 0) groups = a.split(":");
  else {
    const head = gap === 0 ? [] : a.slice(0, gap).split(":");
    a = a.slice(gap + 2);
    const tail = a === "" ? [] : a.split(":");
    groups = head.concat(Array(Math.max(0, 8 - head.length - tail.length)).fill("0"), tail);
  }
  const out: string[] = [];
  for (let i = 0; i < 4; i++) out.push((groups[i] ?? "0").replace(/^0+(?=.)/, ""));
  return `${out.join(":")}::/64`;
}
