"""Pearson correlation of the library's sentiment with human ratings.

Usage: python benchmarks/sentiment_gt.py FILE [--lang en] [--quick] [--seed N]

FILE has lines ``id<TAB>mean rating<TAB>text`` with the mean of several human ratings on
-4..4 (the format of VADER's published ground-truth files, e.g. ``tweets_GroundTruth.txt``).
With ``--quick`` and no FILE, the small self-written sample
``benchmarks/data/sentiment_gt_sample.tsv`` is used (a smoke test for CI, not an evaluation).
Prints ``vader_r=`` (plain VADER, same run) then ``r=`` (the library's default) last.
"""

from __future__ import annotations

import argparse
import math
import random
from pathlib import Path

from social_listen.monitor import SentimentScorer, VaderAnalyzer

SAMPLE = Path(__file__).parent / "data" / "sentiment_gt_sample.tsv"


def pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    vy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return cov / (vx * vy) if vx and vy else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", nargs="?")
    parser.add_argument("--lang", default="en")
    parser.add_argument("--quick", action="store_true", help="at most 500 lines (the sample when no FILE)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.file is None and not args.quick:
        raise SystemExit("give FILE (id<TAB>rating<TAB>text), or --quick for the bundled sample")
    path = Path(args.file) if args.file else SAMPLE
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t", 2)
        if len(parts) == 3:
            rows.append((float(parts[1]), parts[2]))
    if args.quick and len(rows) > 500:
        rows = random.Random(args.seed).sample(rows, 500)
    ratings = [r for r, _ in rows]
    scorer = SentimentScorer()
    vader = VaderAnalyzer()
    ours = [scorer.score(t, language=args.lang).sentiment.score for _, t in rows]
    plain = [vader.polarity(t) for _, t in rows]
    print(f"{len(rows)} rated texts from {path.name}, language {args.lang}")
    print(f"vader_r={pearson(plain, ratings):.3f}")
    print(f"r={pearson(ours, ratings):.3f}")


if __name__ == "__main__":
    main()
