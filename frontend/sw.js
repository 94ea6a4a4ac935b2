// Offline app shell. Entries live in browser storage, but without this a phone
// with no connection could not even load the page to reach them: the browser
// would show its own "site can't be reached" error.
//
// It caches index.html and the hashed assets it references, and answers page
// loads from that cache only when the network fails. API calls are never
// touched, so the app still sees the server as unreachable and says so.
//
// Updates: the worker holds only the app's code, never an entry. Entries and
// the documents live in localStorage, written by the app itself, and the app
// migrates their stored format (versioned, see storage.rs) when a new version
// first starts. So replacing this cache can never strand an unsynced entry.
// VERSION names the cache layout; a worker with a new one deletes the others.

const VERSION = 2;
const CACHE = `sanlian-shell-v${VERSION}`;
const SHELL = "/";
const ASSET = /["'](\/[^"'?#]+\.(?:js|wasm|css|webmanifest|png))["']/g;
// Referenced from the manifest rather than the page, so listed here.
const EXTRA = ["/manifest.webmanifest", "/icons/icon-192.png", "/icons/icon-512.png"];

// Keeps the shell and exactly the assets it references, so a new deploy's
// bundle replaces the old one instead of piling up next to it.
async function remember(shell) {
  const cache = await caches.open(CACHE);
  const html = await shell.clone().text();
  const assets = [...new Set([...[...html.matchAll(ASSET)].map((m) => m[1]), ...EXTRA])];
  for (const asset of assets) {
    if (!(await cache.match(asset))) {
      await cache.add(asset);
    }
  }
  await cache.put(SHELL, shell);
  const keep = new Set([SHELL, ...assets].map((p) => new URL(p, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (!keep.has(request.url)) {
      await cache.delete(request);
    }
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    fetch(SHELL, { cache: "no-cache" })
      .then((shell) => {
        if (!shell.ok) throw new Error(`shell: HTTP ${shell.status}`);
        return remember(shell);
      })
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // Controls the page that installed it, so a first visit is enough to work offline.
  // Caches of older layouts go only now, once this version's shell is complete.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request)
        .then((response) => {
          const isShell = response.ok && (response.headers.get("content-type") || "").startsWith("text/html");
          if (isShell) {
            event.waitUntil(remember(response.clone()).catch(() => {}));
          }
          return response;
        })
        .catch(async (error) => (await caches.match(SHELL)) || Promise.reject(error)),
    );
  } else {
    // Hashed file names: a cached copy is the right copy.
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});
