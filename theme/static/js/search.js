// Static full-text search with Pagefind. Results are written as text, never as HTML.
// A classic script, not a module: opened from disk (file://) the browser still runs it, so the page
// can say that search needs a web server instead of doing nothing.
(() => {
  const siteRoot = new URL("../../", document.currentScript.src);
  const form = document.querySelector(".search-form");
  const input = document.querySelector("#search-query");
  const status = document.querySelector("#search-status");
  const list = document.querySelector("#search-results");
  const filterFields = [...form.querySelectorAll("select[name]")]; // Pagefind's filters: kind, status

  if (location.protocol === "file:") {
    status.textContent =
      "Search needs the site to be served by a web server: opened from disk, the browser will not load " +
      "the index. Browse the lists of claims, events and actors instead.";
    return;
  }

  function plainText(html) {
    return new DOMParser().parseFromString(html, "text/html").body.textContent || "";
  }

  function showResult(data) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    const facets = document.createElement("p");
    facets.className = "result-facets";
    facets.textContent = [data.meta.kind, data.meta.status && `Status: ${data.meta.status}`]
      .filter(Boolean)
      .join(" · ");
    const excerpt = document.createElement("p");
    excerpt.textContent = plainText(data.excerpt);
    item.append(link, facets, excerpt);
    list.append(item);
  }

  // The index is built in parts (pagefind/indexes.json lists them): load the first, merge the others.
  let loaded;
  function loadIndex() {
    loaded ||= (async () => {
      const manifest = await fetch(new URL("pagefind/indexes.json", siteRoot));
      if (!manifest.ok) throw new Error(`the search index is missing (${manifest.status})`);
      const parts = (await manifest.json()).indexes.map((part) => new URL(`pagefind/${part}`, siteRoot));
      if (!parts.length) return null; // a site without records yet
      const [first, ...others] = parts;
      const pagefind = await import(new URL("pagefind.js", first).href);
      await pagefind.options({ baseUrl: siteRoot.pathname });
      for (const part of others) await pagefind.mergeIndex(part.href, { baseUrl: siteRoot.pathname });
      return pagefind;
    })();
    return loaded;
  }

  let latest = 0; // a search started while another loads replaces it: only the latest one shows
  function chosenFilters() {
    const chosen = {};
    for (const field of filterFields) if (field.value) chosen[field.name] = field.value;
    return chosen;
  }

  function describe(query, filters) {
    const parts = query.trim() ? [`for “${query}”`] : [];
    const named = Object.entries(filters).map(([name, value]) => `${name}: ${value}`);
    if (named.length) parts.push(`(${named.join(", ")})`);
    return parts.join(" ");
  }

  async function search(query, filters) {
    const number = ++latest;
    list.replaceChildren();
    if (!query.trim() && !Object.keys(filters).length) {
      status.textContent = "Type some words and press Search.";
      return;
    }
    status.textContent = "Searching…";
    let pagefind;
    try {
      pagefind = await loadIndex();
    } catch (error) {
      loaded = undefined; // try again on the next search
      if (number === latest) {
        status.textContent = `Search is not available here: ${error.message}. Browse the lists of claims, events and actors instead.`;
      }
      return;
    }
    if (pagefind === null) {
      status.textContent = "Nothing to search: these fact sheets have no records yet.";
      return;
    }
    // No words but a filter: every page the filter keeps (Pagefind searches for null).
    const found = await pagefind.search(query.trim() ? query : null, { filters });
    const results = await Promise.all(found.results.slice(0, 20).map((result) => result.data()));
    if (number !== latest) return;
    results.forEach(showResult);
    const count = found.results.length;
    status.textContent = `${count} page${count === 1 ? "" : "s"} found ${describe(query, filters)}.`;
  }

  const asked = new URLSearchParams(location.search);
  input.value = asked.get("q") || "";
  for (const field of filterFields) {
    const wanted = asked.get(field.name);
    if ([...field.options].some((option) => option.value === wanted)) field.value = wanted;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const address = new URLSearchParams({ q: input.value, ...chosenFilters() });
    history.replaceState(null, "", `?${address}`);
    search(input.value, chosenFilters());
  });
  for (const field of filterFields) field.addEventListener("change", () => form.requestSubmit());
  search(input.value, chosenFilters());
})();
