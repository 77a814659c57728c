// One webhook POST, to the address resolveTarget() checked (never a fresh DNS answer), with a
// time limit for the whole exchange. Answers the status code; the body is read and dropped.

import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { Target } from "./target.js";

export const SEND_TIMEOUT_MS = 10_000;

export function post(target: Target, body: string, headers: Record<string, string>): Promise<number> {
  const { url, address, family } = target;
  // Node asks for every address when it races IPv4 and IPv6 (autoSelectFamily): one either way.
  const pinned = ((_host, opts, cb) => {
    if ((opts as { all?: boolean }).all)
      (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  }) as LookupFunction;
  const options: RequestOptions = {
    method: "POST",
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
    lookup: pinned,
    timeout: SEND_TIMEOUT_MS,
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${SEND_TIMEOUT_MS / 1000} s`)),
      SEND_TIMEOUT_MS,
    );
    req.on("close", () => clearTimeout(timer));
    req.on("timeout", () => req.destroy(new Error("the receiver stopped answering")));
    req.on("error", reject);
    req.end(body);
  });
}
