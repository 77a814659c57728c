// The dashboard's milestone webhook: the owner's form (URL, single milestones, every N) and the
// latest deliveries with their failures. Called by dashboard.js with its API function once the
// owner's settings are shown. The secret is shown once, when the webhook is first set. Values
// from the API go in with textContent, never as markup.
window.hcMilestones = async (api) => {
  const $ = (x) => document.getElementById(x);
  const f = $("milestones-form");
  const nf = new Intl.NumberFormat();

  function show(m, deliveries) {
    f.url.value = m ? m.url : "";
    f.at.value = m ? m.at.join(", ") : "";
    f.every.value = m?.every ? m.every : "";
    const list = $("deliveries");
    list.replaceChildren();
    for (const d of deliveries) {
      const li = document.createElement("li");
      const when = new Date(d.at).toLocaleString();
      let text = `${nf.format(d.milestone)} — ${d.status} (${when})`;
      if (d.status !== "delivered" && d.lastError) text += `: ${d.lastError}, ${d.attempts} attempts`;
      li.textContent = text;
      if (d.status !== "delivered") li.className = "failing";
      list.append(li);
    }
    $("deliveries-none").hidden = deliveries.length > 0;
  }

  async function refresh() {
    const r = await api("/milestones");
    if (!r.ok) return;
    const s = await r.json();
    show(s.milestones, s.deliveries);
  }

  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const url = f.url.value.trim();
    const at = f.at.value
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)
      .map(Number);
    const milestones = url ? { url, at, every: Number(f.every.value || 0) } : null;
    const r = await api("", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ milestones }),
    });
    const a = await r.json().catch(() => ({}));
    $("milestones-msg").textContent = r.ok ? "Saved." : a.error ? a.error.message : `error ${r.status}`;
    if (a.webhookSecret) {
      $("milestones-secret").hidden = false;
      $("milestones-secret-value").textContent = a.webhookSecret;
    }
    if (r.ok) await refresh();
  });
  $("milestones").hidden = false;
  await refresh();
};
