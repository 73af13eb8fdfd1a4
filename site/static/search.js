// Full-text search over the built pages with Pagefind (its index and wasm are files
// of this site; nothing is fetched from elsewhere). The page works without this
// script: the exact lookup and the listings need no JavaScript.
const form = document.getElementById("search");
const input = document.getElementById("search-q");
const results = document.getElementById("results");
const lang = document.documentElement.lang;
let pagefind;

async function search(query) {
  pagefind ??= await import("/pagefind/pagefind.js");
  const found = await pagefind.search(query);
  const items = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
  const list = document.createElement("ol");
  for (const item of items) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = item.url;
    a.textContent = item.meta.title || item.url;
    const excerpt = document.createElement("div");
    excerpt.className = "muted";
    // Pagefind marks the matches with <mark>; keep only that markup.
    excerpt.textContent = item.excerpt.replace(/<[^>]+>/g, "");
    li.append(a, excerpt);
    list.append(li);
  }
  results.replaceChildren(list);
  results.dataset.count = String(found.results.length);
  results.setAttribute("data-lang", lang);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value.trim();
  if (!query) return;
  history.replaceState(null, "", `?q=${encodeURIComponent(query)}`);
  search(query);
});

const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  search(initial);
}
