// Ready-to-paste snippets for every embed of a counter, returned when it is created.

export interface Snippets {
  badge: string;
  markdown: string;
  digits: string;
  png: string;
  pixel: string;
  json: string;
  script: string;
}

/**
 * @example snippets("https://hits.example.org", "Ab3dEf9hIj_k", "visitors").badge
 *   // '<img src="https://hits.example.org/c/Ab3dEf9hIj_k.svg" alt="visitors">'
 */
export function snippets(base: string, id: string, label: string): Snippets {
  const alt = label.replace(/[&<>"']/g, "");
  const c = `${base}/c/${id}`;
  return {
    badge: `<img src="${c}.svg" alt="${alt}">`,
    markdown: `![${alt.replace(/[[\]]/g, "")}](${c}.svg)`,
    digits: `<img src="${c}.svg?style=digits&theme=odometer&digits=6" alt="${alt}">`,
    png: `<img src="${c}.png" alt="${alt}">`,
    pixel: `<img src="${c}.gif" alt="" width="1" height="1">`,
    json: `${c}.json`,
    script: `<span data-hitcounter></span>\n<script async src="${base}/counter.js" data-counter="${id}"></script>`,
  };
}
