"""The kiosk's camera: a background thread that grabs frames, decodes a few a second and reports new codes.

`Camera` is the facade the kiosk uses. It takes the ``[kiosk] camera`` setting (a device index, a file or a
URL; ``""`` for none) or any `FrameSource`, and calls ``on_code(code)`` once per code shown (see
`kiosk.scanner.debounce`). Concurrency: one daemon thread per camera, started by `start` (never at import or
construction) and stopped by `stop`; ``on_code`` runs on that thread, so it should hand the code over
(a queue, an event) rather than do slow work.

A camera that cannot be opened, or stops delivering frames, makes the state ``"down"``; the thread closes
it and tries again after a back-off (0.5 s doubling to 30 s), and the state returns to ``"ok"`` with the
first frame. No configured camera is state ``"none"``. The kiosk reports `health` to IT.

Each frame to decode runs the plain read, and the retries only when the scene has changed since they last
failed on it (`kiosk.scanner.scene`), within a time budget per frame: the kiosk's screen stays responsive
and an idle kiosk does not spend a core looking at an empty counter.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from kiosk.scanner.debounce import DEFAULT_WINDOW_S, Debouncer
from kiosk.scanner.decode import KIOSK_FORMATS, Code, Scan, scan, to_gray
from kiosk.scanner.errors import BadImage, CameraError
from kiosk.scanner.scene import SceneGate, thumbnail
from kiosk.scanner.sources import Frame, FrameSource, open_source

log = logging.getLogger("corsia.kiosk.camera")

CameraState = Literal["ok", "down", "none"]


class Scanner(Protocol):
    def __call__(self, image: Frame, *, formats: frozenset[str], budget_s: float, retries: bool) -> Scan: ...


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """How the camera loop behaves; the defaults suit a kiosk on a Raspberry Pi 4 class machine."""

    decode_hz: float = 5.0  # frames decoded per second at most (a code is found within ~0.2 s)
    budget_s: float = 0.15  # time for one frame's decode, so the next frame is not kept waiting
    debounce_s: float = DEFAULT_WINDOW_S
    fail_after: int = 5  # grabs in a row without a frame before the camera counts as down
    retry_min_s: float = 0.5
    retry_max_s: float = 30.0
    formats: frozenset[str] = field(default=KIOSK_FORMATS)

    def __post_init__(self) -> None:
        if self.decode_hz <= 0 or self.budget_s <= 0 or self.fail_after < 1:
            raise ValueError("decode_hz and budget_s must be positive and fail_after at least 1")
        if not 0 < self.retry_min_s <= self.retry_max_s:
            raise ValueError("retry_min_s must be positive and at most retry_max_s")


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """A snapshot for the kiosk's health report."""

    state: CameraState
    source: str  # safe to publish: a URL's password is masked
    frames: int  # frames grabbed
    scans: int  # frames decoded
    full_scans: int  # of which with the retries (the rest: the plain read on an unchanged scene)
    codes: int  # codes reported (after debounce)
    outages: int  # times the camera went from "ok" to "down"
    last_error: str
    last_scan_ms: float


class Camera:
    """Reads codes from a camera in a background thread and calls `on_code` once for each code shown."""

    def __init__(
        self,
        source: str | FrameSource | None,
        on_code: Callable[[Code], None],
        settings: CameraSettings | None = None,
        *,
        scanner: Scanner = scan,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = open_source(source) if isinstance(source, str) else source
        self._on_code = on_code
        self.settings = settings or CameraSettings()
        self._scanner = scanner
        self._clock = clock
        self._debounce = Debouncer(self.settings.debounce_s)
        self._gate = SceneGate()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._state: CameraState = "none" if self._source is None else "down"
        self._last_error = "" if self._source is None else "not started"
        self._frames = self._scans = self._full_scans = self._codes = self._outages = 0
        self._last_scan_ms = 0.0

    @property
    def state(self) -> CameraState:
        return self._state

    def health(self) -> CameraHealth:
        with self._lock:
            return CameraHealth(
                state=self._state,
                source=self._source.name if self._source is not None else "",
                frames=self._frames,
                scans=self._scans,
                full_scans=self._full_scans,
                codes=self._codes,
                outages=self._outages,
                last_error=self._last_error,
                last_scan_ms=round(self._last_scan_ms, 1),
            )

    def start(self) -> None:
        """Start the capture thread (nothing to do without a camera, or while the thread still runs: after a
        `stop` that timed out, until its blocking camera call returns)."""
        if self._source is None or (self._thread is not None and self._thread.is_alive()):
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, args=(self._source,), name="kiosk-camera", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Ask the thread to stop and wait up to `timeout_s`; False if it is still inside a blocking camera
        call (it then closes the camera itself as soon as that returns; being a daemon, it never holds up
        the process)."""
        self._stopping.set()
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            return False
        self._thread = None
        return True

    def forget(self) -> None:
        """Forget the codes already reported (the kiosk went back to its home screen)."""
        with self._lock:
            self._debounce.reset()

    def __enter__(self) -> Camera:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- the capture thread -----------------------------------------------------------------------------

    def _run(self, source: FrameSource) -> None:
        delay = self.settings.retry_min_s
        while not self._stopping.is_set():
            try:
                source.open()
            except CameraError as exc:
                self._down(exc.reason)
            except Exception as exc:  # a backend's bug must not end the kiosk's camera for good
                log.exception("opening %s", source.name)
                self._down(f"unexpected error: {exc}")
            else:
                try:
                    if self._stream(source):
                        delay = self.settings.retry_min_s
                except Exception as exc:
                    log.exception("reading %s", source.name)
                    self._down(f"unexpected error: {exc}")
                finally:
                    source.close()
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, self.settings.retry_max_s)
        with self._lock:
            self._state = "down"
            self._last_error = "stopped"

    def _stream(self, source: FrameSource) -> bool:
        """Grab and decode until the camera fails or `stop`; True if any frame came."""
        misses, delivered, next_scan = 0, False, 0.0
        while not self._stopping.is_set():
            if not source.grab():
                misses += 1
                if misses >= self.settings.fail_after:
                    self._down("the camera stopped delivering frames")
                    return delivered
                continue
            misses, delivered = 0, True
            now = self._clock()
            with self._lock:
                self._frames += 1
                if self._state != "ok":
                    log.info("camera %s is delivering frames", source.name)
                    self._state, self._last_error = "ok", ""
            if now < next_scan:
                continue
            next_scan = now + 1 / self.settings.decode_hz
            frame = source.retrieve()
            if frame is not None:
                self._decode(frame, now)
        return delivered

    def _decode(self, frame: Frame, now: float) -> None:
        try:
            gray = to_gray(frame)
        except BadImage as exc:
            log.debug("skipping a frame: %s", exc)
            return
        thumb = thumbnail(gray)
        retries = self._gate.retries_due(thumb, now)
        result = self._scanner(gray, formats=self.settings.formats, budget_s=self.settings.budget_s, retries=retries)
        self._gate.record(thumb, now, retried=retries and result.complete, found=bool(result.codes))
        with self._lock:
            self._scans += 1
            self._full_scans += retries
            self._last_scan_ms = result.elapsed_s * 1000
            news = [code for code in result.codes if self._debounce.accept(code.text, now)]
            self._codes += len(news)
        for code in news:
            try:
                self._on_code(code)
            except Exception:  # the kiosk's handler failing must not stop the camera
                log.exception("on_code failed for a %s code", code.format)

    def _down(self, reason: str) -> None:
        with self._lock:
            if self._state == "ok":
                self._outages += 1
                log.warning("camera %s is down: %s", self._source.name if self._source else "", reason)
            self._state, self._last_error = "down", reason
