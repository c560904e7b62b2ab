"""docs/dashboard.md lists every route the dashboard serves, and nothing else."""

from __future__ import annotations

import re

from edge.hub.context import HubContext
from edge.hub.dashboard import MOUNT, create_dashboard
from tests.conftest import REPO

DOC = (REPO / "docs" / "dashboard.md").read_text(encoding="utf-8")
IMPLICIT = {"HEAD", "OPTIONS"}


def test_every_route_is_documented(ctx: HubContext) -> None:
    app = create_dashboard(ctx)
    rules = list(app.url_map.iter_rules())
    served = {f"{method} {MOUNT}{rule.rule}" for rule in rules for method in (rule.methods or set()) - IMPLICIT}
    section = DOC.split("## Routes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z]+ /\S+)` \|", section, re.MULTILINE))
    assert served == documented
