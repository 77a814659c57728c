// Where a webhook may go: http(s) URLs whose host resolves only to public addresses, unless
// the operator allows private ones (WEBHOOK_ALLOW_PRIVATE=1). Checked when the owner sets the
// URL and again before every delivery, after DNS, and the delivery connects to the very address
// checked: a name that resolves elsewhere later (DNS rebinding) can't turn a webhook against
// the operator's own network.

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { badRequest } from "../errors.js";

export interface Target {
  url: URL;
  address: string;
  family: 4 | 6;
}

export const MAX_URL = 2000;

/** Only plain unicast addresses are public: private, loopback, link-local and the rest are not. */
function isPublic(address: string): boolean {
  return ipaddr.process(address).range() === "unicast";
}

/** Checks the URL's form (a 400 naming the problem); for the address, see resolveTarget. */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest("bad_webhook", "milestones.url is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw badRequest("bad_webhook", "milestones.url must be an http or https URL");
  }
  return url;
}

/** Resolves the URL's host and checks every address it has; throws a 400 naming the refusal. */
export async function resolveTarget(raw: string, allowPrivate: boolean): Promise<Target> {
  const url = checkUrl(raw);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      throw badRequest("bad_webhook", `milestones.url: the host ${host.slice(0, 100)} does not resolve`);
    }
  }
  if (!allowPrivate) {
    for (const a of addresses) {
      if (!isPublic(a.address)) {
        throw badRequest(
          "bad_webhook",
          `milestones.url: ${host.slice(0, 100)} is a private, loopback or link-local address (${a.address}); the operator may allow those with WEBHOOK_ALLOW_PRIVATE=1`,
        );
      }
    }
  }
  const first = addresses[0];
  if (!first) throw badRequest("bad_webhook", `milestones.url: the host ${host.slice(0, 100)} has no address`);
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
