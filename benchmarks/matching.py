"""Compiled multi-query matching against a regex baseline, 10 / 100 / 1000 queries.

Posts: 5-50 words drawn from wordfreq's most frequent words of English, Hungarian and
Romanian, with hashtags, @handles, URLs and emoji; about 10% mention one of the brands, some
misspelled. Queries mix plain terms, phrases, wildcards, NEAR, ``~1`` and NOT.

Baseline: per query, one case-insensitive regex alternation of its positive atoms with word
boundaries (on the same folded text); when it finds something, the query's boolean structure
is evaluated in Python with one regex per atom (fuzzy atoms: rapidfuzz on each word, with
the same ordinary-word guard). Both must give the same answers before anything is timed.

Figures are posts per second of CPU time of this one process (one core), the median of 3
runs after a warm-up; wall-clock rates are printed beside them because a shared machine
inflates wall time. The warm-up fills the matcher's caches (folded chunks of text, the
wildcard and fuzzy verdict of each word), as a long-running stream does; a human-readable
line also gives the first pass of a fresh 1000-query matcher with every cache empty.

    python benchmarks/matching.py [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable

import wordfreq
from rapidfuzz.distance import OSA

from social_listen.query import (
    And,
    Field,
    Handle,
    Hashtag,
    MatcherSet,
    Near,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Raw,
    Term,
    fold,
    is_ordinary_word,
    parse,
)

SYLLABLES = ("ka", "zo", "lex", "vin", "tor", "bri", "sa", "mek", "quo", "ran", "dil")
SYLLABLES += ("fen", "gar", "hu", "jol", "nix", "pra", "sti", "vel", "wex", "yor", "zan")
EMOJI = ["😀", "🔥", "👍", "🚀", "💔", "🙏", "😡", "🎉"]
PRODUCTS = ["phone", "app", "card", "bank", "shop", "cloud", "router", "bike", "coffee", "tv"]


def brand_names(rng: random.Random, count: int, vocabulary: set[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3))))
        if 5 <= len(name) <= 9 and name not in seen and name not in vocabulary:
            seen.add(name)
            names.append(name)
    return names


def make_query(index: int, brand: str, rng: random.Random) -> str:
    product = rng.choice(PRODUCTS)
    return [
        f"{brand}",
        f'"{brand} {product}" OR {brand}{product}',
        f"{brand[:4]}* -jobs",
        f"{brand} NEAR/3 (broken OR refund OR love OR szeretem)",
        f"{brand}~1 -spam",
        f'(#{brand} OR @{brand} OR {brand}) AND NOT "free trial"',
    ][index % 6]


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word) - 1)
    return (
        word[:i] + word[i + 1] + word[i] + word[i + 2 :] if rng.random() < 0.5 else word[:i] + word[i + 1 :]
    )


def make_posts(rng: random.Random, count: int, brands: list[str]) -> list[str]:
    vocab = {lang: [w for w in wordfreq.top_n_list(lang, 4000) if w.isalpha()] for lang in ("en", "hu", "ro")}
    posts = []
    for _ in range(count):
        words = rng.choices(vocab[rng.choice(("en", "en", "hu", "ro"))], k=rng.randint(5, 50))
        if rng.random() < 0.1:
            brand = rng.choice(brands)
            form = rng.choice((brand, brand.capitalize(), "#" + brand, typo(brand, rng), brand + "'s"))
            words.insert(rng.randrange(len(words) + 1), form)
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words) + 1), rng.choice(("broken", "refund", "jobs", "spam")))
        if rng.random() < 0.2:
            words.append("#" + rng.choice(vocab["en"]))
        if rng.random() < 0.15:
            words.insert(0, "@" + rng.choice(vocab["en"]) + str(rng.randint(1, 99)))
        if rng.random() < 0.1:
            words.append(f"https://example{rng.randint(1, 9)}.com/{rng.choice(vocab['en'])}")
        if rng.random() < 0.3:
            words.append(rng.choice(EMOJI))
        posts.append(" ".join(words))
    return posts


# --- the baseline ---------------------------------------------------------------------------
_WORD = re.compile(r"\w+")


def _atom_regex(node: Node) -> str:
    if isinstance(node, Term) and node.fuzzy is None:
        words = re.findall(r"[\w*?]+", fold(node.value))
        body = r"\W+".join(re.escape(w).replace(r"\*", r"\w*").replace(r"\?", r"\w") for w in words)
        return rf"(?<!\w){body}(?!\w)"
    if isinstance(node, Phrase):
        return r"(?<!\w)" + r"\W+".join(map(re.escape, _WORD.findall(fold(node.value)))) + r"(?!\w)"
    if isinstance(node, Hashtag):
        return rf"(?<![\w&])#{re.escape(fold(node.value))}(?!\w)"
    if isinstance(node, Handle):
        return rf"(?<![\w.])@{re.escape(fold(node.value))}(?![\w.\-]\w|\w)"
    raise ValueError(node)


class BaselineQuery:
    def __init__(self, parsed: ParsedQuery) -> None:
        self.root = parsed.root
        self.atoms: dict[int, re.Pattern[str]] = {}
        positive: list[str] = []
        self._collect(self.root, positive, negated=False)
        self.any_positive = re.compile("|".join(f"(?:{p})" for p in positive), re.IGNORECASE)

    def _collect(self, node: Node, out: list[str], *, negated: bool) -> None:
        if isinstance(node, Not):
            self._collect(node.child, out, negated=True)
        elif isinstance(node, And | Or):
            for child in node.children:
                self._collect(child, out, negated=negated)
        elif isinstance(node, Near):
            self._collect(node.left, out, negated=negated)
            self._collect(node.right, out, negated=negated)
        elif isinstance(node, Term) and node.fuzzy is not None:
            if not negated:  # a fuzzy word starts with its first letters or ends with its last
                word = fold(node.value)
                half = len(word) // 2
                out.append(rf"(?<!\w){re.escape(word[:half])}\w*|\w*{re.escape(word[half + 1 :])}(?!\w)")
        else:
            pattern = _atom_regex(node)
            self.atoms[id(node)] = re.compile(pattern, re.IGNORECASE)
            if not negated:
                out.append(pattern)

    def matches(self, folded: str) -> bool:
        """Whether the query matches the already folded post text."""
        if not self.any_positive.search(folded):
            return False
        return self._eval(self.root, folded)

    def _spans(self, node: Node, text: str) -> list[tuple[int, int]]:
        if isinstance(node, Or):
            return [s for child in node.children for s in self._spans(child, text)]
        out = []
        for m in self.atoms[id(node)].finditer(text):
            first = len(_WORD.findall(text[: m.start()]))
            out.append((first, first + len(_WORD.findall(m.group())) - 1))
        return out

    def _eval(self, node: Node, text: str) -> bool:
        if isinstance(node, Not):
            return not self._eval(node.child, text)
        if isinstance(node, And):
            return all(self._eval(c, text) for c in node.children)
        if isinstance(node, Or):
            return any(self._eval(c, text) for c in node.children)
        if isinstance(node, Near):
            left, right = self._spans(node.left, text), self._spans(node.right, text)
            return any(
                (b[0] - a[1] - 1 <= node.distance and b[0] > a[1])
                or (not node.ordered and a[0] > b[1] and a[0] - b[1] - 1 <= node.distance)
                for a in left
                for b in right
            )
        if isinstance(node, Term) and node.fuzzy is not None:
            word = fold(node.value)
            return any(
                w == word
                or (
                    OSA.distance(w, word, score_cutoff=node.fuzzy) <= node.fuzzy
                    and not is_ordinary_word(w, word, ["en"])
                )
                for w in _WORD.findall(text)
            )
        assert not isinstance(node, Field | Raw)
        return self.atoms[id(node)].search(text) is not None


def baseline_match(baseline: dict[str, BaselineQuery], posts: list[str]) -> list[list[str]]:
    out = []
    for post in posts:
        folded = fold(post)  # once per post, as a fair baseline would
        out.append([name for name, query in baseline.items() if query.matches(folded)])
    return out


# --- timing ---------------------------------------------------------------------------------
WALL: dict[str, float] = {}


def median_time(func: Callable[[], object], label: str = "") -> float:
    """Median CPU seconds of 3 runs after a warm-up (CPU time: the machine may be shared).

    The median wall-clock time is kept in WALL[label] for the human-readable lines.
    """
    func()  # warm-up
    cpu, wall = [], []
    for _ in range(3):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        func()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    WALL[label] = statistics.median(wall)
    return statistics.median(cpu)


def median_cold(queries: dict[str, ParsedQuery], posts: list[str]) -> float:
    """Median CPU seconds of 3 first passes, each by a new matcher with all caches empty."""
    from social_listen.query import _normalize  # the process-wide cache of folded chunks

    cpu = []
    for _ in range(3):
        _normalize._CHUNK_FOLDS.clear()
        matcher = MatcherSet(queries)
        start = time.process_time()
        matcher.match_batch(posts)
        cpu.append(time.process_time() - start)
    return statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="2,000 posts, baseline on 50")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    n_posts, n_baseline = (2000, 50) if args.quick else (50_000, 1000)

    vocabulary = {w for lang in ("en", "hu", "ro") for w in wordfreq.top_n_list(lang, 20000)}
    brands = brand_names(rng, 1000, vocabulary)
    texts = [make_query(i, b, rng) for i, b in enumerate(brands)]
    posts = make_posts(rng, n_posts, brands)
    print(f"{len(posts)} posts, {sum(len(p) for p in posts) / len(posts):.0f} characters on average")

    figures: dict[str, float] = {}
    for size in (10, 100, 1000):
        queries = {f"q{i}": parse(t) for i, t in enumerate(texts[:size])}
        build = time.perf_counter()
        matcher = MatcherSet(queries)
        build = time.perf_counter() - build
        sample = posts[:n_baseline]
        ours = matcher.match_batch(sample)
        if size == 1000:
            baseline = {name: BaselineQuery(q) for name, q in queries.items()}
            expected = baseline_match(baseline, sample)
            if expected != ours:
                bad = next(i for i, (a, b) in enumerate(zip(expected, ours, strict=True)) if a != b)
                print(
                    f"answers differ on post {bad}: baseline {expected[bad]} ours {ours[bad]}\n{sample[bad]}"
                )
                return 1
            matched = sum(1 for names in ours if names)
            print(f"answers equal on {len(sample)} posts ({matched} match at least one query)")
            seconds = median_time(lambda b=baseline, s=sample: baseline_match(b, s), "baseline")
            figures["baseline_posts_per_s_1000"] = len(sample) / seconds
        seconds = median_time(lambda m=matcher: m.match_batch(posts), str(size))
        figures[f"posts_per_s_{size}"] = len(posts) / seconds
        print(
            f"{size:>5} queries: {matcher.atom_count} atoms, built in {build * 1000:.0f} ms, "
            f"{figures[f'posts_per_s_{size}']:,.0f} posts per CPU second "
            f"({len(posts) / WALL[str(size)]:,.0f} per wall-clock second)"
        )
    cold = median_cold(queries, posts)
    print(f" 1000 queries, first pass with empty caches: {len(posts) / cold:,.0f} posts per CPU second")
    figures["ratio_1000"] = figures["posts_per_s_1000"] / figures["baseline_posts_per_s_1000"]
    print(
        "baseline (regex alternation per query), 1000 queries: "
        f"{figures['baseline_posts_per_s_1000']:,.0f} posts/s"
    )
    keys = (
        "posts_per_s_10",
        "posts_per_s_100",
        "posts_per_s_1000",
        "baseline_posts_per_s_1000",
        "ratio_1000",
    )
    print(" ".join(f"{k}={figures[k]:.1f}" for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
