"""Report benchmark: one full listening report over a store of generated mentions.

Usage: python benchmarks/report.py [--seed N] [--quick] [--size N] [--db PATH]

The store holds ``--size`` mentions (1,000,000; ``--quick``: 50,000) spread over 56 days, for
one brand and two competitors, in English, Hungarian and Romanian, with terms stored as the
enrichment pipeline stores them, a recurring complaint theme and a planted spike. The report
covers the last 28 days (half of the store); its previous-period comparison, emerging-term
baseline and spike baseline read the other half. ``report_s`` is ``build_report`` (every
section, JSON export included), median of 3 after one warm-up, on one process.

The store is built as the pipeline builds it: after the mentions are stored, the store's daily
rollup is refreshed (``store.refresh_rollup()``, write-side work like full-text indexing); its
time is reported apart as ``rollup_s`` (about 0 for a cached ``--db`` refreshed before: only
days written since are recomputed).

Baseline, in the same run: the headline numbers (daily volume of the brand, share of voice by
mentions, the top 10 terms) computed in Python from every mention streamed out of the store.
Both answers are checked equal before anything is timed. The baseline is timed once (at full
size it takes minutes).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from social_listen.core import Author, Intent, Mention, Metrics, Page, Score, Sentiment, SourceState
from social_listen.listener import build_report, extract_terms, top
from social_listen.store import Filter, SQLiteStore

START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 56
BRANDS = ("acme", "rival", "other")
SOURCES = ("mastodon", "reddit", "hackernews", "bluesky", "rss", "gdelt")
TEMPLATES = {
    "en": [
        "late delivery again, still waiting for my order",
        "the support team solved my problem quickly",
        "prices went up again this month",
        "love the new app update, checkout is fast",
        "refund still not processed after two weeks",
        "great coffee at the new store downtown",
        "package arrived damaged and the box was open",
        "the loyalty program points expired without notice",
        "mobile app crashes when I open the cart",
        "weekend sale has good discounts on kettles",
    ],
    "hu": [
        "a szállítás megint késik, még mindig várok",
        "az ügyfélszolgálat gyorsan segített",
        "az új alkalmazás nagyon jó",
        "a csomag sérülten érkezett meg",
    ],
    "ro": [
        "livrarea a întârziat din nou, aștept comanda",
        "echipa de suport a rezolvat problema rapid",
        "aplicația nouă este foarte bună",
        "coletul a ajuns deteriorat",
    ],
}
SPIKE_TEXT = "battery fire recall announced, units pulled from shelves"


def generate(size: int, seed: int) -> list[Mention]:
    rng = random.Random(seed)
    terms = {(lang, t): extract_terms(t, language=lang) for lang, ts in TEMPLATES.items() for t in ts}
    terms[("en", SPIKE_TEXT)] = extract_terms(SPIKE_TEXT, language="en")
    seconds = DAYS * 86400
    spike_at = START + timedelta(days=DAYS - 5, hours=14)
    out = []
    for i in range(size):
        brand = rng.choices(BRANDS, weights=(5, 3, 2))[0]
        lang = rng.choices(("en", "hu", "ro"), weights=(8, 1, 1))[0]
        if i % 500 == 0:
            at, text, lang = spike_at + timedelta(seconds=rng.randint(0, 3599)), SPIKE_TEXT, "en"
        else:
            at = START + timedelta(seconds=rng.randint(0, seconds - 1))
            text = rng.choice(TEMPLATES[lang])
        score = rng.uniform(-1, 1)
        label = "negative" if score < -0.05 else "positive" if score > 0.05 else "neutral"
        out.append(
            Mention(
                source=rng.choice(SOURCES),
                native_id=str(i),
                text=f"{brand} {text} #{brand}",
                url=f"https://site{rng.randint(1, 200)}.example/p/{i}",
                author=Author(handle=f"user{rng.randint(1, 50_000)}", followers=rng.randint(0, 100_000)),
                created_at=at,
                language=lang,
                brands=(brand,),
                hashtags=(brand,),
                terms=(brand, *terms[(lang, text)]),
                metrics=Metrics(
                    likes=rng.randint(0, 50), shares=rng.randint(0, 10), replies=rng.randint(0, 5)
                ),
                sentiment=Sentiment(score=score, label=label, method="bench"),
                intent=Intent(labels=("complaint",), method="bench") if score < -0.5 else None,
                reach=Score(value=float(rng.randint(0, 10_000)), method="bench"),
            )
        )
    return out


def load(path: Path, size: int, seed: int) -> SQLiteStore:
    store = SQLiteStore(path)
    if store.count() == size:
        return store
    if store.count():
        raise SystemExit(f"{path} holds {store.count()} mentions, not {size}: pass another --db")
    started = time.perf_counter()
    for offset in range(0, size, 100_000):
        batch = generate(min(100_000, size - offset), seed + offset)
        batch = [m.model_copy(update={"native_id": str(offset + int(m.native_id))}) for m in batch]
        for i in range(0, len(batch), 5000):
            store.commit_page(Page(mentions=tuple(batch[i : i + 5000])), SourceState(), source_key="bench")
    print(f"loaded {size:,} mentions in {time.perf_counter() - started:.1f} s into {path}", flush=True)
    return store


def refresh_rollup(store: SQLiteStore) -> float:
    """Bring the store's daily rollup up to date, as the pipeline does after writing; seconds."""
    refresh = getattr(store, "refresh_rollup", None)
    if refresh is None:  # a store without a rollup (before schema 6)
        return 0.0
    started = time.perf_counter()
    days = refresh()
    elapsed = time.perf_counter() - started
    print(f"rollup refreshed: {days} days in {elapsed:.2f} s", flush=True)
    return elapsed


def baseline(store: SQLiteStore, since: datetime, until: datetime) -> dict[str, object]:
    daily: Counter[str] = Counter()
    share: Counter[str] = Counter()
    term_counts: Counter[str] = Counter()
    for m in store.iter_mentions(Filter(since=since, until=until), batch_size=5000):
        for brand in m.brands:
            share[brand] += 1
        if "acme" in m.brands:
            daily[m.effective_time.astimezone(UTC).date().isoformat()] += 1
            term_counts.update(t for t in m.terms if t != "acme")
    top_terms = sorted(term_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {"daily": dict(daily), "share": dict(share), "terms": top_terms}


def ours(report: object) -> dict[str, object]:
    daily = {p.bucket.date().isoformat(): p.count for p in report.volume.rows if p.count}  # type: ignore[attr-defined]
    share = {r.brand: int(r.value) for r in report.share.rows if r.platform == "*"}  # type: ignore[attr-defined]
    return {"daily": daily, "share": share}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="50,000 mentions")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--db", type=Path, default=None, help="reuse a store file between runs")
    args = parser.parse_args()
    size = args.size or (50_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        store = load(args.db or Path(tmp) / "report.db", size, args.seed)
        rollup_s = refresh_rollup(store)
        until = START + timedelta(days=DAYS)
        since = until - timedelta(days=28)

        def run() -> object:
            report = build_report(
                store, "acme", competitors=("rival", "other"), since=since, until=until, now=until
            )
            report.to_json()
            return report

        started = time.perf_counter()
        report = run()  # warm-up
        print(f"warm-up report: {time.perf_counter() - started:.2f} s", flush=True)
        started = time.perf_counter()
        expected = baseline(store, since, until)
        baseline_s = time.perf_counter() - started
        print(f"baseline computed in {baseline_s:.2f} s", flush=True)
        got = ours(report)
        assert got["daily"] == expected["daily"], "daily volume differs from the baseline"
        assert got["share"] == expected["share"], "share of voice differs from the baseline"
        top_terms = top(store, "term", since=since, until=until, n=11, where=Filter(brands=("acme",)))
        sql_terms = [(r.value, r.count) for r in top_terms.rows if r.value != "acme"][:10]
        assert sql_terms == expected["terms"], (sql_terms, expected["terms"])
        print("answers checked: daily volume, share of voice and top terms equal the Python baseline")
        timings = []
        cpu = []
        for _ in range(3):
            started, cpu_started = time.perf_counter(), time.process_time()
            report = run()
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            print(f"report run {len(timings)}: {timings[-1]:.2f} s wall, {cpu[-1]:.2f} s CPU", flush=True)
        report_s = statistics.median(timings)
        in_period = store.count(Filter(since=since, until=until))
        print(f"mentions in store: {store.count():,}; in the report period: {in_period:,}")
        sections = f"themes {len(report.themes.rows)}, spikes {len(report.spikes)}"  # type: ignore[attr-defined]
        print(f"report sections: {sections}, stories {len(report.stories.rows)}")  # type: ignore[attr-defined]
        print(f"baseline (Python over every mention, headline numbers only, 1 run): {baseline_s:.2f} s")
        print(f"build_report (median of 3): {report_s:.2f} s; runs {[round(t, 2) for t in timings]}")
        print(f"build_report CPU time of this process (median of 3): {statistics.median(cpu):.2f} s")
        store.close()
    print(f"rollup_s={rollup_s:.3f}")
    print(f"report_s={report_s:.3f}")


if __name__ == "__main__":
    main()
