// The source of GET /counter.js: the script embed. It reports the page path and referrer with
// POST /api/hit (text/plain, so no CORS preflight and no cookies), writes the figures into
// elements marked data-hitcounter (hits, visitors, today or online), with data-spa="true" counts
// single-page-app route changes, and with data-live="true" keeps those elements current from
// the live stream (GET /c/{id}/live; nothing where EventSource is missing). Kept small and
// dependency-free: it runs on other people's pages.

export const COUNTER_JS = `(function () {
  var s = document.currentScript;
  if (!s) return;
  var id = s.getAttribute("data-counter");
  if (!id) return;
  var base = new URL(s.src, location.href).origin;
  var last = null;
  var live = null;
  function put(d) {
    var els = document.querySelectorAll("[data-hitcounter]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      var only = el.getAttribute("data-counter");
      if (only && only !== id) continue;
      var what = el.getAttribute("data-hitcounter");
      var n = what === "visitors" ? d.visitors : what === "today" ? d.today.hits : what === "online" ? d.online : d.hits;
      if (n !== undefined) el.textContent = Number(n).toLocaleString();
    }
  }
  function follow() {
    if (live || s.getAttribute("data-live") !== "true" || typeof EventSource !== "function") return;
    live = new EventSource(base + "/c/" + encodeURIComponent(id) + "/live");
    live.onmessage = function (e) {
      try { put(JSON.parse(e.data)); } catch (err) {}
    };
    live.addEventListener("gone", function () { live.close(); });
  }
  function hit() {
    var path = location.pathname;
    if (path === last) return;
    last = path;
    fetch(base + "/api/hit", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ counter: id, path: path, referrer: document.referrer }),
      credentials: "omit",
      keepalive: true
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) put(d); follow(); })
      .catch(follow);
  }
  hit();
  if (s.getAttribute("data-spa") === "true") {
    ["pushState", "replaceState"].forEach(function (m) {
      var orig = history[m];
      history[m] = function () {
        var r = orig.apply(this, arguments);
        setTimeout(hit, 0);
        return r;
      };
    });
    addEventListener("popstate", hit);
  }
})();
`;
