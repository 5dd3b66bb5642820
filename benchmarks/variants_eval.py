"""Brand-variant matching on real misspellings: recall, and false matches on real words.

Each correct word of 5+ letters in a ``correct: miss1 miss2 ...`` file (Norvig's spelling test
set) becomes a one-word BrandProfile. ``recall`` is the share of its misspellings that match
its profile at default settings; ``false_match_rate`` is the share of the other words in a
word list (Debian's wamerican) that match any profile, each brand's own plurals and
possessives excluded. The guard's word lists come from wordfreq, never from the word list.

Baselines in the same run: plain edit distance (Levenshtein: 1 edit, 2 from 9 letters), and
the matcher's own typo distance computed by brute force. Before measuring, the matcher with
its guard off must give exactly the brute-force answers.

    python benchmarks/variants_eval.py --pairs FILE --words FILE [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

from rapidfuzz.distance import OSA, Levenshtein

from social_listen.query import BrandProfile, MatcherSet, fold, typo_budget, typo_distance


def read_pairs(path: Path) -> dict[str, list[str]]:
    pairs: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if ":" not in line:
            continue
        correct, _, misses = line.partition(":")
        correct = correct.strip()
        if len(correct) >= 5 and correct.isalpha():
            pairs.setdefault(fold(correct), []).extend(fold(m) for m in misses.split())
    return pairs


def other_words(path: Path, brands: set[str]) -> list[str]:
    excluded = set(brands)
    for brand in brands:
        excluded.update({brand + "s", brand + "es", brand + "'s", brand + "s'"})
    words = []
    seen = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = fold(line.strip())
        if word and word not in excluded and word not in seen:
            seen.add(word)
            words.append(word)
    return words


def baseline(brands: list[str], text: str, metric: str) -> set[str]:
    """Brands within edit distance of any word of ``text`` ("carter's" is "carter" and "s")."""
    out = set()
    for word in re.findall(r"\w+", text):
        for brand in brands:
            if metric == "typo":
                budget = typo_budget(brand)
                if budget and OSA.distance(word, brand) <= 2 and typo_distance(word, brand) <= budget:
                    out.add(brand)
            elif Levenshtein.distance(word, brand) <= (1 if len(brand) < 9 else 2):
                out.add(brand)
    return out


def evaluate(matched: list[set[str]], pairs: dict[str, list[str]], words: list[str]) -> tuple[float, float]:
    n_miss = sum(len(v) for v in pairs.values())
    hits = 0
    index = 0
    for brand, misses in pairs.items():
        for _ in misses:
            hits += brand in matched[index]
            index += 1
    false = sum(1 for names in matched[index:] if names)
    return hits / n_miss, false / max(1, len(words))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--words", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="30 brands, 5,000 words")
    args = parser.parse_args()

    pairs = read_pairs(args.pairs)
    rng = random.Random(args.seed)
    if args.quick:
        keep = sorted(rng.sample(sorted(pairs), min(30, len(pairs))))
        pairs = {k: pairs[k] for k in keep}
    words = other_words(args.words, set(pairs))
    if args.quick:
        words = rng.sample(words, min(5000, len(words)))
    brands = list(pairs)
    texts = [m for misses in pairs.values() for m in misses] + words
    print(f"{len(brands)} brands, {sum(map(len, pairs.values()))} misspellings, {len(words)} other words")

    plain = MatcherSet([BrandProfile(name=b, min_zipf=99.0) for b in brands])  # guard never fires
    guarded = MatcherSet([BrandProfile(name=b) for b in brands])

    # The matcher without its guard must agree with the brute-force typo distance on every text.
    typo_answers = [baseline(brands, t, "typo") for t in texts]
    plain_answers = [set(plain.match(t)) for t in texts]
    disagree = [t for t, a, b in zip(texts, typo_answers, plain_answers, strict=True) if a != b]
    if disagree:
        print(
            f"matcher without guard disagrees with brute force on {len(disagree)} texts, e.g. {disagree[:5]}"
        )
        return 1
    lev_answers = [baseline(brands, t, "levenshtein") for t in texts]

    guarded.match_batch(texts[:200])  # warm-up: loads the guard's word list
    times = []
    for _ in range(3):
        start = time.perf_counter()
        answers = [set(names) for names in guarded.match_batch(texts)]
        times.append(time.perf_counter() - start)

    lev = evaluate(lev_answers, pairs, words)
    typo = evaluate(typo_answers, pairs, words)
    ours = evaluate(answers, pairs, words)
    print(f"plain Levenshtein (1 edit, 2 from 9 letters): recall {lev[0]:.3f}  false matches {lev[1]:.4f}")
    print(f"typo distance, no guard:                    recall {typo[0]:.3f}  false matches {typo[1]:.4f}")
    print(f"BrandProfile defaults (guarded):            recall {ours[0]:.3f}  false matches {ours[1]:.4f}")
    print(f"matching time: {statistics.median(times):.2f} s for {len(texts)} texts")
    print(f"baseline_recall={lev[0]:.4f} baseline_false_match_rate={lev[1]:.5f}")
    print(f"recall={ours[0]:.4f} false_match_rate={ours[1]:.5f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
