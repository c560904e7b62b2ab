"""`presence_with`: the KEY=VALUE pairs of `corsia eval --set` and the presence benchmarks."""

from __future__ import annotations

import argparse

import pytest

from edge.errors import ConfigError
from edge.presence import PresenceSettings
from firmware_sim.eval.overrides import chosen, presence_with
from firmware_sim.eval.report import changed_presence


def test_pairs_set_presence_and_radio_fields_and_the_rest_stay_defaults() -> None:
    settings = presence_with(["hmm_evidence=1.3", "path_loss_exponent = 3", "rule=hmm", "apply_layout_offsets=false"])
    assert settings.hmm_evidence == 1.3
    assert settings.radio.path_loss_exponent == 3.0
    assert settings.rule == "hmm"
    assert settings.apply_layout_offsets is False
    default = PresenceSettings()
    assert settings.points_switch_p == default.points_switch_p
    assert settings.radio.shelf_loss_db == default.radio.shelf_loss_db
    assert changed_presence(settings) == {"hmm_evidence": 1.3, "apply_layout_offsets": False, "path_loss_exponent": 3.0}
    assert changed_presence(default) == {}


def test_later_pairs_win_and_a_base_is_kept() -> None:
    base = presence_with(["exit_timeout_s=20"])
    settings = presence_with(["hmm_evidence=2", "hmm_evidence=0.5"], base)
    assert (settings.hmm_evidence, settings.exit_timeout_s) == (0.5, 20.0)
    assert presence_with([], base) == base


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("hmm_evidence", "expected KEY=VALUE, got 'hmm_evidence'"),
        ("=1", "expected KEY=VALUE"),
        ("evidence=1", "evidence: not a presence setting"),
        ("radio=1", "radio: not a presence setting"),
        ("hmm_evidence=lots", "hmm_evidence: must be a number"),
        ("points_switch_p=0.3", "points_switch_p: must be at least 0.5"),
        ("rule=nearest", "rule: must be one of"),
        ("path_loss_exponent=9", "path_loss_exponent: must be between 1.0 and 6.0, got 9.0"),
        ("body_loss_db=31", "body_loss_db: must be between 0.0 and 30.0, got 31.0"),
        ("body_loss_db=loud", "body_loss_db: must be a number, got 'loud'"),
    ],
)
def test_a_bad_pair_is_a_configuration_error_naming_it(pair: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"^--set") as caught:
        presence_with([pair])
    assert message in str(caught.value)


def test_chosen_keeps_the_order_given_and_names_what_it_does_not_know(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench")
    known = ("kalman", "ewma", "window")
    assert chosen("window,kalman", known, parser, "filter") == ["window", "kalman"]
    assert chosen("", known, parser, "filter") == []
    for value in ("ewma,median", "ewma,,window"):
        with pytest.raises(SystemExit) as exited:
            chosen(value, known, parser, "filter")
        assert exited.value.code == 2
    assert "unknown filter(s) median; known: kalman, ewma, window" in capsys.readouterr().err
