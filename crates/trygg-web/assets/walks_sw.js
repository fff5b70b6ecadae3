// Trygg: the safety walks' service worker (scope /walks/). Walk pages (and
// their script) are kept as they are fetched, so that a walk can be opened without a
// connection; a finding posted without a connection is kept on the device
// (IndexedDB) and sent when the page tells that the connection is back.
'use strict';

var CACHE = 'trygg-walks-v2';
var DB = 'trygg-walks';
var QUEUE = 'findings';

function open() {
  return new Promise(function (resolve, reject) {
    var r = indexedDB.open(DB, 1);
    r.onupgradeneeded = function () { r.result.createObjectStore(QUEUE, { autoIncrement: true }); };
    r.onsuccess = function () { resolve(r.result); };
    r.onerror = function () { reject(r.error); };
  });
}

// Runs `f` on the queue in one transaction; resolves with what `f` returns once it has completed.
function withQueue(mode, f) {
  return open().then(function (db) {
    return new Promise(function (resolve, reject) {
      var t = db.transaction(QUEUE, mode);
      var out = f(t.objectStore(QUEUE));
      t.oncomplete = function () { resolve(out); };
      t.onerror = function () { reject(t.error); };
    });
  });
}

function entries() {
  return withQueue('readonly', function (store) {
    var out = [];
    store.openCursor().onsuccess = function (e) {
      var c = e.target.result;
      if (c) { out.push({ key: c.key, value: c.value }); c.continue(); }
    };
    return out;
  });
}

function remove(key) {
  return withQueue('readwrite', function (store) { store.delete(key); });
}

// Sends the kept findings in order; stops at the first that cannot reach the server.
// A finding the server refused stays kept (and counted) rather than being lost.
function flush() {
  return entries().then(function (list) {
    var sent = 0;
    var next = function (i) {
      if (i >= list.length) return { sent: sent, kept: list.length - sent };
      var e = list[i].value;
      return fetch(e.url, {
        method: 'POST', headers: { 'content-type': e.type }, body: e.body,
        credentials: 'same-origin', redirect: 'manual'
      }).then(function (res) {
        if (res.type === 'opaqueredirect' || res.ok) {
          sent += 1;
          return remove(list[i].key).then(function () { return next(i + 1); });
        }
        return next(i + 1);
      }, function () {
        return { sent: sent, kept: list.length - sent };
      });
    };
    return next(0);
  });
}

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener('fetch', function (event) {
  var req = event.request;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf('/walks') !== 0) return;
  // Pages, and the page script that sends kept findings when the connection returns.
  if (req.method === 'GET' && (req.mode === 'navigate' || url.pathname === '/walks/offline.js')) {
    event.respondWith(fetch(req).then(function (res) {
      if (res.ok) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { return c.put(url.pathname, copy); });
      }
      return res;
    }, function () {
      return caches.match(url.pathname).then(function (r) { return r || Response.error(); });
    }));
    return;
  }
  if (req.method === 'POST' && /^\/walks\/\d+\/findings$/.test(url.pathname)) {
    var copy = req.clone();
    event.respondWith(fetch(req).catch(function () {
      return copy.arrayBuffer().then(function (body) {
        var entry = { url: url.pathname, type: copy.headers.get('content-type'), body: body, at: Date.now() };
        return withQueue('readwrite', function (store) { store.add(entry); });
      }).then(function () {
        return Response.redirect(url.pathname.replace(/\/findings$/, '') + '?queued=1', 303);
      });
    }));
  }
});

// The page asks `flush` (when online) or `count`; the answer is { sent, kept }.
self.addEventListener('message', function (event) {
  var reply = function (r) { if (event.source) event.source.postMessage(r); };
  if (event.data === 'flush') {
    event.waitUntil(flush().then(reply));
  } else if (event.data === 'count') {
    event.waitUntil(entries().then(function (l) { reply({ sent: 0, kept: l.length }); }));
  }
});
