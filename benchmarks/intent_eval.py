"""Precision and recall of the intent detector on a hand-labelled set.

Usage: python benchmarks/intent_eval.py [--lang en|hu|ro|all] [--data FILE] [--quick] [--seed N]

The sets are ``benchmarks/data/intent_<lang>.tsv`` (``labels<TAB>text``, labels comma-separated;
``none`` = no intent), written by hand before the intent lexicons. The sentiment passed to the
detector is the library's default scorer, exactly as the enrichment pipeline does it.
Prints per-label precision/recall, then ``intent_macro_precision= intent_macro_recall=``.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from social_listen.monitor import INTENT_LABELS, IntentDetector, SentimentScorer

DATA = Path(__file__).parent / "data"


def load(path: Path) -> list[tuple[set[str], str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        labels, _, text = line.partition("\t")
        rows.append(({x for x in labels.split(",") if x and x != "none"}, text))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", default="all", choices=["en", "hu", "ro", "all"])
    parser.add_argument("--data", type=Path, help="a labels<TAB>text file (overrides --lang's set)")
    parser.add_argument("--quick", action="store_true", help="a sample of 40 posts per language")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    langs = ["en", "hu", "ro"] if args.lang == "all" else [args.lang]
    detector = IntentDetector()
    scorer = SentimentScorer()
    rng = random.Random(args.seed)
    tp = dict.fromkeys(INTENT_LABELS, 0)
    fp = dict.fromkeys(INTENT_LABELS, 0)
    fn = dict.fromkeys(INTENT_LABELS, 0)
    total = 0
    for lang in langs:
        rows = load(args.data if args.data else DATA / f"intent_{lang}.tsv")
        if args.quick:
            rows = rng.sample(rows, min(40, len(rows)))
        for gold, text in rows:
            sentiment = scorer.score(text, language=lang).sentiment.score
            got = set(detector.detect(text, language=lang, sentiment=sentiment).labels)
            total += 1
            for label in INTENT_LABELS:
                tp[label] += label in gold and label in got
                fp[label] += label not in gold and label in got
                fn[label] += label in gold and label not in got
    precisions, recalls = [], []
    print(f"intent evaluation on {total} posts ({', '.join(langs)})")
    for label in INTENT_LABELS:
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 1.0
        r = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 1.0
        precisions.append(p)
        recalls.append(r)
        print(
            f"  {label:10s} precision={100 * p:5.1f} recall={100 * r:5.1f}"
            f"  (tp={tp[label]} fp={fp[label]} fn={fn[label]})"
        )
    print(f"intent_macro_precision={100 * sum(precisions) / len(precisions):.1f}")
    print(f"intent_macro_recall={100 * sum(recalls) / len(recalls):.1f}")


if __name__ == "__main__":
    main()
