"""Decode rate on real photos: OpenCV (the peer), zxing-cpp alone, and Corsia's `kiosk.scanner.decode`.

    .venv/bin/python bench/scanner.py [--corpus DIR] [--budget-s 0.25] [--repeat 1] [--candidates] [--stress]

The corpus is zxing's "blackbox" photos (core/src/test/resources/blackbox/ in github.com/zxing/zxing, Apache
2.0): each ``N.png`` has ``N.txt`` with the exact text. Found in `--corpus`, else ``$CORSIA_SCANNER_CORPUS``,
else ``corpus/zxing-blackbox`` beside or inside the repository.

Per set of photos, for each decoder: decoded (the expected text is among the results), wrong (a result that
is neither the expected text nor another code really in the photo: a misread — worse than no read), and ms
per image (p50, p95). OpenCV is ``cv2.QRCodeDetector`` on the QR sets and ``cv2.barcode.BarcodeDetector`` on
the 1D sets; zxing-cpp alone is one ``read_barcodes`` call with its defaults (every format) and plain text.

Then, the evidence for each retry stage: the photos it reads first in the pipeline, the reads lost without
it, and its wrong reads when forced on every photo; the 1D photos turned by 20-50° (a card held askew);
generated QR codes on a card bent into a wave (a soft card, a code on a T-shirt); and the cost of a camera
frame without any code, which is what an idle kiosk decodes all day. `--candidates` adds
every retry that was tried, the kept and the left out, each alone after the plain read and forced on every photo;
`--stress` every photo made worse (blur, noise, JPEG, dim, ...), to see whether the retries turn bad pictures into
misreads.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from firmware_sim.devices.camera import Look, background, compose, render_code  # noqa: E402
from kiosk.scanner.decode import KIOSK_FORMATS, Scan, _read, _zxing_formats, scan  # noqa: E402
from kiosk.scanner.stages import STAGES, Prepared, Stage, rotate  # noqa: E402

# Codes that really are in a photo besides the one its .txt names (checked by eye): the ean13-2 book carries
# its ISBN and its Japanese price barcode, qrcode-2/16 is a QR code inside a QR code.
ALSO_IN_PHOTO: dict[tuple[str, str], frozenset[str]] = {
    ("ean13-2", "*"): frozenset({"9784872348880", "1920081045006"}),
    ("qrcode-2", "16"): frozenset(
        {"[\u5185\u5074QR\u30b3\u30fc\u30c9]\r\n\r\n*\u30c0\u30d6\u30ebQR*\r\nhttp://d-qr.net/ex/"}
    ),
}


@dataclass(frozen=True, slots=True)
class Photo:
    set: str
    name: str
    image: NDArray[np.uint8]
    expected: str

    def wrong(self, texts: list[str]) -> bool:
        also = ALSO_IN_PHOTO.get((self.set, self.name), ALSO_IN_PHOTO.get((self.set, "*"), frozenset()))
        return any(t != self.expected and t not in also for t in texts)


@dataclass(slots=True)
class Tally:
    decoded: int = 0
    wrong: int = 0
    times: list[float] | None = None

    def add(self, photo: Photo, texts: list[str], seconds: float) -> None:
        self.decoded += photo.expected in texts
        self.wrong += photo.wrong(texts)
        self.times = [*(self.times or []), seconds]

    def cells(self) -> str:
        times = sorted(self.times or [0.0])
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        return f"{self.decoded} | {self.wrong} | {statistics.median(times) * 1e3:.1f} / {p95 * 1e3:.1f}"


Decoder = Callable[[Photo], list[str]]


def find_corpus(given: str | None) -> Path | None:
    candidates = [given, os.environ.get("CORSIA_SCANNER_CORPUS")]
    candidates += [str(REPO / "corpus/zxing-blackbox"), str(REPO.parent / "shared/corpus/zxing-blackbox")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "qrcode-1").is_dir():
            return Path(candidate)
    return None


def load(corpus: Path) -> list[Photo]:
    photos = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in (".png", ".jpg", ".jpeg") and path.with_suffix(".txt").exists():
                expected = path.with_suffix(".txt").read_bytes().decode("utf-8")  # bytes: keep CR LF as printed
                image = np.asarray(cv2.imread(str(path), cv2.IMREAD_COLOR), dtype=np.uint8)
                photos.append(Photo(folder.name, path.stem, image, expected))
    return photos


def opencv(photo: Photo) -> list[str]:
    if photo.set.startswith("qrcode"):
        # The bytes, decoded here: OpenCV's own str conversion raises on Shift-JIS content (which then counts
        # as wrong text); a symbol mode OpenCV does not implement (Kanji) raises too, and counts as no read.
        try:
            raw = cv2.QRCodeDetector().detectAndDecodeBytes(photo.image)[0]
        except cv2.error:
            return []
        return [bytes(raw).decode("utf-8", errors="replace")] if raw else []
    ok, texts, _types, _points = cv2.barcode.BarcodeDetector().detectAndDecodeWithType(photo.image)
    return [t for t in texts if t] if ok else []


def zxing_alone(photo: Photo) -> list[str]:
    return [b.text for b in zxingcpp.read_barcodes(photo.image, text_mode=zxingcpp.TextMode.Plain)]


def corsia(budget_s: float) -> Decoder:
    return lambda photo: [c.text for c in scan(photo.image, budget_s=budget_s).codes]


def timed(decoder: Decoder, photo: Photo, repeat: int) -> tuple[list[str], float]:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        texts = decoder(photo)
        best = min(best, time.perf_counter() - t0)
    return texts, best


def per_set_table(photos: list[Photo], decoders: dict[str, Decoder], repeat: int) -> None:
    names = list(decoders)
    print("| set | photos | " + " | ".join(f"{n}: decoded | wrong | ms p50 / p95" for n in names) + " |")
    print("|---|---|" + "---|---|---|" * len(names))
    groups: dict[str, dict[str, Tally]] = {}
    sets = sorted({p.set for p in photos}, key=lambda s: (not s.startswith("qr"), s))
    for name in sets:
        tallies = {n: Tally() for n in names}
        group = "all QR" if name.startswith("qr") else "all 1D"
        totals = groups.setdefault(group, {n: Tally() for n in names})
        members = [p for p in photos if p.set == name]
        for photo in members:
            for n, decoder in decoders.items():
                texts, seconds = timed(decoder, photo, repeat)
                tallies[n].add(photo, texts, seconds)
                totals[n].add(photo, texts, seconds)
        print(f"| {name} | {len(members)} | " + " | ".join(tallies[n].cells() for n in names) + " |")
    for group, totals in groups.items():
        count = len(totals[names[0]].times or [])
        print(f"| **{group}** | {count} | " + " | ".join(totals[n].cells() for n in names) + " |")


def stage_table(photos: list[Photo], budget_s: float) -> None:
    formats = _zxing_formats(KIOSK_FORMATS)
    first: dict[str, int] = {}
    base_ok = 0
    for photo in photos:
        result = scan(photo.image, budget_s=budget_s)
        if result.stage and photo.expected in [c.text for c in result.codes]:
            first[result.stage] = first.get(result.stage, 0) + 1
            base_ok += 1
    print(
        "\n| stage | reads it wins first | reads lost without it | wrong when forced on every photo | ms per call p50 |"
    )
    print("|---|---|---|---|---|")
    for stage in STAGES:
        without = tuple(s for s in STAGES if s is not stage)
        ok_without = sum(
            p.expected in [c.text for c in scan(p.image, budget_s=budget_s, stages=without).codes] for p in photos
        )
        wrong, times = 0, []
        for photo in photos:
            t0 = time.perf_counter()
            gray = np.asarray(cv2.cvtColor(photo.image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
            prepared = stage.prepare(gray)
            texts = [c.text for c in _read(prepared, stage, formats)] if prepared is not None else []
            times.append(time.perf_counter() - t0)
            wrong += photo.wrong(texts)
        lost = base_ok - ok_without
        print(
            f"| {stage.name} | {first.get(stage.name, 0)} | {lost} | {wrong} | {statistics.median(times) * 1e3:.1f} |"
        )


def tilted_table(photos: list[Photo], budget_s: float) -> None:
    linear = [p for p in photos if not p.set.startswith("qrcode")]
    no_rotate = tuple(s for s in STAGES if s.name != "rotate45")
    decoders: dict[str, Decoder] = {
        "zxing-cpp alone": zxing_alone,
        "Corsia without rotate45": lambda p: [c.text for c in scan(p.image, budget_s=budget_s, stages=no_rotate).codes],
        "Corsia": corsia(budget_s),
    }
    print(f"\n| 1D photos ({len(linear)}) turned by | " + " | ".join(f"{n}: decoded / wrong" for n in decoders) + " |")
    print("|---|" + "---|" * len(decoders))
    for degrees in (20, 35, 50):
        counts = {name: [0, 0] for name in decoders}
        for photo in linear:
            gray = np.asarray(cv2.cvtColor(photo.image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)
            turned = Photo(photo.set, photo.name, rotate(gray, degrees).image, photo.expected)
            for name, decoder in decoders.items():
                texts = decoder(turned)
                counts[name][0] += photo.expected in texts
                counts[name][1] += photo.wrong(texts)
        print(f"| {degrees}° | " + " | ".join(f"{ok} / {wrong}" for ok, wrong in counts.values()) + " |")


def bend(frame: NDArray[np.uint8], amplitude_px: float, wavelength_px: float) -> NDArray[np.uint8]:
    """`frame` bent into a wave: each column shifted up or down by a sine of its position across it."""
    h, w = frame.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    shift = amplitude_px * np.sin(2 * np.pi * (xs - w / 2) / wavelength_px)
    return np.asarray(cv2.remap(frame, xs, ys + shift, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT), np.uint8)


def bent_table(budget_s: float, count: int = 30) -> None:
    """Generated QR codes (pre-registration tokens and links, as the kiosk meets them) on a white card on the
    counter, turned up to 10°, the card bent into one full wave across its width: the code's rows become
    S-curves, as on a soft card or a shirt, which no perspective transform straightens."""
    rng = np.random.default_rng(7)
    alphabet = list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    prefixes = ("CORSIA:P:", "https://corsia.example/r/")
    texts = [prefixes[i % 2] + "".join(rng.choice(alphabet, 43)) for i in range(count)]
    no_unwarp = tuple(s for s in STAGES if s.name != "unwarp")
    decoders: dict[str, Callable[[NDArray[np.uint8]], Scan]] = {
        "plain read": lambda f: scan(f, retries=False),
        "Corsia without unwarp": lambda f: scan(f, budget_s=budget_s, stages=no_unwarp),
        "Corsia": lambda f: scan(f, budget_s=budget_s),
    }
    print(f"\n| {count} QR cards bent by | " + " | ".join(f"{n}: decoded / wrong" for n in decoders) + " |")
    print("|---|" + "---|" * len(decoders))
    width = 0.45
    for amplitude in (0.0, 0.02, 0.04, 0.06):
        counts = {name: [0, 0, 0] for name in decoders}  # decoded, wrong, scans the time budget cut short
        for i, text in enumerate(texts):
            look = Look(width=width, tilt_deg=float(rng.uniform(-10, 10)))
            frame = compose(render_code(text), look, background((640, 480), seed=i))
            card_px = width * frame.shape[1]
            frame = bend(frame, amplitude * card_px, card_px)
            grain = np.random.default_rng(i).normal(0, 4, frame.shape)
            frame = np.asarray(np.clip(frame + grain, 0, 255), dtype=np.uint8)
            for name, decoder in decoders.items():
                result = decoder(frame)
                found = [c.text for c in result.codes]
                counts[name][0] += text in found
                counts[name][1] += any(t != text for t in found)
                counts[name][2] += name != "plain read" and not result.complete
        label = f"{amplitude * 100:.0f} % of its width" if amplitude else "flat"
        cells = [f"{ok} / {wrong}" + (f" ({cut} cut short)" if cut else "") for ok, wrong, cut in counts.values()]
        print(f"| {label} | " + " | ".join(cells) + " |")


def idle_frame_table(budget_s: float) -> None:
    print("\n| frame without a code | plain read ms (p50) | whole pipeline ms (p50) | stages run |")
    print("|---|---|---|---|")
    for size in ((640, 480), (1280, 720)):
        frame = background(size, seed=3)
        noisy = np.clip(frame + np.random.default_rng(3).normal(0, 4, frame.shape), 0, 255).astype(np.uint8)
        plain = [scan(noisy, retries=False).elapsed_s for _ in range(15)]
        results = [scan(noisy, budget_s=budget_s) for _ in range(15)]
        full = [r.elapsed_s for r in results]
        print(
            f"| {size[0]}x{size[1]} | {statistics.median(plain) * 1e3:.1f} | {statistics.median(full) * 1e3:.1f} "
            f"| {len(results[-1].tried)} of {len(STAGES)} |"
        )


def _gray_op(op: Callable[[NDArray[np.uint8]], object]) -> Callable[[NDArray[np.uint8]], Prepared]:
    return lambda gray: Prepared(np.ascontiguousarray(np.asarray(op(gray), dtype=np.uint8)))


def _scaled(factor: float) -> Callable[[NDArray[np.uint8]], Prepared]:
    inter = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return _gray_op(lambda g: cv2.resize(g, None, fx=factor, fy=factor, interpolation=inter))


def _kernel(op: int) -> Callable[[NDArray[np.uint8]], Prepared]:
    return _gray_op(lambda g: cv2.morphologyEx(g, op, np.ones((3, 3), np.uint8)))


def _gamma(g: float) -> Callable[[NDArray[np.uint8]], Prepared]:
    table = np.array([255 * (i / 255) ** g for i in range(256)], dtype=np.uint8)
    return _gray_op(lambda gray: cv2.LUT(gray, table))


# Every retry tried, the kept ones (kiosk.scanner.stages) and those left out, so the choice can be re-checked.
CANDIDATES: dict[str, Stage] = {stage.name: stage for stage in STAGES[1:]} | {
    name: Stage(name, prepare, 1.0, binarizer)
    for name, prepare, binarizer in [
        ("fixed binariser", _gray_op(lambda g: g), zxingcpp.Binarizer.FixedThreshold),
        ("histogram equalisation", _gray_op(cv2.equalizeHist), zxingcpp.Binarizer.LocalAverage),
        ("Otsu", _gray_op(lambda g: cv2.threshold(cv2.GaussianBlur(g, (5, 5), 0), 0, 255, cv2.THRESH_OTSU)[1]),
         zxingcpp.Binarizer.LocalAverage),
        ("adaptive Gaussian 15 px", _gray_op(lambda g: cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                                                            cv2.THRESH_BINARY, 15, 5)),
         zxingcpp.Binarizer.LocalAverage),
        ("adaptive Gaussian 31 px", _gray_op(lambda g: cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                                                            cv2.THRESH_BINARY, 31, 5)),
         zxingcpp.Binarizer.LocalAverage),
        ("adaptive mean 71 px", _gray_op(lambda g: cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C,
                                                                        cv2.THRESH_BINARY, 71, 5)),
         zxingcpp.Binarizer.LocalAverage),
        ("sharpen", _gray_op(lambda g: cv2.addWeighted(g, 1.5, cv2.GaussianBlur(g, (0, 0), 3), -0.5, 0)),
         zxingcpp.Binarizer.LocalAverage),
        ("gamma 0.5", _gamma(0.5), zxingcpp.Binarizer.LocalAverage),
        ("gamma 2", _gamma(2.0), zxingcpp.Binarizer.LocalAverage),
        ("Gaussian blur 5 px", _gray_op(lambda g: cv2.GaussianBlur(g, (5, 5), 0)), zxingcpp.Binarizer.LocalAverage),
        ("median 5 px", _gray_op(lambda g: cv2.medianBlur(g, 5)), zxingcpp.Binarizer.LocalAverage),
        ("bilateral", _gray_op(lambda g: cv2.bilateralFilter(g, 7, 50, 50)), zxingcpp.Binarizer.LocalAverage),
        ("opening 3 px", _kernel(cv2.MORPH_OPEN), zxingcpp.Binarizer.LocalAverage),
        ("closing 3 px", _kernel(cv2.MORPH_CLOSE), zxingcpp.Binarizer.LocalAverage),
        ("invert", _gray_op(lambda g: 255 - g), zxingcpp.Binarizer.LocalAverage),
        ("downscale 0.5x", _scaled(0.5), zxingcpp.Binarizer.LocalAverage),
        ("downscale 0.75x", _scaled(0.75), zxingcpp.Binarizer.LocalAverage),
        ("upscale 2x", _scaled(2.0), zxingcpp.Binarizer.LocalAverage),
        ("upscale 3x", _scaled(3.0), zxingcpp.Binarizer.LocalAverage),
        ("rotate 22.5°", lambda g: rotate(g, 22.5), zxingcpp.Binarizer.LocalAverage),
    ]
}  # fmt: skip


def candidates_table(photos: list[Photo], budget_s: float) -> None:
    """Each candidate retry alone after the plain read, after the whole kept pipeline, and forced on every
    photo (its misread rate)."""
    formats = _zxing_formats(KIOSK_FORMATS)
    grays = [np.asarray(cv2.cvtColor(p.image, cv2.COLOR_BGR2GRAY), dtype=np.uint8) for p in photos]
    plain = [bool(_read(Prepared(g), STAGES[0], formats)) for g in grays]
    piped = [bool(scan(g, budget_s=budget_s).codes) for g in grays]  # the kept pipeline found something
    print("\n| candidate retry | reads where the plain read finds nothing (wrong) | where the kept pipeline "
          "finds nothing | forced on every photo: decoded / wrong |")  # fmt: skip
    print("|---|---|---|---|")
    for name, stage in CANDIDATES.items():
        gained = wrong_after = beyond = decoded = wrong = 0
        for photo, gray, first, kept in zip(photos, grays, plain, piped, strict=True):
            prepared = stage.prepare(gray)
            texts = [c.text for c in _read(prepared, stage, formats)] if prepared is not None else []
            decoded += photo.expected in texts
            wrong += photo.wrong(texts)
            beyond += photo.expected in texts and not kept
            if not first:
                gained += photo.expected in texts
                wrong_after += photo.wrong(texts)
        label = f"{name} (kept)" if name in {s.name for s in STAGES} else name
        print(f"| {label} | {gained} ({wrong_after}) | {beyond} | {decoded} / {wrong} |")


def _jpeg(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 25])[1]
    return np.asarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR), dtype=np.uint8)


def _noise(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    grain = np.random.default_rng(1).normal(0, 15, image.shape)
    return np.asarray(np.clip(image + grain, 0, 255), dtype=np.uint8)


# Worse pictures than the corpus's: does a retry turn them into misreads where the plain read gave none?
DEGRADATIONS: dict[str, Callable[[NDArray[np.uint8]], NDArray[np.uint8]]] = {
    "out of focus (Gaussian 1.5 px)": lambda i: np.asarray(cv2.GaussianBlur(i, (0, 0), 1.5), dtype=np.uint8),
    "motion blur (7 px)": lambda i: np.asarray(cv2.filter2D(i, -1, np.ones((1, 7), np.float32) / 7), np.uint8),
    "farther (0.6x)": lambda i: np.asarray(cv2.resize(i, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)),
    "sensor noise (sigma 15)": _noise,
    "JPEG quality 25": _jpeg,
    "dim (35 % light)": lambda i: np.asarray(i * 0.35, dtype=np.uint8),
}


def stress_table(photos: list[Photo], budget_s: float) -> None:
    print("\n| every photo made worse | plain read: decoded / wrong | Corsia: decoded / wrong |")
    print("|---|---|---|")
    for name, worsen in DEGRADATIONS.items():
        plain_ok = plain_wrong = ok = wrong = 0
        for photo in photos:
            image = worsen(photo.image)
            first = [c.text for c in scan(image, retries=False).codes]
            texts = [c.text for c in scan(image, budget_s=budget_s).codes]
            plain_ok, plain_wrong = plain_ok + (photo.expected in first), plain_wrong + photo.wrong(first)
            ok, wrong = ok + (photo.expected in texts), wrong + photo.wrong(texts)
        print(f"| {name} | {plain_ok} / {plain_wrong} | {ok} / {wrong} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="the zxing blackbox folder (with qrcode-1, ean13-2, ...)")
    parser.add_argument("--budget-s", type=float, default=0.25, help="Corsia's time budget per image")
    parser.add_argument("--repeat", type=int, default=1, help="decode each photo this many times, keep the best")
    parser.add_argument("--candidates", action="store_true", help="also every retry tried, kept or left out")
    parser.add_argument("--stress", action="store_true", help="also the photos blurred, noisy, dim, ...")
    args = parser.parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        print("corpus not found: pass --corpus DIR (zxing's core/src/test/resources/blackbox)", file=sys.stderr)
        return 2
    photos = load(corpus)
    print(
        f"{len(photos)} photos from {corpus}; OpenCV {cv2.__version__}, zxing-cpp "
        f"{importlib.metadata.version('zxing-cpp')}, Corsia budget {args.budget_s * 1e3:.0f} ms, "
        f"Python {sys.version.split()[0]}\n"
    )
    decoders: dict[str, Decoder] = {"OpenCV": opencv, "zxing-cpp": zxing_alone, "Corsia": corsia(args.budget_s)}
    per_set_table(photos, decoders, args.repeat)
    stage_table(photos, args.budget_s)
    tilted_table(photos, args.budget_s)
    bent_table(args.budget_s)
    idle_frame_table(args.budget_s)
    if args.candidates:
        candidates_table(photos, args.budget_s)
    if args.stress:
        stress_table(photos, args.budget_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
