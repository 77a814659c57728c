// The dashboard (/dashboard/{id}, with the owner's token) and the public stats page
// (/stats/{id}). The token arrives once in the admin link's #token=… and is then kept in this
// browser's localStorage; it is sent as Authorization: Bearer, never in a URL to the server.
// A link's token is checked against the API before it is kept, and never silently replaces a
// saved token that works (the owner is asked), so a crafted link can't lock an owner out.
// Every value from the API is put in with textContent, never as markup.
(() => {
  const [, kind, id] = location.pathname.split("/");
  const owner = kind === "dashboard";
  const key = `hitcounter-token-${id}`;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (owner && fromHash) history.replaceState(null, "", location.pathname);
  let token = owner ? localStorage.getItem(key) : null;
  const $ = (x) => document.getElementById(x);
  const nf = new Intl.NumberFormat();
  let chart;
  let zoneToday;

  async function api(path, init = {}) {
    const headers = { ...(init.headers || {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(`/api/counters/${encodeURIComponent(id)}${path}`, { ...init, headers });
  }

  async function works(t) {
    const r = await fetch(`/api/counters/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${t}` } });
    return r.ok;
  }

  /** Keeps the link's token if it is this counter's, asking before it replaces a working one. */
  async function adoptLinkToken() {
    if (!owner || !fromHash || fromHash === token) return;
    if (!(await works(fromHash))) {
      $("token-note").hidden = false;
      $("token-note").textContent = token
        ? "The link's admin token is not valid for this counter; the token saved in this browser is kept."
        : "The link's admin token is not valid for this counter.";
      return;
    }
    const ask =
      "This link carries another admin token for this counter than the one saved in this browser. Use the link's token from now on?";
    if (token && (await works(token)) && !confirm(ask)) return;
    localStorage.setItem(key, fromHash);
    token = fromHash;
  }

  function addDays(day, n) {
    return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
  }

  function denied(text) {
    $("stats").hidden = true;
    $("denied").hidden = false;
    if (text) $("denied-text").textContent = text;
  }

  function cell(text, numeric) {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "n";
    return td;
  }

  const TITLES = {
    pages: "Top pages",
    referrers: "Referrers",
    browsers: "Browsers",
    os: "Operating systems",
    devices: "Devices",
    countries: "Countries",
  };

  /** The full referrer URLs (host + path) that belong to one referrer host. */
  function urlsOf(urls, host) {
    return urls.filter((u) => u.value === host || u.value.startsWith(`${host}/`));
  }

  /** A referrer host that opens to its full URLs, each with its hits. */
  function referrerCell(host, urls) {
    const td = document.createElement("td");
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = host;
    const list = document.createElement("ul");
    list.className = "urls";
    for (const u of urls) {
      const li = document.createElement("li");
      li.textContent = `${u.value} — ${nf.format(u.hits)}`;
      list.append(li);
    }
    details.append(summary, list);
    td.append(details);
    return td;
  }

  function drawBreakdowns(b) {
    const box = $("breakdowns");
    box.replaceChildren();
    for (const [dim, title] of Object.entries(TITLES)) {
      const card = document.createElement("div");
      card.className = "card";
      card.dataset.dim = dim;
      const h = document.createElement("h2");
      h.textContent = title;
      const table = document.createElement("table");
      const rows = b[dim] || [];
      if (rows.length === 0) {
        const tr = document.createElement("tr");
        tr.append(cell("nothing yet"));
        table.append(tr);
      }
      for (const r of rows) {
        const tr = document.createElement("tr");
        const urls = dim === "referrers" ? urlsOf(b.referrerUrls || [], r.value) : [];
        tr.append(
          urls.length > 0 ? referrerCell(r.value, urls) : cell(r.value),
          cell(nf.format(r.hits), true),
          cell(`${(r.share * 100).toFixed(1)}%`, true),
        );
        table.append(tr);
      }
      card.append(h, table);
      box.append(card);
    }
  }

  function drawChart(s) {
    const labels = s.series.map((p) =>
      s.granularity === "hour" ? `${p.bucket.slice(5, 10)} ${p.bucket.slice(11)}h` : p.bucket,
    );
    const style = getComputedStyle(document.documentElement);
    const data = {
      labels,
      datasets: [
        {
          label: "Hits",
          data: s.series.map((p) => p.hits),
          borderColor: style.getPropertyValue("--accent").trim() || "#2563eb",
          tension: 0.2,
        },
        { label: "Visitors", data: s.series.map((p) => p.visitors), borderColor: "#10b981", tension: 0.2 },
      ],
    };
    if (chart) {
      chart.data = data;
      chart.update();
      return;
    }
    chart = new window.Chart($("chart"), {
      type: "line",
      data,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function query() {
    return $("from").value && $("to").value ? `from=${$("from").value}&to=${$("to").value}` : "";
  }

  async function load() {
    const r = await api(`/stats?${query()}`);
    if (r.status === 401) return denied(owner ? "This link has no valid admin token for this counter." : undefined);
    if (r.status === 404) return denied("No such counter.");
    const s = await r.json();
    if (!r.ok) return denied(s.error ? s.error.message : `error ${r.status}`);
    $("denied").hidden = true;
    $("stats").hidden = false;
    $("label").textContent = s.label;
    $("visibility").textContent = s.public ? "public" : "private";
    $("t-hits").textContent = nf.format(s.totals.hits);
    $("t-visitors").textContent = nf.format(s.totals.visitors);
    $("t-today").textContent = `${nf.format(s.totals.today.hits)} / ${nf.format(s.totals.today.visitors)}`;
    $("t-7").textContent = nf.format(s.totals.last7.hits);
    $("t-30").textContent = nf.format(s.totals.last30.hits);
    $("t-now").textContent = nf.format(s.rightNow.visitors);
    drawChart(s);
    const [b, u] = await Promise.all([
      api(`/breakdowns?${query()}&limit=10`),
      api(`/breakdowns?${query()}&dim=referrerUrls&limit=100`),
    ]);
    if (b.ok) drawBreakdowns({ ...(await b.json()), referrerUrls: u.ok ? (await u.json()).referrerUrls : [] });
    return s;
  }

  async function exportAs(format) {
    const r = await api(`/export.${format}?${query()}`);
    if (!r.ok) return;
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = `hitcounter-${id}-${$("from").value}-${$("to").value}.${format}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function settings() {
    const r = await api("");
    if (!r.ok) return;
    const c = await r.json();
    const f = $("settings-form");
    f.label.value = c.label;
    f.origins.value = c.origins.join(", ");
    f.timeZone.value = c.timeZone;
    f.dedupeSeconds.value = c.dedupeSeconds;
    f.show.value = c.show;
    f.public.checked = c.public;
    $("settings").hidden = false;
    await window.hcMilestones?.(api);
  }

  function say(text) {
    $("settings-msg").textContent = text;
  }

  async function patch(body) {
    const r = await api("", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const a = await r.json().catch(() => ({}));
    say(r.ok ? "Saved." : a.error ? a.error.message : `error ${r.status}`);
    if (r.ok) await load();
  }

  function setRange(days) {
    const today = zoneToday || new Date().toISOString().slice(0, 10);
    $("to").value = today;
    $("from").value = addDays(today, -(days - 1));
    load();
  }

  async function start() {
    await adoptLinkToken();
    // The first load takes the server's default range: the last 30 days in the counter's zone.
    const s = await load();
    if (!s) return;
    $("from").value = s.from;
    $("to").value = s.to;
    zoneToday = s.to;
    for (const b of document.querySelectorAll("[data-days]"))
      b.addEventListener("click", () => setRange(Number(b.dataset.days)));
    $("from").addEventListener("change", load);
    $("to").addEventListener("change", load);
    $("export-csv").addEventListener("click", () => exportAs("csv"));
    $("export-json").addEventListener("click", () => exportAs("json"));
    // The totals and who is online follow the live stream; without EventSource, a poll.
    if (typeof EventSource === "function") {
      new EventSource(`/c/${encodeURIComponent(id)}/live`).onmessage = (e) => {
        const f = JSON.parse(e.data);
        $("t-hits").textContent = nf.format(f.hits);
        $("t-visitors").textContent = nf.format(f.visitors);
        $("t-today").textContent = `${nf.format(f.today.hits)} / ${nf.format(f.today.visitors)}`;
        $("t-now").textContent = nf.format(f.online);
      };
    } else {
      setInterval(async () => {
        const r = await api(`/stats?${query()}`);
        if (r.ok) $("t-now").textContent = nf.format((await r.json()).rightNow.visitors);
      }, 15000);
    }
    if (!owner || !token) return;
    await settings();
    $("settings-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = ev.target;
      patch({
        label: f.label.value,
        origins: f.origins.value
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
        timeZone: f.timeZone.value,
        dedupeSeconds: Number(f.dedupeSeconds.value),
        show: f.show.value,
        public: f.public.checked,
      });
    });
    $("count-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      patch({ count: Number(ev.target.count.value) });
    });
    $("reset").addEventListener("click", async () => {
      if (!confirm("Reset all counts of this counter? Its settings stay.")) return;
      const r = await api("/reset", { method: "POST" });
      say(r.ok ? "Counts reset." : `error ${r.status}`);
      await load();
    });
    $("rotate").addEventListener("click", async () => {
      if (!confirm("Make a new admin token? The current one, and every admin link holding it, stops working.")) return;
      const r = await api("/token", { method: "POST" });
      const a = await r.json().catch(() => ({}));
      if (!r.ok) return say(a.error ? a.error.message : `error ${r.status}`);
      token = a.token;
      localStorage.setItem(key, token);
      $("new-link").textContent = `${location.origin}/dashboard/${id}#token=${token}`;
      $("new-token").hidden = false;
      say("New admin token made: keep the new admin link below.");
    });
    $("delete").addEventListener("click", async () => {
      if (!confirm("Delete this counter and everything counted for it? This cannot be undone.")) return;
      const r = await api("", { method: "DELETE" });
      if (r.status === 204) {
        localStorage.removeItem(key);
        location.href = "/";
      } else say(`error ${r.status}`);
    });
  }

  start();
})();
