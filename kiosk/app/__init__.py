"""The kiosk's touch screen: a Flask app for the loyalty sign-up and the members' own screens.

    app = create_app(config)                       # config: edge.config.KioskConfig
    app.test_client().get("/")

Blueprints: ``home`` (the home screen, the language switch, the reset, the scan event stream), ``signup``
(details, consents one by one, the old card, the result) and ``member`` (points, consents, a new phone). The
views parse the form, make one call (`kiosk.app.registrar`, the hub client) and render; every text is looked up
in two languages (`kiosk.app.i18n`). Nothing starts at import: ``corsia kiosk`` (kiosk.service) serves the app
this factory returns and feeds its scan bus from the card reader and the camera.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from flask import Flask
from jinja2 import StrictUndefined
from markupsafe import Markup, escape

from edge.config import KioskConfig
from edge.errors import ConfigError
from kiosk.app import home, member, policy, signup, state
from kiosk.app.i18n import other, translate
from kiosk.app.limits import DEFAULT_LIMITS, RateLimiter
from kiosk.app.runtime import RUNTIME_KEY, KioskRuntime, runtime_of
from kiosk.app.scans import ScanBus
from kiosk.app.security import CSRF_FIELD, csrf_token, register_security
from kiosk.app.sessions import KioskSessionInterface, SessionStore
from kiosk.hub_client import TIMEOUT_S, HubClient
from kiosk.outbox import Outbox

__all__ = ["create_app", "runtime_of"]

PACKAGE: Final = Path(__file__).resolve().parent.parent
MIN_WARNING_S: Final = 20

DEFAULTS: Final[Mapping[str, Any]] = {
    "IDLE_WARNING_S": MIN_WARNING_S,  # the countdown before the reset
    "SESSION_GRACE_S": 30,  # the server forgets a session this long after the page should have reset it
    "OUTBOX_PATH": "var/kiosk-outbox.db",
    "POLICY_VERSION": policy.VERSION,
    "RATE_LIMITS": DEFAULT_LIMITS,
    "HUB_TIMEOUT_S": TIMEOUT_S,
    "PREREGISTRATION_HOSTS": (),  # hosts whose https://<host>/r/<token> links are pre-registrations
    "CLOCK": time.monotonic,  # for sessions and rate limits
    "MAX_CONTENT_LENGTH": 64 * 1024,  # the largest form is a few hundred bytes
}


def create_app(config: KioskConfig, test_config: Mapping[str, Any] | None = None) -> Flask:
    """The kiosk's app for `config`; `test_config` overrides the settings in `DEFAULTS` (and Flask's own)."""
    app = Flask(__name__, template_folder=str(PACKAGE / "templates"), static_folder=str(PACKAGE / "static"))
    app.config.from_mapping(DEFAULTS)
    app.config["IDLE_TIMEOUT_S"] = config.kiosk.idle_timeout_s
    app.config["OUTBOX_PATH"] = config.kiosk.outbox
    app.config["PREREGISTRATION_HOSTS"] = tuple(config.kiosk.preregistration_hosts)
    app.config["WALLET_URL"] = config.kiosk.wallet_url
    if test_config is not None:
        app.config.from_mapping(test_config)
    warning_s = float(app.config["IDLE_WARNING_S"])
    if warning_s < MIN_WARNING_S:
        raise ConfigError("kiosk app", "IDLE_WARNING_S", f"the warning lasts at least {MIN_WARNING_S} s")
    idle_s = float(app.config["IDLE_TIMEOUT_S"])
    clock = app.config["CLOCK"]
    sessions = SessionStore(idle_s + warning_s + float(app.config["SESSION_GRACE_S"]), clock=clock)
    app.extensions[RUNTIME_KEY] = KioskRuntime(
        hub=HubClient(config.kiosk.hub_url, config.kiosk.hub_token, timeout_s=float(app.config["HUB_TIMEOUT_S"])),
        outbox=Outbox(app.config["OUTBOX_PATH"]),
        bus=ScanBus(),
        limits=RateLimiter(app.config["RATE_LIMITS"], clock),
        sessions=sessions,
        policy_version=str(app.config["POLICY_VERSION"]),
        idle_timeout_s=idle_s,
        idle_warning_s=warning_s,
        preregistration_hosts=tuple(app.config["PREREGISTRATION_HOSTS"]),
    )
    app.session_interface = KioskSessionInterface(sessions)
    app.jinja_env.undefined = StrictUndefined  # a missing variable is a bug, not an empty space on screen
    register_security(app)
    for blueprint in (home.bp, signup.bp, member.bp):
        app.register_blueprint(blueprint)

    @app.context_processor
    def helpers() -> dict[str, Any]:
        language = state.language()
        return {
            "lang": language,
            "other_lang": other(language),
            "t": lambda key, **values: translate(language, key, **values),
            "csrf_token": csrf_token,
            "csrf_field": lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
                CSRF_FIELD, escape(csrf_token())
            ),
            "notice": state.take_notice(),
            "idle_timeout_s": int(idle_s),
            "idle_warning_s": int(warning_s),
        }

    return app
