// The front page and the dashboard in a real browser: Debian's Chromium driven by
// playwright-core against the real server. A counter is created through the front page, an
// ordinary article page embedding the script and a badge is opened three times by two
// visitors, and the dashboard must show exactly that. Screenshots go to test-artifacts/.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { createCounter, type Running, startApp } from "../helpers/server.js";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const XSS = "<img src=x onerror=alert(1)>";
const CHROME_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
const FIREFOX_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0";

let s: Running;
let browser: Browser;
let demo: Server;
let demoUrl = "";
let counterId = "";

/** A blog article elsewhere that embeds the counter: the script, and a badge that only shows. */
function article(hc: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>My article</title></head><body>
<article><h1>On hit counters</h1><p>Some words.</p>
<p>You are visitor #<span id="n" data-hitcounter>…</span></p>
<p><img id="badge" src="${hc}/c/${counterId}.svg?count=false" alt="views"></p></article>
<script async src="${hc}/counter.js" data-counter="${counterId}"></script>
</body></html>`;
}

/** A page that follows its counter live (data-live): the total and who is online. */
function livePage(hc: string, id: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Live</title></head><body>
<p><span id="n" data-hitcounter>…</span> views, <span id="on" data-hitcounter="online">…</span> online</p>
<script async src="${hc}/counter.js" data-counter="${id}" data-live="true"></script>
</body></html>`;
}
let liveId = "";

/** Fails the test on page errors, console errors and any dialog (an executed alert). */
function watch(page: Page, problems: string[]) {
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("dialog", async (d) => {
    if (d.type() === "confirm") return d.accept();
    problems.push(`dialog: ${d.message()}`);
    await d.dismiss();
  });
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startApp({ TRUST_PROXY: "0", WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_RETRY_MS: "100" });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  demo = createServer((req, res) => {
    if (req.url === "/blog/hit-counters.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(article(s.url));
    } else if (req.url === "/live.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(livePage(s.url, liveId));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => demo.listen(0, "127.0.0.1", r));
  demoUrl = `http://127.0.0.1:${(demo.address() as AddressInfo).port}/blog/hit-counters.html`;
});

after(async () => {
  await browser?.close();
  demo?.close();
  await s?.close();
});

describe("in the browser", () => {
  let adminUrl = "";

  it("creates a counter from the front page, with live previews of every embed", async () => {
    const page = await browser.newPage({ userAgent: CHROME_UA });
    const problems: string[] = [];
    watch(page, problems);
    await page.goto(`${s.url}/`);
    await page.fill("input[name=label]", "My blog");
    await page.selectOption("select[name=theme]", "lcd");
    await page.click("button[type=submit]");
    await page.waitForSelector("#result:not([hidden])");
    adminUrl = (await page.textContent("#admin-url")) ?? "";
    const m = /\/dashboard\/([A-Za-z0-9_-]+)#token=/.exec(adminUrl);
    assert.ok(m, adminUrl);
    counterId = m[1] as string;
    const snippets = await page.$$eval(".embed code", (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(snippets.some((x) => x.includes(`/c/${counterId}.svg`)));
    assert.ok(snippets.some((x) => x.includes("style=digits&theme=lcd")));
    assert.ok(snippets.some((x) => x.includes(`data-counter="${counterId}"`)));
    assert.ok(snippets.some((x) => x.includes(`/c/${counterId}.png`)));
    assert.ok(snippets.some((x) => x.includes(`/c/${counterId}.json`)));
    // Every preview picture really loaded.
    await page.waitForFunction(() =>
      [...document.querySelectorAll(".preview img")].every((i) => (i as HTMLImageElement).naturalWidth > 0),
    );
    await page.screenshot({ path: `${ARTIFACTS}front-page.png`, fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("an article page opened three times by two visitors shows the count", async () => {
    const shown: string[] = [];
    for (const [ua, times] of [
      [CHROME_UA, 2],
      [FIREFOX_UA, 1],
    ] as const) {
      const ctx = await browser.newContext({ userAgent: ua });
      for (let i = 0; i < times; i++) {
        const page = await ctx.newPage();
        await page.goto(demoUrl, { referer: "https://news.example/item?id=42" });
        await page.waitForFunction(() => /^\d+$/.test(document.getElementById("n")?.textContent ?? ""));
        shown.push((await page.textContent("#n")) ?? "");
        assert.ok(await page.$eval("#badge", (i) => (i as HTMLImageElement).naturalWidth > 0), "badge shown");
        await page.close();
      }
      await ctx.close();
    }
    assert.deepEqual(shown, ["1", "2", "3"]);
  });

  it("the script with data-live keeps the number current without a reload", async () => {
    liveId = (await createCounter(s.url)).id;
    const problems: string[] = [];
    const page = await browser.newPage({ userAgent: CHROME_UA });
    watch(page, problems);
    await page.goto(demoUrl.replace("/blog/hit-counters.html", "/live.html"));
    await page.waitForFunction(() => document.getElementById("n")?.textContent === "1");
    await page.evaluate(() => {
      (window as unknown as { stayed: boolean }).stayed = true;
    });
    // Two more visitors elsewhere: the open page shows them without reloading.
    for (const ua of [FIREFOX_UA, `${FIREFOX_UA} other`]) {
      const r = await fetch(`${s.url}/c/${liveId}.svg`, { headers: { "user-agent": ua } });
      assert.equal(r.headers.get("x-hit-counted"), "1");
    }
    await page.waitForFunction(() => document.getElementById("n")?.textContent === "3", undefined, { timeout: 3000 });
    await page.waitForFunction(() => document.getElementById("on")?.textContent === "3", undefined, { timeout: 3000 });
    assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, "no reload");
    await page.close();
    assert.deepEqual(problems, []);
  });

  it("the owner sets a milestone webhook on the dashboard, sees its secret once and its failing delivery", async () => {
    const c = await createCounter(s.url);
    const page = await browser.newPage({ userAgent: CHROME_UA });
    const problems: string[] = [];
    watch(page, problems);
    await page.goto(`${s.url}/dashboard/${c.id}#token=${c.token}`);
    await page.waitForSelector("#milestones:not([hidden])");
    // Nothing listens on port 9 (discard): every attempt fails.
    await page.fill("#milestones-form [name=url]", "http://127.0.0.1:9/hook");
    await page.fill("#milestones-form [name=at]", "1, 100");
    await page.click("#milestones-form button");
    await page.waitForSelector("#milestones-secret:not([hidden])");
    assert.match((await page.textContent("#milestones-secret-value")) ?? "", /^[A-Za-z0-9_-]{32}$/);
    const r = await fetch(`${s.url}/c/${c.id}.svg`, { headers: { "user-agent": FIREFOX_UA } });
    assert.equal(r.headers.get("x-hit-counted"), "1");
    // A reload reads the stats (which folds the hit in, recording the crossing), then lists it.
    for (let i = 0; i < 20; i++) {
      await page.reload();
      await page.waitForSelector("#milestones:not([hidden])");
      if (/attempts/.test((await page.textContent("#deliveries")) ?? "")) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    assert.match((await page.textContent("#deliveries .failing")) ?? "", /^1 — pending .*ECONNREFUSED.*attempts/);
    assert.equal(await page.isHidden("#milestones-secret"), true, "the secret is not shown again");
    await page.close();
    assert.deepEqual(problems, []);
  });

  it("the dashboard shows 3 hits, 2 visitors, the page, the referrer and a drawn chart", async () => {
    const ctx = await browser.newContext({ userAgent: CHROME_UA, viewport: { width: 1200, height: 900 } });
    const page = await ctx.newPage();
    const problems: string[] = [];
    watch(page, problems);
    await page.goto(adminUrl);
    await page.waitForSelector("#stats:not([hidden])");
    await page.waitForSelector("#breakdowns [data-dim=pages] td");
    assert.equal(await page.textContent("#t-hits"), "3");
    assert.equal(await page.textContent("#t-visitors"), "2");
    assert.equal(await page.textContent("#t-now"), "2");
    assert.ok(!page.url().includes("token="), "the token left the address bar");
    const pages = await page.textContent("#breakdowns [data-dim=pages]");
    assert.match(pages ?? "", /\/blog\/hit-counters\.html\s*3/);
    assert.match((await page.textContent("#breakdowns [data-dim=referrers]")) ?? "", /news\.example/);
    // The referrer host opens to the full referring URLs.
    await page.click("#breakdowns [data-dim=referrers] summary");
    assert.match(
      (await page.innerText("#breakdowns [data-dim=referrers] ul.urls")) ?? "",
      /news\.example\/\S* \u2014 3/,
    );
    assert.match((await page.textContent("#breakdowns [data-dim=browsers]")) ?? "", /Chrome/);
    const painted = await page.$eval("#chart", (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) n++;
      return n;
    });
    assert.ok(painted > 500, `chart pixels painted: ${painted}`);
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });

    // Settings work from the page: make it public.
    await page.check("#settings-form input[name=public]");
    await page.click("#settings-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("visibility")?.textContent === "public");
    assert.deepEqual(problems, []);
    await ctx.close();
  });

  it("front page and public stats fit a phone's width, in light and in dark mode", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      const ctx = await browser.newContext({
        userAgent: CHROME_UA,
        viewport: { width: 390, height: 844 },
        isMobile: true,
        colorScheme,
      });
      for (const path of ["/", `/stats/${counterId}`]) {
        const page = await ctx.newPage();
        const problems: string[] = [];
        watch(page, problems);
        await page.goto(`${s.url}${path}`);
        if (path !== "/") await page.waitForSelector("#breakdowns [data-dim=pages] td");
        const { overflow, luminance } = await page.evaluate(() => {
          const [r, g, b] = (getComputedStyle(document.body).backgroundColor.match(/\d+/g) ?? []).map(Number);
          return {
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            luminance: (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255,
          };
        });
        assert.ok(overflow <= 0, `${path} (${colorScheme}) scrolls sideways by ${overflow}px`);
        if (colorScheme === "dark") assert.ok(luminance < 0.3, `${path} dark background, luminance ${luminance}`);
        else assert.ok(luminance > 0.8, `${path} light background, luminance ${luminance}`);
        if (path !== "/") await page.screenshot({ path: `${ARTIFACTS}stats-phone-${colorScheme}.png`, fullPage: true });
        assert.deepEqual(problems, []);
        await page.close();
      }
      await ctx.close();
    }
  });

  it("a private counter's stats page refuses without the token", async () => {
    const c = await createCounter(s.url, { label: "secret" });
    assert.equal((await fetch(`${s.url}/api/counters/${c.id}/stats`)).status, 401);
    const page = await browser.newPage({ userAgent: CHROME_UA });
    await page.goto(`${s.url}/stats/${c.id}`);
    await page.waitForSelector("#denied:not([hidden])");
    assert.match((await page.textContent("#denied")) ?? "", /private/);
    assert.equal(await page.isHidden("#stats"), true);
    assert.equal(await page.textContent("#label"), "");
    await page.close();
  });

  it("markup in a label, page path or referrer never runs in the dashboard", async () => {
    const c = await createCounter(s.url, { label: XSS, public: true });
    const r = await fetch(`${s.url}/api/hit`, {
      method: "POST",
      headers: { "content-type": "text/plain", "user-agent": FIREFOX_UA },
      body: JSON.stringify({ counter: c.id, path: `/${XSS}`, referrer: `https://evil.example/${XSS}` }),
    });
    assert.equal(r.headers.get("x-hit-counted"), "1");
    for (const url of [`${s.url}/dashboard/${c.id}#token=${c.token}`, `${s.url}/stats/${c.id}`]) {
      const page = await browser.newPage({ userAgent: CHROME_UA });
      const problems: string[] = [];
      watch(page, problems);
      await page.goto(url);
      await page.waitForSelector("#breakdowns [data-dim=pages] td");
      assert.equal(await page.textContent("#label"), XSS, "the label is shown as text");
      assert.match((await page.textContent("#breakdowns [data-dim=pages]")) ?? "", /<img src=x onerror=alert\(1\)>/);
      assert.equal(await page.$$eval("img[src=x]", (els) => els.length), 0, "no injected element");
      assert.deepEqual(problems, []);
      await page.close();
    }
  });

  it("a link with another token does not lock the owner out; the owner rotates the token from the dashboard", async () => {
    const c = await createCounter(s.url, { label: "mine" });
    const ctx = await browser.newContext({ userAgent: CHROME_UA });
    const page = await ctx.newPage();
    const problems: string[] = [];
    watch(page, problems);
    await page.goto(`${s.url}/dashboard/${c.id}#token=${c.token}`);
    await page.waitForSelector("#settings:not([hidden])");
    const saved = () => page.evaluate((id) => localStorage.getItem(`hitcounter-token-${id}`), c.id);
    assert.equal(await saved(), c.token);

    // A crafted link carrying someone else's token, opened afresh (not as a same-page hash change).
    await page.goto("about:blank");
    await page.goto(`${s.url}/dashboard/${c.id}#token=not-this-counters-token`);
    await page.waitForSelector("#token-note:not([hidden])");
    await page.waitForSelector("#settings:not([hidden])");
    assert.match((await page.textContent("#token-note")) ?? "", /not valid/);
    assert.equal(await saved(), c.token, "the working token is kept");

    // Rotate: the dialog is accepted by watch(); the new admin link is shown once.
    await page.click("#rotate");
    await page.waitForSelector("#new-token:not([hidden])");
    const link = (await page.textContent("#new-link")) ?? "";
    const fresh = /#token=(.+)$/.exec(link)?.[1] ?? "";
    assert.ok(fresh.length >= 43, link);
    assert.equal(await saved(), fresh);
    assert.equal(
      (await fetch(`${s.url}/api/counters/${c.id}`, { headers: { authorization: `Bearer ${c.token}` } })).status,
      401,
    );
    await page.goto(`${s.url}/dashboard/${c.id}`);
    await page.waitForSelector("#settings:not([hidden])");
    // The one failed request is the check of the link's wrong token, which the browser logs.
    assert.deepEqual(problems, [
      "console: Failed to load resource: the server responded with a status of 401 (Unauthorized)",
    ]);
    await ctx.close();
  });

  it("the operator's page lists counters and blocks and unblocks one", async () => {
    const ADMIN = "operator-secret-0123456789abcdef";
    const op = await startApp({ TRUST_PROXY: "0", ADMIN_TOKEN: ADMIN });
    try {
      const busy = await createCounter(op.url, { label: "busy blog" });
      await createCounter(op.url, { label: "quiet blog" });
      const hitBusy = async () =>
        (await fetch(`${op.url}/c/${busy.id}.svg`, { headers: { "user-agent": CHROME_UA } })).headers.get(
          "x-hit-counted",
        );
      for (let i = 0; i < 3; i++) await hitBusy();
      const page = await browser.newPage({ userAgent: CHROME_UA, viewport: { width: 1200, height: 700 } });
      const problems: string[] = [];
      watch(page, problems);
      await page.goto(`${op.url}/admin`);
      await page.fill("#login input[name=token]", ADMIN);
      await page.click("#login button[type=submit]");
      const row = `#rows tr[data-id="${busy.id}"]`;
      await page.waitForSelector(row);
      assert.equal(await page.$eval("#rows tr", (tr) => (tr as HTMLElement).dataset.id), busy.id, "busiest first");
      assert.match((await page.textContent(row)) ?? "", /busy blog.*3.*active/s);

      await page.click(`${row} button[data-action=block]`);
      await page.waitForSelector(`${row} button[data-action=unblock]`);
      assert.match((await page.textContent(row)) ?? "", /blocked/);
      assert.equal(await hitBusy(), "0");
      await page.screenshot({ path: `${ARTIFACTS}admin.png`, fullPage: true });

      await page.click(`${row} button[data-action=unblock]`);
      await page.waitForSelector(`${row} button[data-action=block]`);
      assert.equal(await hitBusy(), "1");
      assert.deepEqual(problems, []);
      await page.close();
    } finally {
      await op.close();
    }
  });
});
