// Static full-text search with Pagefind. Results are written as text, never as HTML.
// A classic script, not a module: opened from disk (file://) the browser still runs it, so the page
// can say that search needs a web server instead of doing nothing.
(() => {
  const siteRoot = new URL("../../", document.currentScript.src);
  const form = document.querySelector(".search-form");
  const input = document.querySelector("#search-query");
  const status = document.querySelector("#search-status");
  const list = document.querySelector("#search-results");

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
    const excerpt = document.createElement("p");
    excerpt.textContent = plainText(data.excerpt);
    item.append(link, excerpt);
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
  async function search(query) {
    const number = ++latest;
    list.replaceChildren();
    if (!query.trim()) {
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
    const found = await pagefind.search(query);
    const results = await Promise.all(found.results.slice(0, 20).map((result) => result.data()));
    if (number !== latest) return;
    results.forEach(showResult);
    const count = found.results.length;
    status.textContent = `${count} page${count === 1 ? "" : "s"} found for “${query}”.`;
  }

  const query = new URLSearchParams(location.search).get("q") || "";
  input.value = query;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.replaceState(null, "", `?q=${encodeURIComponent(input.value)}`);
    search(input.value);
  });
  search(query);
})();
