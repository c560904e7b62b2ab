"""Errors of the campaign engine. Each carries what a caller needs to answer (an API's 422, a log line)."""

from __future__ import annotations

from edge.errors import CorsiaError


class CampaignError(CorsiaError):
    """Base class of the campaign engine's errors."""


class SettingsError(CampaignError, ValueError):
    """A policy or planner setting is out of range.

    `field` names the setting (``"max_per_visit"``), `reason` says what is wrong with it. It is also a
    `ValueError`, like the presence engine's settings errors, so configuration loaders can treat both alike.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class TemplateError(CampaignError):
    """A text cannot be rendered: bad syntax, a placeholder the engine does not know, or a value missing.

    `template` is the offending text and `problems` the list of what is wrong with it, one sentence each (the
    same sentences `edge.hub.campaigns.texts.validate_template` returns).
    """

    def __init__(self, template: str, problems: list[str]) -> None:
        self.template = template
        self.problems = problems
        super().__init__(f"{'; '.join(problems)} in {template!r}")
