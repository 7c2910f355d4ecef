// Static full-text search with Pagefind. Results are written as text, never as HTML.
const siteRoot = new URL("../../", import.meta.url);
const form = document.querySelector(".search-form");
const input = document.querySelector("#search-query");
const status = document.querySelector("#search-status");
const list = document.querySelector("#search-results");

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

async function search(query) {
  list.replaceChildren();
  if (!query.trim()) {
    status.textContent = "Type some words and press Search.";
    return;
  }
  status.textContent = "Searching…";
  const pagefind = await import(new URL("pagefind/pagefind.js", siteRoot).href);
  await pagefind.options({ baseUrl: siteRoot.pathname });
  const found = await pagefind.search(query);
  const results = await Promise.all(found.results.slice(0, 20).map((result) => result.data()));
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
