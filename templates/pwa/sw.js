// WalkBack's service worker (served by coaching/portal/pwa.py at /sw.js). How it works and its
// limits: docs/offline.md. It keeps on the phone only:
//   - the static files every patient page needs (CSS, JS, icons);
//   - the last good copy of the patient's home and of "Log a walk";
//   - walks logged without signal, until they are sent.
// Logging out deletes all three. Staff pages are never cached. It also shows push notifications.
"use strict";
var CONFIG = {{ config|safe }};
{% verbatim %}
var VERSION = "__VERSION__";
var SHELL_CACHE = "walkback-shell-" + VERSION;
var PAGES_CACHE = "walkback-pages";
var DB_NAME = "walkback";
var STORE = "walks-waiting";
var SYNC_WALKS = "send-walks";
var SYNC_LOGOUT = "logout";
// A page that has not answered in this time is taken from the saved copy (weak signal often
// means a request that hangs rather than one that fails).
var PAGE_TIMEOUT_MS = 10000;

// --- Install and activate ------------------------------------------------------------------

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) { return cache.addAll(CONFIG.shell); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("walkback-shell-") === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

// --- Requests ------------------------------------------------------------------------------

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === CONFIG.walkForm) {
    event.respondWith(postWalk(request));
  } else if (request.method === "POST" && url.pathname === CONFIG.logout) {
    event.respondWith(logOut(request));
  } else if (request.method === "GET" && request.mode === "navigate"
             && CONFIG.pages.indexOf(url.pathname) !== -1) {
    event.respondWith(patientPage(request, url.pathname));
  } else if (request.method === "GET" && url.pathname === CONFIG.catalog) {
    event.respondWith(catalogFile(request));
  } else if (request.method === "GET" && CONFIG.shell.indexOf(url.pathname) !== -1) {
    event.respondWith(shellFile(request));
  }
  // Everything else (every staff page, every other patient page) goes to the network as if
  // there were no worker.
});

function shellFile(request) {
  // caches.match, not caches.open: after logging out no cache is created again.
  return caches.match(request, { cacheName: SHELL_CACHE }).then(function (hit) {
    return hit || fetch(request);
  });
}

// The words of static/walkback/*.js in the page's language (Django's JavaScript catalogue):
// fresh when there is signal, the last copy when there is none, so a saved page still speaks
// the patient's language. It holds nothing about the patient.
function catalogFile(request) {
  return fetchWithTimeout(request, PAGE_TIMEOUT_MS).then(function (response) {
    if (!response.ok) { return response; }
    var copy = response.clone();
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(CONFIG.catalog, copy);
    }).then(function () { return response; });
  }).catch(function () {
    return caches.match(CONFIG.catalog, { cacheName: PAGES_CACHE }).then(function (hit) {
      return hit || new Response("", { headers: { "Content-Type": "text/javascript" } });
    });
  });
}

// The worker's own few pages, in the language it was served in (coaching/portal/pwa.py).
function escapeHtml(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function simplePage(title, heading, body) {
  return "<!doctype html><html lang=\"" + escapeHtml(CONFIG.lang) + "\" dir=\"" +
    escapeHtml(CONFIG.dir) + "\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>" + escapeHtml(title) + " · WalkBack</title></head><body><main><h1>" +
    escapeHtml(heading) + "</h1><p>" + escapeHtml(body) + "</p></main></body></html>";
}

function fetchWithTimeout(request, ms) {
  var controller = new AbortController();
  var timer = setTimeout(function () { controller.abort(); }, ms);
  return fetch(request, { signal: controller.signal }).finally(function () { clearTimeout(timer); });
}

function patientPage(request, path) {
  return fetchWithTimeout(request, PAGE_TIMEOUT_MS).then(function (response) {
    var landed = new URL(response.url).pathname;
    if (response.ok && landed === path) {
      return keepCopy(path, response.clone()).then(function () { return response; });
    }
    if (landed === new URL(CONFIG.login, self.location).pathname) {
      // Signed out (the idle timeout, or another device signed this one out): the saved
      // figures go too. Walks waiting are kept: they are sent after the next login.
      return caches.delete(PAGES_CACHE).then(function () { return response; });
    }
    return response;
  }).catch(function () {
    return caches.match(path, { cacheName: PAGES_CACHE }).then(function (hit) {
      return hit || offlinePage();
    });
  });
}

// The copy kept is marked as a saved copy: the page shows "as of <time>" (rendered by the
// server when the page was fetched) and hides what belonged to that moment only (messages,
// the idle warning).
function keepCopy(path, response) {
  return response.text().then(function (html) {
    // The form's submission token is emptied: it is (or soon will be) used by the walk sent
    // from the live page, and a walk logged later from the copy must not reuse it.
    var marked = html
      .replace('<body class="', '<body class="saved-copy ')
      .replace("data-saved-copy hidden", "data-saved-copy")
      .replace(/(name="submission_token" value=")[^"]*"/, '$1"');
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(path, new Response(marked, {
        headers: { "Content-Type": "text/html; charset=utf-8" }
      }));
    });
  });
}

function offlinePage() {
  return new Response(
    simplePage(CONFIG.text.noSignal, CONFIG.text.noSignal, CONFIG.text.noSignalBody),
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

// --- Walks logged without signal -----------------------------------------------------------

// Sent as usual when there is signal. When sending fails, the walk is kept under the form's
// submission token, and that token goes with every retry: a walk that reached the server
// before the answer was lost is still saved once, and the same form sent twice is kept once
// (the token is the key). A live page's token is fresh from the server; a saved copy's token
// is emptied when the copy is kept and pwa.js gives each opening of the copy a new one, so two
// walks logged from one copy never share a token. A form with none gets one here.
function postWalk(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(function (form) {
      var fields = {};
      form.forEach(function (value, name) {
        if (name !== "csrfmiddlewaretoken" && name !== "submission_token") { fields[name] = value; }
      });
      var token = form.get("submission_token") || crypto.randomUUID();
      return store("readwrite", function (walks) {
        walks.put({ token: token, fields: fields, keptAt: Date.now(), problem: "" });
      });
    }).then(function () {
      return askForSync(SYNC_WALKS);
    }).then(function () {
      tellPages();
      return Response.redirect(CONFIG.home, 303);
    });
  });
}

function askForSync(tag) {
  if (self.registration.sync) {
    return self.registration.sync.register(tag).catch(function () {});
  }
  return Promise.resolve();
}

var sending = null;

// One sending at a time: Background Sync, the "online" event and a page opening can all ask
// at once. Even if two did run, the tokens would keep it to one walk each.
function sendWalks() {
  if (!sending) {
    sending = trySending().finally(function () { sending = null; tellPages(); });
  }
  return sending;
}

function csrfFrom(html) {
  var found = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html);
  return found ? found[1] : null;
}

function problemFrom(html) {
  var patterns = [
    /<h2 id="long-walk-h"[^>]*>([^<]+)</,
    /class="field-error"><p>([^<]+)</,
    /<p class="alert[^"]*" role="status">([^<]+)</
  ];
  for (var i = 0; i < patterns.length; i += 1) {
    var found = patterns[i].exec(html);
    if (found) { return found[1].trim(); }
  }
  return CONFIG.text.notAccepted;
}

function trySending() {
  return allWaiting().then(function (walks) {
    var waiting = walks.filter(function (walk) { return !walk.problem; });
    if (!waiting.length) { return; }
    // A fresh form first: it gives a valid CSRF token and proves the patient is still signed
    // in (if not, the walks wait for the next login).
    return fetch(CONFIG.walkForm, { credentials: "same-origin", cache: "no-store" })
      .then(function (page) {
        if (!page.ok || new URL(page.url).pathname !== CONFIG.walkForm) { return; }
        return page.text().then(function (html) {
          var csrf = csrfFrom(html);
          if (!csrf) { return; }
          return waiting.reduce(function (previous, walk) {
            return previous.then(function (carryOn) {
              return carryOn && sendOne(walk, csrf);
            });
          }, Promise.resolve(true));
        });
      });
  }).catch(function () { /* still no signal: try again at the next chance */ });
}

// Resolves true to go on with the next walk, false to stop for now.
function sendOne(walk, csrf) {
  var body = new URLSearchParams(walk.fields);
  body.set("csrfmiddlewaretoken", csrf);
  body.set("submission_token", walk.token);
  return fetch(CONFIG.walkForm, { method: "POST", body: body, credentials: "same-origin" })
    .then(function (response) {
      var landed = new URL(response.url).pathname;
      if (response.ok && landed === CONFIG.home) {
        // Saved (or saved before, by an earlier try whose answer was lost): the home page it
        // led to is the newest copy of the figures.
        return keepCopy(CONFIG.home, response).then(function () {
          return store("readwrite", function (walks) { walks.delete(walk.token); });
        }).then(function () { return true; });
      }
      if (response.ok && landed === CONFIG.walkForm) {
        // The form came back: a question ("are you sure?") or a mistake. Not sent again by
        // itself; the page shows the reason so the patient can log it again.
        return response.text().then(function (html) {
          walk.problem = problemFrom(html);
          return store("readwrite", function (walks) { walks.put(walk); });
        }).then(function () { return true; });
      }
      return false;
    });
}

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_WALKS) {
    event.waitUntil(sendWalks());
  } else if (event.tag === SYNC_LOGOUT) {
    event.waitUntil(finishLogout());
  }
});

// --- Talking to the pages ------------------------------------------------------------------

self.addEventListener("message", function (event) {
  var kind = event.data && event.data.type;
  if (kind === "hello") {
    // A patient page opened: send what waits (the fallback where there is no Background
    // Sync), make sure both pages are kept, and say how many walks wait.
    event.waitUntil(Promise.all([sendWalks(), keepPagesCached()]).then(tellPages));
  } else if (kind === "online") {
    event.waitUntil(sendWalks());
  } else if (kind === "discard" && event.data.token) {
    event.waitUntil(store("readwrite", function (walks) {
      walks.delete(event.data.token);
    }).then(tellPages));
  }
});

function keepPagesCached() {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return Promise.all(CONFIG.pages.map(function (path) {
      return cache.match(path).then(function (hit) {
        if (hit) { return; }
        return fetch(path, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && new URL(response.url).pathname === path) {
            return keepCopy(path, response);
          }
        });
      });
    }));
  }).catch(function () {});
}

function tellPages() {
  return allWaiting().then(function (walks) {
    var summary = walks.map(function (walk) {
      return { token: walk.token, fields: walk.fields, keptAt: walk.keptAt, problem: walk.problem };
    });
    return self.clients.matchAll({ type: "window" }).then(function (pages) {
      pages.forEach(function (page) { page.postMessage({ type: "walks", walks: summary }); });
    });
  }).catch(function () {});
}

// --- Push notifications (sent by the server's web push, docs/offline.md) ----------------------

// The payload is JSON {"title", "body", "url"}. A url elsewhere than this site is ignored (the
// home page opens instead): a notification must not become a way to send a patient away.
function ownUrl(url) {
  try {
    var parsed = new URL(url, self.location.origin);
    return parsed.origin === self.location.origin ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var home = new URL(CONFIG.home, self.location.origin).href;
  event.waitUntil(self.registration.showNotification(data.title || "WalkBack", {
    body: data.body || "",
    icon: CONFIG.icon,
    badge: CONFIG.icon,
    data: { url: ownUrl(data.url) || home }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var home = new URL(CONFIG.home, self.location.origin).href;
  var url = ownUrl(event.notification.data && event.notification.data.url) || home;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === url && "focus" in windows[i]) { return windows[i].focus(); }
      }
      if (windows.length && "navigate" in windows[0]) {
        return windows[0].navigate(url).then(function (client) {
          return client ? client.focus() : self.clients.openWindow(url);
        });
      }
      return self.clients.openWindow(url);
    })
  );
});

// --- Logging out ---------------------------------------------------------------------------

// Everything kept goes before the request is even sent, so logging out without signal still
// leaves nothing on the phone. The server's answer also carries Clear-Site-Data.
function logOut(request) {
  return clearEverything().then(function () {
    return fetch(request);
  }).catch(function () {
    // No signal: the server session ends when the signal returns (Background Sync); until
    // then nothing about the patient is on the phone but the login cookie.
    return askForSync(SYNC_LOGOUT).then(function () {
      return new Response(
        simplePage(CONFIG.text.loggedOutTitle, CONFIG.text.loggedOut, CONFIG.text.loggedOutBody),
        { headers: { "Content-Type": "text/html; charset=utf-8" } }
      );
    });
  });
}

function finishLogout() {
  return fetch(CONFIG.home, { credentials: "same-origin", cache: "no-store" }).then(function (page) {
    if (new URL(page.url).pathname !== CONFIG.home) { return; }  // already logged out
    return page.text().then(function (html) {
      var csrf = csrfFrom(html);
      if (!csrf) { return; }
      var body = new URLSearchParams();
      body.set("csrfmiddlewaretoken", csrf);
      return fetch(CONFIG.logout, { method: "POST", body: body, credentials: "same-origin" });
    });
  }).then(clearEverything);
}

function clearEverything() {
  return caches.keys().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  }).then(function () {
    return new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(DB_NAME);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  });
}

// --- IndexedDB: the walks waiting ----------------------------------------------------------

// Each use opens and closes the database, so deleting it at logout is never blocked by an
// open connection.
function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore(STORE, { keyPath: "token" });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function store(mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var transaction = db.transaction(STORE, mode);
      var result = work(transaction.objectStore(STORE));
      transaction.oncomplete = function () { db.close(); resolve(result); };
      transaction.onerror = transaction.onabort = function () {
        db.close();
        reject(transaction.error);
      };
    });
  });
}

function allWaiting() {
  // Reading must not create the database (it would be left behind after logging out).
  var known = indexedDB.databases ? indexedDB.databases() : Promise.resolve(null);
  return known.then(function (databases) {
    if (databases && !databases.some(function (db) { return db.name === DB_NAME; })) {
      return [];
    }
    return readAll();
  });
}

function readAll() {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var request = db.transaction(STORE, "readonly").objectStore(STORE).getAll();
      request.onsuccess = function () { db.close(); resolve(request.result); };
      request.onerror = function () { db.close(); reject(request.error); };
    });
  });
}
{% endverbatim %}
