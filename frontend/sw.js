// Offline app shell. Entries live in browser storage, but without this a phone
// with no connection could not even load the page to reach them: the browser
// would show its own "site can't be reached" error.
//
// It caches index.html and the hashed assets it references, and answers page
// loads from that cache first: a repeat start costs no network at all. API calls
// are never touched, so the app still sees the server as unreachable and says so.
//
// New versions: every server response names the app version it serves
// (`x-app-version`, also stored with the cached page). When the running app sees
// a sync answered by a newer version, it re-fetches this worker and asks the
// worker in charge to refresh the shell ("refresh" message), then offers
// 新版本可用 — the next start opens the new version. The browser's own update
// check reads this file through the HTTP cache (registered with
// updateViaCache: 'all', served with a max-age), so it costs no request either.
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
  const assets = [...new Set([...[...html.matchAll(ASSET)].map((m) => m[1]), ...EXTRA])].filter((a) => a !== "/sw.js");
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
  // The worker script itself comes from the network (the HTTP cache), so the app's
  // re-fetch of it on a new version is never answered with the old copy.
  const own = url.pathname === "/sw.js";
  // The county office console (/office) is another app, online only: its pages and
  // assets come from the network, never this phone shell.
  const office = url.pathname === "/office" || url.pathname.startsWith("/office/");
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/") || own || office) {
    return;
  }
  if (request.mode === "navigate") {
    // Every route of the single-page app is the same shell.
    event.respondWith(
      caches.match(SHELL).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            const isShell = response.ok && (response.headers.get("content-type") || "").startsWith("text/html");
            if (isShell) {
              event.waitUntil(remember(response.clone()).catch(() => {}));
            }
            return response;
          }),
      ),
    );
  } else {
    // Hashed file names: a cached copy is the right copy.
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// From the app: a new version was seen; fetch the shell and its assets anew. Replies
// with the version now cached, or an error text (no network: the app tries again).
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "refresh" || !event.ports[0]) return;
  const port = event.ports[0];
  event.waitUntil(
    fetch(SHELL, { cache: "no-cache" })
      .then((shell) => {
        if (!shell.ok) throw new Error(`shell: HTTP ${shell.status}`);
        const version = shell.headers.get("x-app-version");
        return remember(shell).then(() => port.postMessage({ version }));
      })
      .catch((error) => port.postMessage({ error: String(error) })),
  );
});
