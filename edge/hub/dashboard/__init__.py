"""The store dashboard at ``/dashboard`` on the hub: the store map with live occupancy and gateway states, a live
feed of journeys and notifications (pseudonymous), today's funnel, dwell per zone and campaign results, updated
with server-sent events, in Italian and English. ``docs/dashboard.md`` describes each panel.

| module | job |
|---|---|
| `stats` | the numbers: funnel, dwell per zone, campaign results, as functions over the database |
| `floorplan` | the map's geometry from the store layout |
| `gateways` | which gateways are online |
| `board` | the page's data from the hub's context, feed items cut to what may be shown |
| `stream` | the server-sent events of one open page |
| `auth` | sign-in with the admin token, the session cookie |
| `phones` | the demo's phones view: what each simulated phone received, read from ``[hub] phones_url`` |
| `i18n` | the page's words in Italian and English |
| `views` | the routes |
| `site` | the dashboard's Flask app, mounted beside the API |
"""

from edge.hub.dashboard.site import MOUNT, DashboardSettings, create_dashboard, mount_dashboard

__all__ = ["MOUNT", "DashboardSettings", "create_dashboard", "mount_dashboard"]
