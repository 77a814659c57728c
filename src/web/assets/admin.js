// The operator's page (/admin): the counters of this server by today's hits or by creation,
// with the share of their hits refused and why, and block, unblock and delete for each. The
// ADMIN_TOKEN is typed in (or arrives once in #token=…) and kept in this tab's sessionStorage
// only; it is sent as Authorization: Bearer. Values are put in with textContent, never markup.
(() => {
  const KEY = "hitcounter-admin-token";
  const $ = (x) => document.getElementById(x);
  const nf = new Intl.NumberFormat();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromHash) {
    sessionStorage.setItem(KEY, fromHash);
    history.replaceState(null, "", location.pathname);
  }

  async function api(path, init = {}) {
    const headers = { authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}` };
    return fetch(`/api/admin/counters${path}`, { ...init, headers });
  }

  function say(text) {
    $("admin-msg").textContent = text;
  }

  function cell(text, numeric) {
    const td = document.createElement("td");
    td.textContent = text;
    if (numeric) td.className = "n";
    return td;
  }

  function refusedText(refused) {
    const parts = Object.entries(refused).map(([r, share]) => `${r} ${(share * 100).toFixed(0)}%`);
    return parts.length ? parts.join(", ") : "—";
  }

  async function act(id, action) {
    if (action === "delete" && !confirm(`Delete counter ${id} and everything counted for it?`)) return;
    const r =
      action === "delete"
        ? await api(`/${id}`, { method: "DELETE" })
        : await api(`/${id}/${action}`, { method: "POST" });
    const a = await r.json().catch(() => ({}));
    say(r.ok ? `${action}: ${id}` : a.error ? a.error.message : `error ${r.status}`);
    await list();
  }

  async function list() {
    const r = await api(`?sort=${$("sort").value}&limit=100`);
    const a = await r.json().catch(() => ({}));
    if (!r.ok) {
      $("list").hidden = true;
      $("login").hidden = false;
      return say(a.error ? a.error.message : `error ${r.status}`);
    }
    $("login").hidden = true;
    $("list").hidden = false;
    $("day").textContent = a.day;
    const body = $("rows");
    body.replaceChildren();
    for (const c of a.counters) {
      const tr = document.createElement("tr");
      tr.dataset.id = c.id;
      const buttons = document.createElement("td");
      for (const action of [c.blocked ? "unblock" : "block", "delete"]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = action;
        b.dataset.action = action;
        b.addEventListener("click", () => act(c.id, action));
        buttons.append(b);
      }
      tr.append(
        cell(c.id),
        cell(c.label),
        cell(c.createdAt.slice(0, 16).replace("T", " ")),
        cell(nf.format(c.hitsToday), true),
        cell(nf.format(c.hits), true),
        cell(refusedText(c.refused)),
        cell(c.blocked ? "blocked" : "active"),
        buttons,
      );
      body.append(tr);
    }
  }

  $("login").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(KEY, ev.target.token.value.trim());
    list();
  });
  $("sort").addEventListener("change", list);
  if (sessionStorage.getItem(KEY)) list();
})();
