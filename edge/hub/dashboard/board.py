"""What the dashboard shows, as JSON-ready data, gathered from the hub's context: live occupancy, gateway states,
today's statistics, and the live feed's items cut down to the fields a dashboard may show.

Everything here is pseudonymous or anonymous: zone counts, the member's random ``ref``, campaign ids. Feed items
are passed on field by field (`public`), so a field added to the feed later never reaches a screen by accident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final
from zoneinfo import ZoneInfo

from edge.hub.context import HubContext
from edge.hub.dashboard.gateways import GatewayStates
from edge.hub.dashboard.stats import CampaignResult, campaign_results, day_bounds, dwell, funnel

FEED_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "journey": ("event", "zone", "prev", "member", "visit", "dwell_s", "again"),
    "notification": ("state", "campaign", "trigger", "kind", "channel", "member", "visit"),
    "alert": ("kind", "source", "active", "severity", "detail"),
}
"""The feed items the page shows, and the only fields of each that leave the hub."""


def public(kind: str, t: float, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """A feed item as the page gets it, or None for a kind the page does not show."""
    fields = FEED_FIELDS.get(kind)
    if fields is None:
        return None
    return {"t": t, **{name: data[name] for name in fields if name in data}}


class Board:
    """The dashboard's data for one hub. Safe to share between request threads: it keeps no connection."""

    def __init__(self, ctx: HubContext) -> None:
        self.ctx = ctx
        self.tz = ZoneInfo(ctx.config.hub.timezone)

    def occupancy(self) -> dict[str, Any]:
        """Devices per zone now, for every zone of the layout (0 where nobody is), and the total."""
        live = self.ctx.occupancy() if self.ctx.occupancy is not None else {}
        zones = {zone.id: int(live.get(zone.id, 0)) for zone in self.ctx.layout.zones}
        return {"zones": zones, "total": sum(zones.values())}

    def gateway_states(self) -> GatewayStates:
        """A fresh tracker of gateway states: the live service's fleet watch, and the alerts the feed still holds
        for a context without one."""
        states = GatewayStates([g.id for g in self.ctx.layout.gateways], self.ctx.fleet)
        for item in self.ctx.feed.recent():
            if item.kind == "alert":
                states.apply(item.data)
        return states

    def stats(self) -> dict[str, Any]:
        """Today's funnel, dwell per zone and campaign results (today in the store's time zone)."""
        since, until = day_bounds(self.ctx.clock(), self.tz)
        db = self.ctx.connect()
        try:
            visits = funnel(db, self.ctx.layout, since, until)
            zones = dwell(db, self.ctx.layout, since, until)
            campaigns = campaign_results(db, self.ctx.layout, since, until)
        finally:
            db.conn.close()
        return {
            "day": dt.datetime.fromtimestamp(since, self.tz).date().isoformat(),
            "funnel": {"entered": visits.entered, "engaged": visits.engaged, "bought": visits.bought},
            "dwell": [
                {"zone": z.zone, "seconds": round(z.seconds, 1), "stays": z.stays, "average_s": round(z.average_s, 1)}
                for z in zones
            ],
            "campaigns": [_campaign(c) for c in campaigns],
        }

    def snapshot(self, boot: str, gateways: GatewayStates | None = None) -> dict[str, Any]:
        """Everything the page draws at once: on load, and at the start of every event stream."""
        states = gateways if gateways is not None else self.gateway_states()
        return {
            "boot": boot,
            "occupancy": self.occupancy(),
            "gateways": states.snapshot(),
            "stats": self.stats(),
        }


def _campaign(c: CampaignResult) -> dict[str, Any]:
    return {"id": c.campaign_id, "name": c.name, "trigger": c.trigger, "decided": c.decided, "sent": c.sent,
            "opened": c.opened, "converted": c.converted, "wait_s": c.wait_s}  # fmt: skip
