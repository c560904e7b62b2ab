"""The ESPresense-companion accuracy harness, reproduced: its floor, receivers, tracks and noise.

Source: ESPresense/ESPresense-companion, ``tests/ESPresense.Companion.Simulation/AccuracyHarness/`` (PR #1582,
"feat(simulation): accuracy harness against real ILocate", merged 2026-05-30), whose scenario
``baseline_4node_6x4m.json`` is ported from the firmware repo's Python harness (ESPresense/ESPresense PR #2318,
``tools/accuracy_harness/``). The harness, per track sample: true 2-D distance to each station →
``rssi = cal_rssi − 10·absorption·log10(d)`` → + Gaussian noise (σ 2.5 dB) → −6 dB with probability 0.10 →
the firmware's inverse formula gives a distance → the companion's Nelder-Mead locator → a room by first-match
lookup; "room mis-id" is the share of samples put in the wrong room. Published baseline (``Reports/
baseline-v1.md``, seed 20260530): 6.6 % on ``diagonal_walk`` (61 samples), 22.3 % on ``living_to_bedroom``
(121 samples).

What the harness does not have, the simulator had to choose (docs/simulator.md): time. A track there is a list
of samples, 30 per segment whatever the segment's length; here each segment takes 30 × `SAMPLE_PERIOD_S`, so
the walker spends the same share of time on each segment as the harness spends samples (lingering around
the boundary on ``living_to_bedroom``), and a phone and a tag advertise once per `SAMPLE_PERIOD_S`, so each
receiver hears about one noisy reading per harness sample. The noise is i.i.d. per reading as in the harness:
no correlated shadowing, body, shelving, walls, receiver offsets or packet loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from edge.store import load_layout
from firmware_sim.world import seeds
from firmware_sim.world.devices import EidPhone, IBeaconTag
from firmware_sim.world.population import TAG_UUID
from firmware_sim.world.radio import RadioParams
from firmware_sim.world.scenario import DEFAULT_START_T, Scenario
from firmware_sim.world.trajectory import Trajectory, TrajectoryBuilder

LAYOUT_PATH: Final = Path(__file__).resolve().parents[2] / "examples" / "stores" / "espresense.toml"
SOURCE: Final = {
    "repository": "https://github.com/ESPresense/ESPresense-companion",
    "harness": "tests/ESPresense.Companion.Simulation/AccuracyHarness/",
    "pull_request": "https://github.com/ESPresense/ESPresense-companion/pull/1582",
    "ported_from": "https://github.com/ESPresense/ESPresense/pull/2318 (tools/accuracy_harness/)",
    "scenario": "baseline_4node_6x4m",
    "report": "Reports/baseline-v1.md",
}

# --- copied from baseline_4node_6x4m.json and NoiseProfile ------------------------------------------------
BOUNDS: Final = (0.0, 0.0, 6.0, 4.0)
ROOMS: Final = (("living", 0.0, 0.0, 4.0, 4.0), ("bedroom", 4.0, 0.0, 6.0, 4.0))
STATIONS: Final = (  # id, x, y, z (m); every station cal_rssi -59 dBm at 1 m, absorption 3.0
    ("node-living-nw", 0.2, 3.8, 2.4),
    ("node-living-sw", 0.2, 0.2, 2.4),
    ("node-bedroom-ne", 5.8, 3.8, 2.4),
    ("node-bedroom-se", 5.8, 0.2, 2.4),
)
CAL_RSSI_DBM: Final = -59.0
ABSORPTION: Final = 3.0  # the path-loss exponent n
GAUSSIAN_STD_DB: Final = 2.5
MULTIPATH_PROBABILITY: Final = 0.10
MULTIPATH_ATTENUATION_DB: Final = 6.0
BASE_SEED: Final = 20260530  # the companion's; the firmware repo's Python harness used 20260426


@dataclass(frozen=True, slots=True)
class HarnessTrack:
    name: str
    samples_per_segment: int
    points: tuple[tuple[float, float], ...]

    @property
    def samples(self) -> int:
        """(N − 1) × samples_per_segment + 1, as the harness's Expand()."""
        return (len(self.points) - 1) * self.samples_per_segment + 1

    def expand(self) -> list[tuple[float, float]]:
        """The harness's sample positions (its ``HarnessTrack.Expand``)."""
        out = []
        for (x0, y0), (x1, y1) in zip(self.points, self.points[1:], strict=False):
            for s in range(self.samples_per_segment):
                f = s / self.samples_per_segment
                out.append((x0 + (x1 - x0) * f, y0 + (y1 - y0) * f))
        out.append(self.points[-1])
        return out


TRACKS: Final = {
    "espresense-walk": HarnessTrack("diagonal_walk", 30, ((0.5, 0.5), (3.0, 2.0), (5.5, 3.5))),
    "espresense-boundary": HarnessTrack(
        "living_to_bedroom", 30, ((1.0, 2.0), (3.0, 2.0), (3.9, 2.0), (4.1, 2.0), (5.0, 2.0))
    ),
}
# Reports/baseline-v1.md, locator NelderMead: n, median, p95, mean, max error (m), room mis-id rate.
BASELINE: Final = {
    "diagonal_walk": {
        "samples": 61,
        "median_m": 0.60,
        "p95_m": 1.33,
        "mean_m": 0.70,
        "max_m": 1.56,
        "wrong_room": 0.066,
    },
    "living_to_bedroom": {
        "samples": 121,
        "median_m": 0.60,
        "p95_m": 1.61,
        "mean_m": 0.69,
        "max_m": 2.03,
        "wrong_room": 0.223,
    },
}

# --- the simulator's choices -----------------------------------------------------------------------------
SAMPLE_PERIOD_S: Final = 1.0
ADVERT_INTERVAL_S: Final = 1.0


def harness_radio(sigma_db: float | None = None) -> RadioParams:
    """The harness's channel: log-distance with n = 3, 2-D distance, i.i.d. Gaussian + multipath bursts."""
    return RadioParams(
        path_loss_exponent=ABSORPTION,
        sigma_db=GAUSSIAN_STD_DB if sigma_db is None else sigma_db,
        correlated_share=0.0,
        multipath_share=MULTIPATH_PROBABILITY,
        multipath_db=MULTIPATH_ATTENUATION_DB,
        body_loss_db=0.0,
        shelf_loss_db=0.0,
        wall_loss_db=0.0,
        party_wall_loss_db=0.0,
        gateway_height_m=0.0,
        device_height_m=0.0,
        loss_share=0.0,
        sensitivity_dbm=-100.0,
        receiver_offsets_db={},
    )


def track_trajectory(track: HarnessTrack, period_s: float = SAMPLE_PERIOD_S) -> Trajectory:
    """Each segment in samples_per_segment × `period_s`, then one period on the last point (its sample)."""
    (x, y), rest = track.points[0], track.points[1:]
    b = TrajectoryBuilder(0.0, x, y)
    for px, py in rest:
        b.move_for(px, py, track.samples_per_segment * period_s, float("nan"))
    return b.dwell(period_s, float("nan")).build()


def build(name: str, seed: int = 1, noise_db: float | None = None) -> Scenario:
    """``espresense-walk`` or ``espresense-boundary``: a phone (Eddystone-EID) and a tag walking the track."""
    track = TRACKS[name]
    layout = load_layout(LAYOUT_PATH)
    traj = track_trajectory(track)
    rng = seeds.stream(seed, name, "phone")
    key = rng.randbytes(16)
    phone = EidPhone(
        "harness-phone",
        key,
        start_t=DEFAULT_START_T,
        drift_ppm=rng.uniform(-150.0, 150.0),
        clock_offset_s=rng.uniform(-2.0, 2.0),
        tx_1m_dbm=CAL_RSSI_DBM,
        advertised_tx_1m=int(CAL_RSSI_DBM),
        interval_s=ADVERT_INTERVAL_S,
        seed=seed,
        kind="member-phone",
    )
    tag = IBeaconTag(
        "harness-tag", TAG_UUID, 1, 1, measured_power=int(CAL_RSSI_DBM), tx_1m_dbm=CAL_RSSI_DBM,
        interval_s=ADVERT_INTERVAL_S, seed=seed,
    )  # fmt: skip
    info: dict[str, Any] = {
        "source": SOURCE,
        "track": track.name,
        "track_points": track.points,
        "harness_samples": track.samples,
        "sample_period_s": SAMPLE_PERIOD_S,
        "baseline": BASELINE[track.name],
        "baseline_seed": BASE_SEED,
        "noise": {"gaussian_std_db": GAUSSIAN_STD_DB if noise_db is None else noise_db,
                  "multipath_probability": MULTIPATH_PROBABILITY, "multipath_attenuation_db": MULTIPATH_ATTENUATION_DB},
    }  # fmt: skip
    return Scenario(
        name=name,
        seed=seed,
        layout=layout,
        duration_s=traj.end,
        start_t=DEFAULT_START_T,
        devices=(phone, tag),
        trajectories={phone.id: traj, tag.id: traj},
        radio=harness_radio(noise_db),
        members=[(phone.id, key, phone.k)],
        tags=[(tag.id, tag.wire_id)],
        info=info,
    )
