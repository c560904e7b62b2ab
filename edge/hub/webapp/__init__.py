"""The wallet app at ``/app`` on the hub: a small installable web app (PWA) for the shopper, Italian first.

It is a page, a script and a service worker over the hub's own API (``/api/v1``) with the app token the
enrollment link gave this browser: the digital loyalty card, points and their history, coupons, the wishlist,
the inbox of notifications (live over server-sent events when the browser has no push service), the consents
and "delete my data". ``docs/wallet-app.md`` describes each screen.

| module | job |
|---|---|
| `site` | the app's own small Flask app, mounted beside the API: the shell page, the manifest, the worker |
| `static/app.js` | the screens, the API calls, the push subscription, the live inbox |
| `static/sw.js` | the service worker: the shell offline, push messages shown, a tap opens the message |
"""

from edge.hub.webapp.site import MOUNT, create_webapp, mount_webapp

__all__ = ["MOUNT", "create_webapp", "mount_webapp"]
