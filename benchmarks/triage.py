"""Triage throughput: the whole per-mention enrichment against nltk's VADER alone.

Usage: python benchmarks/triage.py [--posts N] [--quick] [--seed N]

Generated posts (5-50 words of English, Hungarian and Romanian social-media vocabulary with
hashtags, @handles, URLs and emoji; about 10% mention one of 100 brands, some misspelled) go
through the library's enrichment: normalization, matching 100 brand profiles
(``social_listen.query.MatcherSet``), language detection, sentiment (whole post and
brand-targeted), intent, reach/influence and urgency. The baseline is nltk's
``SentimentIntensityAnalyzer`` alone, loading the lexicon shipped in the ``vaderSentiment``
wheel. Before timing, the answers are checked: our exact VADER must equal the reference
``vaderSentiment`` package on the posts; nltk's port (which ignores emoji and fixed the "but"
rule) is compared label by label for information.

Each figure is the median of 3 runs after one warm-up, one process; the whole enrichment and
nltk are run alternately, so a load that changes during the run weighs on both. Prints per-stage
microseconds, then ``us_per_post_<stage>=`` lines and
``triage_posts_per_s= nltk_posts_per_s= ratio=`` last. Terms for the listener are not a triage
stage; their cost is printed for information (``us_per_post_terms_info=``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import nltk
import vaderSentiment
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as ReferenceVader

from social_listen.core import Author, Mention, Metrics
from social_listen.listener import extract_terms
from social_listen.monitor import (
    Enricher,
    InfluenceModel,
    IntentDetector,
    LanguageDetector,
    ReachModel,
    SentimentScorer,
    UrgencyModel,
    VaderAnalyzer,
    choose_language,
)
from social_listen.query import BrandProfile, MatcherSet, normalize

EN_WORDS = (
    "the my this your our new old app phone order delivery support store price battery screen update "
    "service account refund package driver flight train bank card plan network internet coffee shop "
    "is was are were has have just still again really very so not never no but and or with for from at "
    "today yesterday tonight week month love like great good nice amazing awesome best happy thanks "
    "bad worst terrible awful slow broken late cancelled annoying disappointed hate crash waiting "
    "help please why how when where anyone know question buy want need switch upgrade"
)
HU_WORDS = (
    "a az és de is nem már még csak nagyon is meg van volt lesz ez az új régi telefon rendelés "
    "csomag futár szolgáltatás ügyfélszolgálat net internet számla bolt ár akku képernyő vonat "
    "jó rossz szuper remek köszönöm imádom borzalmas lassú késik elromlott csalódás pocsék "
    "ma tegnap holnap hét hónap hogyan miért hol mikor valaki tudja veszek szeretnék"
)
RO_WORDS = (
    "și dar nu mai foarte e este a am au cu de la pe în din comanda livrare curier telefon "
    "aplicația magazin preț baterie ecran tren bancă card abonament internet cafea serviciu "
    "bun bună super excelent mulțumesc recomand minunat prost groaznic lent întârziere stricat "
    "dezamăgire azi ieri mâine săptămâna cum de ce unde când știe cineva vreau cumpăr"
)
EN, HU, RO = EN_WORDS.split(), HU_WORDS.split(), RO_WORDS.split()
EMOJI = ["😍", "😡", "😂", "👍", "👎", "💔", "🔥", "🙏", "😭", "❤️", "🤬", "🎉"]
SYLLABLES = ["ka", "lo", "mi", "tre", "vo", "zan", "pex", "qui", "ron", "sul", "tix", "bel", "dor", "fen"]


def brand_names(rng: random.Random, n: int) -> list[str]:
    names: set[str] = set()
    while len(names) < n:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def misspell(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def generate(rng: random.Random, n: int, brands: list[str]) -> list[Mention]:
    t0 = datetime(2026, 11, 16, tzinfo=UTC)
    out = []
    for i in range(n):
        vocab = rng.choice([EN, HU, RO])
        words = [rng.choice(vocab) for _ in range(rng.randint(5, 50))]
        if rng.random() < 0.10:
            brand = rng.choice(brands)
            words.insert(rng.randrange(len(words)), misspell(rng, brand) if rng.random() < 0.2 else brand)
        for _ in range(rng.randint(0, 3)):
            r = rng.random()
            extra = (
                "#" + rng.choice(vocab)
                if r < 0.35
                else f"@user{rng.randrange(5000)}"
                if r < 0.55
                else f"https://example.com/{rng.randrange(10**6)}"
                if r < 0.7
                else rng.choice(EMOJI)
            )
            words.insert(rng.randrange(len(words) + 1), extra)
        text = " ".join(words)
        if rng.random() < 0.3:
            text += rng.choice(["!", "!!", "?", ".", "..."])
        out.append(
            Mention(
                source="bench",
                native_id=str(i),
                text=text,
                created_at=t0 + timedelta(minutes=i),
                collected_at=t0 + timedelta(minutes=i + 30),
                author=Author(handle=f"user{i % 997}", followers=rng.choice([0, 12, 300, 5000, 2_000_000])),
                metrics=Metrics(likes=rng.randrange(50), shares=rng.randrange(10), replies=rng.randrange(10)),
            )
        )
    return out


def median_time(fn: Callable[[], object], repeats: int = 3) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_median_times(
    first: Callable[[], object], second: Callable[[], object], repeats: int = 3
) -> tuple[float, float]:
    """Median times of two functions run alternately (one warm-up each), so a load that changes
    during the run weighs on both the same way."""
    first()
    second()
    times_first, times_second = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        first()
        times_first.append(time.perf_counter() - start)
        start = time.perf_counter()
        second()
        times_second.append(time.perf_counter() - start)
    return statistics.median(times_first), statistics.median(times_second)


def nltk_analyzer() -> object:
    folder = os.path.dirname(vaderSentiment.__file__)
    if folder not in nltk.data.path:
        nltk.data.path.append(folder)
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer(lexicon_file="file:" + os.path.join(folder, "vader_lexicon.txt"))


def check_answers(posts: list[Mention], nltk_sia: object) -> None:
    """Our VADER must equal the reference package; nltk's older port is compared for information."""
    ours = VaderAnalyzer()
    reference = ReferenceVader()
    texts = [p.text for p in posts]
    ours_scores = [ours.polarity(t) for t in texts]
    same_ref = sum(
        abs(a - reference.polarity_scores(t)["compound"]) <= 0.001
        for a, t in zip(ours_scores, texts, strict=True)
    )
    nltk_scores = [nltk_sia.polarity_scores(t)["compound"] for t in texts]  # type: ignore[attr-defined]

    def sign(x: float) -> int:
        return (x >= 0.05) - (x <= -0.05)

    same_label = sum(sign(a) == sign(b) for a, b in zip(ours_scores, nltk_scores, strict=True))
    print(f"answer check: compound equal to vaderSentiment 3.3.2 on {same_ref}/{len(texts)} posts")
    print(
        f"  (nltk's port differs from the reference: it ignores emoji and fixes the 'but' rule; "
        f"same label on {same_label}/{len(texts)})"
    )
    if same_ref < 0.99 * len(texts):
        raise SystemExit("answers differ from the reference VADER: not timing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="500 posts")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = 500 if args.quick else args.posts
    rng = random.Random(args.seed)
    brands = brand_names(rng, 100)
    profiles = [BrandProfile(name=b, handles=[f"@{b.lower()}"], languages=("en", "hu", "ro")) for b in brands]
    posts = generate(rng, n, brands)
    texts = [p.text for p in posts]
    nltk_sia = nltk_analyzer()
    check_answers(posts[: min(n, 2000)], nltk_sia)

    matcher = MatcherSet(profiles)
    detector = LanguageDetector(("en", "hu", "ro", "de", "fr", "es", "it", "pt", "nl", "pl"))
    scorer = SentimentScorer()
    intent = IntentDetector()
    reach, influence, urgency = ReachModel(), InfluenceModel(), UrgencyModel()
    enricher = Enricher(
        brands=matcher,
        detector=detector,
        sentiment=scorer,
        intent=intent,
        reach=reach,
        influence=influence,
        urgency=urgency,
        terms=None,
    )
    matched = sum(1 for p in enricher.enrich_batch(posts) if p.brands)
    print(f"{n} posts, {len(profiles)} brand profiles, {matched} posts matched a brand")

    guesses = detector.detect_batch(texts)
    languages = [choose_language(None, g) for g in guesses]
    scans = [matcher.scan(p) for p in posts]
    spans = [[(s.start, s.end) for found in r.spans.values() for s in found] for r in scans]
    sentiments = [
        scorer.score(t, language=lang, spans=sp) for t, lang, sp in zip(texts, languages, spans, strict=True)
    ]
    scored = [
        p.model_copy(update={"sentiment": s.sentiment, "intent": intent.detect(p.text, language=lang)})
        for p, s, lang in zip(posts, sentiments, languages, strict=True)
    ]

    stages: dict[str, Callable[[], object]] = {
        "normalize": lambda: [normalize(t) for t in texts],
        "match": lambda: [matcher.scan(p) for p in posts],
        "language": lambda: [detector.detect_batch(texts[i : i + 512]) for i in range(0, n, 512)],
        "sentiment": lambda: [
            scorer.score(t, language=lang, spans=sp)
            for t, lang, sp in zip(texts, languages, spans, strict=True)
        ],
        "intent": lambda: [
            intent.detect(t, language=lang, sentiment=s.sentiment.score)
            for t, lang, s in zip(texts, languages, sentiments, strict=True)
        ],
        "reach_influence": lambda: [(reach.score(p), influence.score(p)) for p in posts],
        "urgency": lambda: [urgency.score(p) for p in scored],
    }
    figures = {name: median_time(fn) / n * 1e6 for name, fn in stages.items()}
    terms_us = median_time(
        lambda: [extract_terms(t, language=lang) for t, lang in zip(texts, languages, strict=True)]
    )
    triage_s, nltk_s = paired_median_times(
        lambda: enricher.enrich_batch(posts),
        lambda: [nltk_sia.polarity_scores(t) for t in texts],  # type: ignore[attr-defined]
    )

    for name, us in figures.items():
        print(f"  stage {name:16s} {us:8.1f} us/post")
    print(f"  whole enrichment       {triage_s / n * 1e6:8.1f} us/post (stages run inside one pass)")
    print(f"  nltk VADER alone       {nltk_s / n * 1e6:8.1f} us/post (run alternately with the enrichment)")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  load average {load} (other work on the machine moves the figures)")
    for name, us in figures.items():
        print(f"us_per_post_{name}={us:.1f}")
    print(f"us_per_post_terms_info={terms_us / n * 1e6:.1f}")
    triage_rate = n / triage_s
    nltk_rate = n / nltk_s
    ratio = triage_rate / nltk_rate
    print(f"triage_posts_per_s={triage_rate:.0f} nltk_posts_per_s={nltk_rate:.0f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
