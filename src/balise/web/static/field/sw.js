// The field app's service worker: keeps the page and its files so "Ma journée" opens
// without network. It never answers a write: POST /api/sync always goes to the server
// (what waits is in IndexedDB, not in this worker), and it never keeps other pages.
const VERSION = "balise-field-2";
const PAGE = "/field";
const FILES = [
  "/static/balise.css",
  "/static/htmx.min.js",
  "/static/field/field.css",
  "/static/field/app.js",
  "/static/field/store.js",
  "/static/field/sync.js",
];
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    await cache.addAll(FILES);
    // The page needs the session's cookie; a redirect (to the login page) is not kept.
    const page = await fetch(PAGE, { credentials: "same-origin", redirect: "manual" });
    if (page.ok && page.type === "basic") await cache.put(PAGE, page);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
    await self.clients.claim();
  })());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

// The page: the network first (a fresh page, a fresh token), the kept copy when the
// network fails or is too slow — a weak signal in a basement must not hang the worker.
async function page(request) {
  const cache = await caches.open(VERSION);
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (response.ok && response.type === "basic" && !response.redirected) {
      await cache.put(PAGE, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(PAGE);
    if (kept) return kept;
    throw error;
  }
}

// The files: the kept copy at once, refreshed in the background for next time.
async function file(request, event) {
  const cache = await caches.open(VERSION);
  const kept = await cache.match(request, { ignoreSearch: true });
  const refresh = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(refresh.catch(() => undefined));
    return kept;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE && request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (FILES.includes(url.pathname)) {
    event.respondWith(file(request, event));
  }
});
