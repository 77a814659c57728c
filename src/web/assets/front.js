// The front page: create a counter in one step, then show every embed with a live preview and
// a copy button, and the admin link (shown once). Previews use count=false so looking at them
// does not count. All text goes in with textContent, never as markup.
(() => {
  const form = document.getElementById("create");
  const error = document.getElementById("create-error");
  const origin = location.origin;

  function el(tag, props = {}, children = []) {
    const e = document.createElement(tag);
    Object.assign(e, props);
    for (const c of children) e.append(c);
    return e;
  }

  function copyButton(text) {
    const b = el("button", { type: "button", textContent: "Copy" });
    b.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text);
        b.textContent = "Copied";
      } catch {
        b.textContent = "Select and copy";
      }
    });
    return b;
  }

  function embed(title, snippet, preview) {
    const box = el("div", { className: "card embed" }, [el("h3", { textContent: title })]);
    if (preview) box.append(el("div", { className: "preview" }, [preview]));
    box.append(el("div", { className: "snippet" }, [el("code", { textContent: snippet }), copyButton(snippet)]));
    return box;
  }

  function hostOf(site) {
    const s = site.trim();
    if (!s) return "";
    try {
      return new URL(s.includes("://") ? s : `https://${s}`).hostname;
    } catch {
      return s;
    }
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const data = new FormData(form);
    const label = String(data.get("label") || "visitors");
    const host = hostOf(String(data.get("site") || ""));
    const body = { label, public: data.get("public") === "on" };
    if (host) body.origins = [host];
    const r = await fetch("/api/counters", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await r.json().catch(() => ({}));
    if (r.status !== 201) {
      error.textContent = answer.error ? answer.error.message : `could not create the counter (${r.status})`;
      error.hidden = false;
      return;
    }
    const { id, token } = answer;
    const color = encodeURIComponent(String(data.get("color")));
    const theme = encodeURIComponent(String(data.get("theme")));
    const labelQ = encodeURIComponent(label);
    const base = `${origin}/c/${id}`;
    const img = (src, alt) => el("img", { src, alt });
    const adminUrl = `${origin}/dashboard/${id}#token=${token}`;
    document.getElementById("admin-url").textContent = adminUrl;
    document.getElementById("admin-link").href = adminUrl;
    document.querySelector("[data-copy=admin-url]").replaceWith(copyButton(adminUrl));
    const list = document.getElementById("embeds");
    list.replaceChildren(
      embed(
        "SVG badge",
        `<img src="${base}.svg?color=${color}&label=${labelQ}" alt="${label.replace(/"/g, "&quot;")}">`,
        img(`${base}.svg?count=false&color=${color}&label=${labelQ}`, "badge preview"),
      ),
      embed(
        "Markdown badge (README)",
        `![${label}](${base}.svg?color=${color}&label=${labelQ})`,
        img(`${base}.svg?count=false&color=${color}&label=${labelQ}`, "badge preview"),
      ),
      embed(
        `Digit counter (${decodeURIComponent(theme)})`,
        `<img src="${base}.svg?style=digits&theme=${theme}&digits=6" alt="hits">`,
        img(`${base}.svg?count=false&style=digits&theme=${theme}&digits=6`, "digits preview"),
      ),
      embed(
        "PNG",
        `<img src="${base}.png?color=${color}&label=${labelQ}" alt="visitors">`,
        img(`${base}.png?count=false&color=${color}&label=${labelQ}`, "PNG preview"),
      ),
      embed(
        "Script",
        `<script async src="${origin}/counter.js" data-counter="${id}"></script>\nYou are visitor #<span data-hitcounter></span>`,
      ),
      embed("Invisible pixel", `<img src="${base}.gif" width="1" height="1" alt="">`),
      embed("JSON", `fetch("${base}.json").then((r) => r.json())`),
    );
    document.getElementById("result").hidden = false;
    document.getElementById("result").scrollIntoView();
  });
})();
