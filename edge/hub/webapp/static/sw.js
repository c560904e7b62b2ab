// Corsia wallet service worker: the app's shell offline, push messages shown, a tap opens the message.
"use strict";

const CACHE = "corsia-wallet-v1";
const SHELL = ["./", "static/app.js", "static/app.css", "static/icon.svg", "static/icon-192.png", "manifest.webmanifest"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  // The API (points, coupons, the member's data) is never cached: it goes to the hub or fails.
  if (request.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (request.mode === "navigate") {
    // The page itself: the newest from the hub, the cached shell when the phone is offline.
    event.respondWith(fetch(request).catch(() => caches.match("./")));
    return;
  }
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request)),
  );
});

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: event.data ? event.data.text() : "" };
  }
  const item = {
    notification_id: String(data.notification_id || ""),
    kind: String(data.kind || ""),
    title: String(data.title || "Corsia"),
    body: String(data.body || ""),
    url: String(data.url || self.registration.scope),
    created: Date.now() / 1000,
    coupon_code: data.coupon && data.coupon.code ? String(data.coupon.code) : null,
  };
  event.waitUntil(
    Promise.all([
      // tag = notification_id: a copy resent after a hub restart replaces the first instead of showing twice.
      self.registration.showNotification(item.title, {
        body: item.body, tag: item.notification_id || undefined, data: { url: item.url },
        icon: "static/icon-192.png", badge: "static/icon-192.png",
      }).catch(() => { /* notifications not allowed: the open app's inbox still gets it */ }),
      self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
        for (const client of windows) client.postMessage({ type: "notification", item });
      }),
    ]),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || self.registration.scope;
  event.waitUntil(self.clients.openWindow(url));
});

// The push service renewed the subscription: an open app posts the new one to the hub (only it holds the token),
// and the app does so at every start anyway.
self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) client.postMessage({ type: "resubscribe" });
    }),
  );
});
