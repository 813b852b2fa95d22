/// <reference lib="webworker" />
// The app's service worker: keeps every file of the build in the Cache API so that the app works
// offline after its first visit (backends, the demo model, the bundled corpus, the GPT-2 tokenizer).
// The build prepends `const PRECACHE = { cache, files }` (src/build/offline-precache.ts): the cache
// name carries a hash of every file's contents, so a new build installs a new cache and drops the old.
/* global PRECACHE */

const ROOT = new URL('./', self.location.href);
const PRECACHED = new Set(PRECACHE.files.map((file) => new URL(file, ROOT).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(PRECACHE.cache)
      .then((cache) => cache.addAll([...PRECACHED]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith('md4-app-') && n !== PRECACHE.cache).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

// Files of the build come from the cache (they change only with a new build, and so a new cache);
// everything else (checkpoints from other folders or sites) goes to the network untouched.
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  if (!PRECACHED.has(url.href)) return;
  event.respondWith(
    caches
      .open(PRECACHE.cache)
      .then((cache) => cache.match(url.href))
      .then((cached) => cached ?? fetch(request)),
  );
});
