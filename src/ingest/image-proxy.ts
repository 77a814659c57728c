// Which requests are an image proxy fetching for real viewers (GitHub's camo fetches every
// README image, for everyone who views it, from a few addresses). Such a request is counted
// like a viewer, skips the per-visitor rate and gets a larger request allowance, so a claim
// to be one is believed only when both its user-agent says so and its address lies in the
// configured ranges (IMAGE_PROXY_RANGES); from anywhere else it is an ordinary client.

import proxyAddr from "@fastify/proxy-addr";

const PROXY_AGENT = /^github-camo|GoogleImageProxy|YahooMailProxy/;

export class ImageProxies {
  private readonly inRanges: (addr: string) => boolean;

  /** `ranges`: CIDRs or addresses (IPv4 and IPv6); none: no request is an image proxy. */
  constructor(ranges: string[]) {
    // proxy-addr's compiled matcher: CIDR parsing and IPv4-mapped IPv6 done by a maintained library.
    const match = ranges.length === 0 ? () => false : proxyAddr.compile(ranges);
    this.inRanges = (addr) => match(addr, 0);
  }

  /** The user-agent claims an image proxy and the address is in its ranges. */
  is(userAgent: string | undefined, ip: string): boolean {
    return userAgent !== undefined && PROXY_AGENT.test(userAgent) && ip !== "" && this.inRanges(ip);
  }
}
