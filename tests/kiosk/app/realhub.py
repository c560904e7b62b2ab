"""The real hub API for the kiosk's tests: `edge.hub.api.create_app` on a temporary database, served over HTTP on
a loopback port, which can be stopped and started again on the same port (the hub going away and coming back).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import urllib.request
from pathlib import Path
from typing import Any, Final

from edge.broker import free_port
from edge.config import HubConfig, HubSection
from edge.hub.api import create_app
from edge.hub.context import HubContext
from edge.hub.db import open_database
from edge.hub.http import HttpServer
from edge.store import load_layout
from tests.conftest import REPO

ADMIN_TOKEN: Final = "admin-token-for-kiosk-tests"
KIOSK_TOKEN: Final = "kiosk-token-for-kiosk-tests"
VAPID_PUBLIC_KEY: Final = "BOr5QW1Mpr3TTTs2ai8kVD6p8vNqS6Sm7x3A0JqmmVb0d2QtOtL8NaWq9r6ZCkXEYRSxvA1LI0AEX7CSgZb7pGc"
LAYOUT: Final = REPO / "examples" / "stores" / "demo.toml"

GIULIA: Final[dict[str, Any]] = {
    "first_name": "Giulia",
    "last_name": "Rossi",
    "email": "giulia.rossi@example.it",
    "phone": "333 123 4567",
    "language": "it",
    "consents": {"service": True, "marketing": True, "profiling": False, "proximity": True},
    "policy_version": "2025-01",
    "source": "kiosk",
}


class RealHub:
    """The hub's API with its database in `directory`, on `port` (a free one if None). Not started."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.db_path = directory / "hub.db"
        config = HubConfig(
            hub=HubSection(
                db=str(self.db_path), admin_token=ADMIN_TOKEN, kiosk_token=KIOSK_TOKEN,
                public_url="https://hub.store.example",
            )
        )  # fmt: skip
        self.context = HubContext(
            config=config,
            layout=load_layout(LAYOUT),
            connect=lambda: open_database(self.db_path),
            secret_key=bytes(range(32)),
            vapid_public_key=VAPID_PUBLIC_KEY,
        )
        open_database(self.db_path).close()  # made and migrated now, so it can be read before any call
        self.port = port if port is not None else free_port()
        self._server: HttpServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RealHub:
        self._server = HttpServer(create_app(self.context), f"127.0.0.1:{self.port}")
        self._server.start()
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving. With `wait` false the server winds down in the background (werkzeug notices a
        shutdown only at its next half-second poll), for a test's teardown that does not need the port again."""
        server, self._server = self._server, None
        if server is None:
            return
        if wait:
            server.stop()
        else:
            threading.Thread(target=server.stop, name="hub-stop", daemon=True).start()

    # --- looking at what the hub stored --------------------------------------------------------------------

    def call(self, method: str, path: str, body: object = None, token: str = ADMIN_TOKEN) -> tuple[int, Any]:
        """An API call as the store's admin (or with `token`): the status and the decoded answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=5) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, json.loads(exc.read() or b"null")

    def sign_up(self, **changes: Any) -> dict[str, Any]:
        """A member signed up through the API (Giulia unless told otherwise): the 201 answer."""
        status, answer = self.call("POST", "/api/v1/members", {**GIULIA, **changes}, token=KIOSK_TOKEN)
        assert status == 201, answer
        return dict(answer)

    def member(self, member_id: str) -> dict[str, Any]:
        status, answer = self.call("GET", f"/api/v1/members/{member_id}")
        assert status == 200, answer
        return dict(answer)

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows straight from the hub's database."""
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()

    def members(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM members")[0][0])

    def set_points(self, member_id: str, points: int) -> None:
        with sqlite3.connect(self.db_path) as db:
            db.execute("UPDATE members SET points = ? WHERE member_id = ?", (points, member_id))
