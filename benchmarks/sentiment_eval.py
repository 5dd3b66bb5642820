"""Macro-averaged recall of the library's default sentiment on labelled posts.

Usage:
  python benchmarks/sentiment_eval.py --texts FILE --labels FILE [--lang en] [--quick] [--seed N]
  python benchmarks/sentiment_eval.py --tsv benchmarks/data/sentiment_hu.tsv --lang hu

``--texts`` has one post per line and ``--labels`` one label per line (0 negative, 1 neutral,
2 positive; the TweetEval format). ``--tsv`` reads ``label<TAB>text`` with label words
(``negative``/``neutral``/``positive``), as in the hand-written Hungarian and Romanian sets.
Every default is the library's: ``SentimentScorer()`` with its packaged analyzer for
``--lang`` and its fixed thresholds; nothing is tuned here. Plain VADER (±0.05, the
reference rules) is scored in the same run for comparison, after checking that our VADER
equals the reference ``vaderSentiment`` package on these texts.
With ``--ablation`` it also scores the library's analyzer once per rule with that rule
switched off (``RuleAnalyzer(language=..., disable={rule})``) and prints a Markdown table of
macro recall, rule on vs off (the table in ``docs/monitoring/sentiment.md``).
Prints per-class recall, then ``vader_macro_recall=`` and ``macro_recall=`` (percent) last.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from social_listen.monitor import RuleAnalyzer, SentimentScorer, VaderAnalyzer
from social_listen.monitor._sentiment_rules import RULES

LABELS = ("negative", "neutral", "positive")


def load(args: argparse.Namespace) -> tuple[list[str], list[int]]:
    if args.tsv:
        texts, labels = [], []
        for line in Path(args.tsv).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            label, _, text = line.partition("\t")
            texts.append(text)
            labels.append(LABELS.index(label.strip()))
        return texts, labels
    if not (args.texts and args.labels):
        raise SystemExit("give --texts and --labels, or --tsv")
    texts = Path(args.texts).read_text(encoding="utf-8").splitlines()
    labels = [int(x) for x in Path(args.labels).read_text(encoding="utf-8").split()]
    if len(texts) != len(labels):
        raise SystemExit(f"{len(texts)} texts but {len(labels)} labels")
    return texts, labels


def macro_recall(predicted: list[int], gold: list[int]) -> tuple[float, list[float]]:
    recalls = []
    for c in range(3):
        idx = [i for i, g in enumerate(gold) if g == c]
        recalls.append(sum(predicted[i] == c for i in idx) / len(idx) if idx else 0.0)
    return 100 * sum(recalls) / 3, [100 * r for r in recalls]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts")
    parser.add_argument("--labels")
    parser.add_argument("--tsv")
    parser.add_argument("--lang", default="en", help="analyse the posts as this language (default en)")
    parser.add_argument("--quick", action="store_true", help="a random sample of 300 posts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ablation", action="store_true", help="macro recall with each rule off")
    args = parser.parse_args()
    texts, gold = load(args)
    if args.quick and len(texts) > 300:
        idx = sorted(random.Random(args.seed).sample(range(len(texts)), 300))
        texts, gold = [texts[i] for i in idx], [gold[i] for i in idx]

    vader = VaderAnalyzer()
    reference = SentimentIntensityAnalyzer()
    vader_scores = [vader.polarity(t) for t in texts]
    same = sum(
        abs(a - reference.polarity_scores(t)["compound"]) <= 0.001
        for a, t in zip(vader_scores, texts, strict=True)
    )
    print(f"VADER parity with vaderSentiment: {same}/{len(texts)}")
    if same < 0.99 * len(texts):
        raise SystemExit("our VADER differs from the reference: not evaluating")
    vader_pred = [0 if s <= -0.05 else 2 if s >= 0.05 else 1 for s in vader_scores]

    scorer = SentimentScorer()
    ours = [scorer.score(t, language=args.lang).sentiment for t in texts]
    pred = [LABELS.index(s.label) for s in ours]
    method = ours[0].method if ours else "-"

    v_macro, v_rec = macro_recall(vader_pred, gold)
    macro, rec = macro_recall(pred, gold)
    if args.ablation:
        print("| rule | macro recall with the rule off | change from the rule |")
        print("|---|---|---|")
        for rule in RULES:
            off = SentimentScorer(analyzers={args.lang: RuleAnalyzer(language=args.lang, disable={rule})})
            off_pred = [LABELS.index(off.score(t, language=args.lang).sentiment.label) for t in texts]
            off_macro, _ = macro_recall(off_pred, gold)
            print(f"| `{rule}` | {off_macro:.2f} | {macro - off_macro:+.2f} |")
        print(f"| (all rules on) | {macro:.2f} | |")
    print(
        f"{len(texts)} posts, language {args.lang}, library default {method}, thresholds {scorer.thresholds}"
    )
    print("  plain VADER  " + "  ".join(f"{n}={r:.1f}" for n, r in zip(LABELS, v_rec, strict=True)))
    print("  library      " + "  ".join(f"{n}={r:.1f}" for n, r in zip(LABELS, rec, strict=True)))
    print(f"vader_macro_recall={v_macro:.1f}")
    print(f"macro_recall={macro:.1f}")


if __name__ == "__main__":
    main()
