// Static full-text search over the index the build writes in search/ (plugins/factsheets/search.py says
// its format). Results are written as text, never as HTML.
// A classic script, not a module: opened from disk (file://) the browser still runs it, so the page
// can say that search needs a web server instead of doing nothing.
(() => {
  const siteRoot = new URL("../../", document.currentScript.src);
  const indexRoot = new URL("search/", siteRoot);
  const form = document.querySelector(".search-form");
  const input = document.querySelector("#search-query");
  const status = document.querySelector("#search-status");
  const list = document.querySelector("#search-results");
  const more = document.querySelector("#search-more");
  const filterFields = [...form.querySelectorAll("select[name]")]; // the index's filters: kind, status
  const INDEX_FORMAT = 1;
  const TITLE_WEIGHT = 1000;
  const PER_SCREEN = 20;
  const EXCERPT_WORDS = 30;

  if (location.protocol === "file:") {
    status.textContent =
      "Search needs the site to be served by a web server: opened from disk, the browser will not load " +
      "the index. Browse the lists of claims, events and actors instead.";
    return;
  }

  // Words as the index keeps them (search.py's folded_words): lower case, accents dropped, an apostrophe
  // between letters dropped (м'ясо, мʼясо and мясо are one word), split at anything but letters and digits.
  const MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
  const APOSTROPHES = /(?<=[\p{L}\p{N}])['\u2019\u02bc](?=[\p{L}\p{N}])/gu;
  const WORD = /[\p{L}\p{N}]+/gu;
  const fold = (text) =>
    text.toLowerCase().normalize("NFKD").replace(MARKS, "").toLowerCase().replace(APOSTROPHES, "");
  const foldedWords = (text) => fold(text).match(WORD) || [];
  // A query word finds the words that start with it; one ending in s (over three letters) also finds the
  // words without it: "prisoners" finds "prisoner".
  const prefixOf = (word) => (word.length > 3 && word.endsWith("s") ? word.slice(0, -1) : word);

  // The index's files, fetched once each for the build index.json names (a new build empties the map). Each
  // address carries the build's id, so that no cache mixes the files of two builds.
  let files = new Map();
  let build = null;
  function load(path) {
    if (!files.has(path)) {
      files.set(
        path,
        fetch(new URL(`${path}?build=${build}`, indexRoot)).then((response) => {
          if (!response.ok) throw new Error(`the search index is missing (${response.status})`);
          return response.json();
        }),
      );
    }
    return files.get(path).catch((error) => {
      files.delete(path); // try again on the next search
      throw error;
    });
  }

  // index.json, asked again at each search (revalidated, so usually not downloaded again): after a new build
  // is published, the next search reads the new files.
  let current = null; // the manifest of the build whose files are in `files`
  async function manifest() {
    const response = await fetch(new URL("index.json", indexRoot), { cache: "no-cache" });
    if (!response.ok) throw new Error(`the search index is missing (${response.status})`);
    const index = await response.json();
    if (index.format !== INDEX_FORMAT) throw new Error("the search index is of another version: reload the page");
    if (index.build !== build) {
      files = new Map();
      build = index.build;
      // A key that was split further holds only the word equal to it: no longer word is found there. The keys
      // come sorted, so the longer keys a key starts come right after it.
      index.split = new Set(index.keys.filter((key, at) => (index.keys[at + 1] || "").startsWith(key)));
      current = index;
    }
    return current;
  }

  const fileName = (key) => [...key].map((character) => character.codePointAt(0).toString(16)).join("-");

  // Each document holding a word that starts with the query word's prefix, and its score: for each such word,
  // the rarer the word the more it counts (idf); the more often it stands in the text the more, up to a limit
  // (Okapi BM25's saturation, k1 = 1.2), and the larger its share of the title the more: a name is found
  // first on its own page. The word itself counts double, a longer one once. A weight is the word's share
  // of the title in hundredths times TITLE_WEIGHT plus its count in the text (search.py).
  // A word of one letter finds only itself (a prefix of one letter would fetch every file under it).
  async function documentsWith(index, word) {
    const prefix = prefixOf(word);
    const exact = word.length === 1;
    const needed = (key) =>
      exact ? key === word : key.startsWith(prefix) || (prefix.startsWith(key) && !index.split.has(key));
    const keys = index.keys.filter(needed);
    const scores = new Map();
    for (const words of await Promise.all(keys.map((key) => load(`words/${fileName(key)}.json`)))) {
      for (const [found, numbers] of Object.entries(words)) {
        if (exact ? found !== word : !found.startsWith(prefix)) continue;
        const holders = numbers.length / 2;
        const rarity = Math.log(1 + (index.documents - holders + 0.5) / (holders + 0.5));
        const bonus = found === word || found === prefix ? 2 : 1;
        let documentNumber = 0;
        for (let at = 0; at < numbers.length; at += 2) {
          documentNumber += numbers[at];
          const inText = numbers[at + 1] % TITLE_WEIGHT;
          const titleShare = Math.floor(numbers[at + 1] / TITLE_WEIGHT) / 100;
          const score = bonus * rarity * ((inText * 2.2) / (inText + 1.2) + 6 * Math.sqrt(titleShare));
          scores.set(documentNumber, (scores.get(documentNumber) || 0) + score);
        }
      }
    }
    return scores;
  }

  async function documentsKept(filters) {
    const byFilter = await load("filters.json");
    let kept = null;
    for (const [name, value] of Object.entries(filters)) {
      const runs = (byFilter[name] || {})[value] || [];
      const these = new Set();
      for (let at = 0; at < runs.length; at += 2) {
        for (let number = runs[at]; number < runs[at] + runs[at + 1]; number += 1) these.add(number);
      }
      kept = kept === null ? these : new Set([...kept].filter((number) => these.has(number)));
    }
    return kept;
  }

  // Every document with all the query's words (each word's weights added up), best first; with no words,
  // every document the filters keep, in the site's order.
  async function find(query, filters) {
    const index = await manifest();
    if (!index.documents) return null;
    let words = [...new Set(foldedWords(query))];
    if (words.some((word) => word.length > 1)) words = words.filter((word) => word.length > 1);
    const kept = Object.keys(filters).length ? await documentsKept(filters) : null;
    let scores = null;
    for (const found of await Promise.all(words.map((word) => documentsWith(index, word)))) {
      if (scores === null) scores = found;
      else scores = new Map([...scores].filter(([number]) => found.has(number)).map(([n, s]) => [n, s + found.get(n)]));
    }
    if (scores === null) scores = new Map([...(kept || [])].map((number) => [number, 0]));
    let ranked = [...scores].filter(([number]) => kept === null || kept.has(number));
    ranked.sort(([a, scoreA], [b, scoreB]) => scoreB - scoreA || a - b);
    return { index, numbers: ranked.map(([number]) => number), prefixes: words.map(prefixOf) };
  }

  async function documentAt(index, number) {
    const perFile = index.documents_per_file;
    const rows = await load(`documents/${Math.floor(number / perFile)}.json`);
    const [address, title, kind, claimStatus, text] = rows[number % perFile];
    return { address, title, kind, status: claimStatus, text };
  }

  // The words around the first word found, those found marked.
  function excerpt(text, prefixes) {
    const tokens = [...text.matchAll(WORD)];
    const isFound = (token) =>
      prefixes.some((prefix) => (prefix.length === 1 ? fold(token[0]) === prefix : fold(token[0]).startsWith(prefix)));
    const first = Math.max(0, tokens.findIndex(isFound));
    const start = Math.max(0, first - Math.floor(EXCERPT_WORDS / 3));
    const shown = tokens.slice(start, start + EXCERPT_WORDS);
    const paragraph = document.createElement("p");
    if (!shown.length) return paragraph;
    let position = start > 0 ? shown[0].index : 0; // from the text's start: an opening quotation mark
    if (start > 0) paragraph.append("… ");
    for (const token of shown) {
      paragraph.append(text.slice(position, token.index));
      if (isFound(token)) {
        const mark = document.createElement("mark");
        mark.textContent = token[0];
        paragraph.append(mark);
      } else paragraph.append(token[0]);
      position = token.index + token[0].length;
    }
    if (start + EXCERPT_WORDS < tokens.length) paragraph.append(" …");
    else paragraph.append(text.slice(position)); // to its end: a closing quotation mark
    return paragraph;
  }

  function showResult(data, prefixes) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = new URL(data.address, siteRoot).href;
    link.textContent = data.title || data.address;
    const facets = document.createElement("p");
    facets.className = "result-facets";
    facets.textContent = [data.kind, data.status && `Status: ${data.status}`].filter(Boolean).join(" · ");
    const words = excerpt(data.text, prefixes);
    words.className = "result-excerpt";
    item.append(link, facets, words);
    list.append(item);
  }

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

  let latest = 0; // a search started while another loads replaces it: only the latest one shows
  let showMore = null;

  async function showFrom(found, from, number) {
    const shown = found.numbers.slice(from, from + PER_SCREEN);
    const documents = await Promise.all(shown.map((at) => documentAt(found.index, at)));
    if (number !== latest) return;
    for (const data of documents) showResult(data, found.prefixes);
    const left = found.numbers.length - from - shown.length;
    more.hidden = left <= 0;
    more.textContent = `Show ${Math.min(left, PER_SCREEN)} more of ${left}`;
    showMore = () => showFrom(found, from + PER_SCREEN, number);
  }

  async function search(query, filters) {
    const number = ++latest;
    list.replaceChildren();
    more.hidden = true;
    if (!foldedWords(query).length && !Object.keys(filters).length) {
      status.textContent = "Type some words and press Search.";
      return;
    }
    status.textContent = "Searching…";
    let found;
    try {
      found = await find(query, filters);
      if (found !== null) await showFrom(found, 0, number);
    } catch (error) {
      if (number === latest) {
        status.textContent = `Search is not available here: ${error.message}. Browse the lists of claims, events and actors instead.`;
      }
      return;
    }
    if (number !== latest) return;
    if (found === null) {
      status.textContent = "Nothing to search: these fact sheets have no records yet.";
      return;
    }
    const count = found.numbers.length;
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
  // One click, one screen more: the button is off until the next results are shown (or failed to load).
  more.addEventListener("click", async () => {
    const next = showMore;
    if (!next) return;
    showMore = null;
    more.disabled = true;
    try {
      await next();
    } catch (error) {
      status.textContent = `More results could not be loaded: ${error.message}. Search again to retry.`;
    } finally {
      more.disabled = false;
    }
  });
  for (const field of filterFields) field.addEventListener("change", () => form.requestSubmit());
  search(input.value, chosenFilters());
})();
