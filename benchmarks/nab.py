"""NAB (Numenta Anomaly Benchmark) score of social_listen's spike detector.

Usage: python benchmarks/nab.py DATA_DIR [--quick] [--seed N]

DATA_DIR holds ``*.csv`` files (``timestamp,value``) and ``windows.json`` (NAB's labelled
anomaly windows, keys like ``realTweets/Twitter_volume_AAPL.csv``, matched by file name). The
NAB scoring is reimplemented here (not in the library), following NAB's scorer:

1. rows before the probation point P = min(floor(0.15 n), 750) are ignored;
2. sigma(y) = 2 / (1 + e^(5y)) - 1, and -1 when y > 3;
3. a detection at row i in window [L, R] (w = R - L + 1) is worth sigma(-(R - i + 1) / w) * tp / sigma(-1);
4. a detection outside every window is worth fp * sigma(|pR - i| / (pw - 1)) from the previous
   window, or -fp before the first window ends;
5. per window the best detection counts, or -fn when none; false positives all count;
6. normalised: 100 (S - S_null) / (S_perfect - S_null) with S_null = -fn W, S_perfect = tp W.

``nab_standard=`` is at the library's fixed default threshold (the figure that counts);
``nab_standard_swept=``, ``nab_low_fp=`` and ``nab_low_fn=`` use the best threshold over the set
for each profile, for comparison with published numbers. The scorer is checked first: the null
detector must score 0 and a perfect one 100. A simple baseline (rolling mean + 3 standard
deviations) is scored in the same run.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from social_listen.listener import detect_spikes
from social_listen.listener._spikes import DEFAULT_THRESHOLD

PROFILES = {
    "standard": (1.0, 1.0, 0.11),
    "low_fp": (1.0, 1.0, 0.22),
    "low_fn": (1.0, 2.0, 0.11),
}


@dataclass
class Series:
    name: str
    times: list[datetime]
    values: list[float]
    windows: list[tuple[int, int]]


def load(data_dir: Path) -> list[Series]:
    raw = json.loads((data_dir / "windows.json").read_text(encoding="utf-8"))
    windows = {key.rsplit("/", 1)[-1]: value for key, value in raw.items()}
    out = []
    for path in sorted(data_dir.glob("*.csv")):
        times: list[datetime] = []
        values: list[float] = []
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                times.append(datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M:%S"))
                values.append(float(row["value"]))
        spans = []
        for left, right in windows.get(path.name, []):
            lo = datetime.strptime(left, "%Y-%m-%d %H:%M:%S.%f")
            hi = datetime.strptime(right, "%Y-%m-%d %H:%M:%S.%f")
            rows = [i for i, t in enumerate(times) if lo <= t <= hi]
            spans.append((rows[0], rows[-1]))
        out.append(Series(path.name, times, values, spans))
    return out


def sigma(y: float) -> float:
    if y > 3:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * y)) - 1.0


def file_score(
    detected: list[bool], windows: list[tuple[int, int]], profile: tuple[float, float, float]
) -> float:
    tp, fn, fp = profile
    n = len(detected)
    probation = min(math.floor(0.15 * n), 750)
    best: list[float | None] = [None] * len(windows)
    total = 0.0
    for i in range(probation, n):
        if not detected[i]:
            continue
        inside = None
        previous = None
        for k, (left, right) in enumerate(windows):
            if left <= i <= right:
                inside = k
                break
            if right < i:
                previous = (left, right)
        if inside is not None:
            left, right = windows[inside]
            width = right - left + 1
            value = sigma(-(right - i + 1) / width) * tp / sigma(-1.0)
            current = best[inside]
            if current is None or value > current:
                best[inside] = value
        elif previous is None:
            total -= fp
        else:
            p_left, p_right = previous
            total += fp * sigma(abs(p_right - i) / (p_right - p_left))
    return total + sum(b if b is not None else -fn for b in best)


def normalized(
    detections: list[list[bool]], data: list[Series], profile: tuple[float, float, float]
) -> float:
    tp, fn, _ = profile
    n_windows = sum(len(s.windows) for s in data)
    score = sum(file_score(d, s.windows, profile) for d, s in zip(detections, data, strict=True))
    return 100.0 * (score + fn * n_windows) / (tp * n_windows + fn * n_windows)


def ours(data: list[Series], threshold: float) -> list[list[bool]]:
    return [[p.flagged for p in detect_spikes(s.values, threshold=threshold).points] for s in data]


def baseline_detections(series: Series, k: float, window: int = 1440, cooldown: int = 288) -> list[bool]:
    """Rolling mean + k standard deviations of the previous `window` points, same cool-down."""
    last = -(10**9)
    recent: deque[float] = deque()
    total = squares = 0.0
    out = []
    for value in series.values:
        n = len(recent)
        if n >= 50:
            mean = total / n
            std = math.sqrt(max(squares / n - mean * mean, 0.0)) or 1.0
            hit = value > mean + k * std and len(out) - last > cooldown
            if hit:
                last = len(out)
            out.append(hit)
        else:
            out.append(False)
        recent.append(value)
        total += value
        squares += value * value
        if len(recent) > window:
            old = recent.popleft()
            total -= old
            squares -= old * old
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--quick", action="store_true", help="coarser threshold sweep")
    parser.add_argument("--seed", type=int, default=0, help="unused: the benchmark is deterministic")
    args = parser.parse_args()
    data = load(args.data_dir)
    n_rows = sum(len(s.values) for s in data)
    print(f"series: {len(data)}, rows: {n_rows}, windows: {sum(len(s.windows) for s in data)}")

    # The scorer first: null detector 0, perfect detector (first row of each window) 100.
    null = [[False] * len(s.values) for s in data]
    perfect = []
    for s in data:
        flags = [False] * len(s.values)
        for left, _ in s.windows:
            flags[left] = True
        perfect.append(flags)
    for name, profile in PROFILES.items():
        assert abs(normalized(null, data, profile)) < 1e-9, name
        assert abs(normalized(perfect, data, profile) - 100.0) < 1e-9, name
    print("scorer check: null=0 perfect=100 on every profile")

    timings = []
    ours(data, DEFAULT_THRESHOLD)  # warm-up
    for _ in range(3):
        start = time.perf_counter()
        default = ours(data, DEFAULT_THRESHOLD)
        timings.append(time.perf_counter() - start)
    rows = sum(len(s.values) for s in data)
    print(f"detector: {rows / statistics.median(timings):,.0f} points/s (median of 3)")
    standard = normalized(default, data, PROFILES["standard"])

    step = 0.1 if args.quick else 0.05
    grid = [round(step * i, 2) for i in range(1, round(1 / step))]
    per_threshold = {t: ours(data, t) for t in grid}
    per_threshold[DEFAULT_THRESHOLD] = default
    swept = {
        name: max((normalized(d, data, profile), t) for t, d in per_threshold.items())
        for name, profile in PROFILES.items()
    }
    for name, (value, t) in swept.items():
        print(f"ours {name}: {value:.1f} at threshold {t}")
    base = max(
        (normalized([baseline_detections(s, k) for s in data], data, PROFILES["standard"]), k)
        for k in (2.0, 3.0, 4.0)
    )
    print(f"baseline rolling mean+k*std (same cool-down), best k={base[1]}: standard {base[0]:.1f}")
    print(f"ours at the fixed default threshold {DEFAULT_THRESHOLD}: standard {standard:.1f}")
    print(f"nab_standard_swept={swept['standard'][0]:.1f}")
    print(f"nab_low_fp={swept['low_fp'][0]:.1f}")
    print(f"nab_low_fn={swept['low_fn'][0]:.1f}")
    print(f"nab_standard={standard:.1f}")


if __name__ == "__main__":
    main()
