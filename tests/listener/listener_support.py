"""Generated mentions for the listener tests: a quiet baseline, a planted theme and a planted spike."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from social_listen.core import Author, Intent, Mention, Metrics, Score, Sentiment
from social_listen.listener import add_terms

START = datetime(2026, 3, 1, tzinfo=UTC)
DAYS = 14
SPIKE_AT = START + timedelta(days=12, hours=10)
SPIKE_CAUSE = "battery fire recall"
SPIKE_AUTHOR = "newsdesk"
THEME = "late delivery"

_FILLER = {
    "en": [
        "love the new app update",
        "great coffee this morning with friends",
        "the customer support answered quickly",
        "prices went up again this month",
        "new store opening downtown next week",
        "tried the mobile checkout today",
        "weekend sale looks interesting",
        "their loyalty program points expired",
    ],
    "ro": [
        "aplicația nouă este foarte bună",
        "magazinul din centru are reduceri",
        "livrarea a fost rapidă azi",
    ],
    "hu": ["az új alkalmazás nagyon jó", "a bolt hétvégén zárva van", "gyors volt a kiszállítás"],
}
_SOURCES = ("mastodon", "reddit", "hackernews", "rss")


def _sentiment(score: float) -> Sentiment:
    label = "negative" if score < -0.05 else "positive" if score > 0.05 else "neutral"
    return Sentiment(score=score, label=label, method="test")


def generate(*, seed: int = 0, spike: bool = True, theme: bool = True) -> list[Mention]:
    """About 1,700 mentions of acme, rival and other over two weeks."""
    rng = random.Random(seed)
    out: list[Mention] = []
    n = 0

    def add(
        text: str,
        *,
        at: datetime,
        brand: str,
        source: str,
        lang: str,
        author: str,
        sent: float,
        intents: tuple[str, ...] = (),
        url: str | None = None,
        likes: int = 0,
    ) -> None:
        nonlocal n
        n += 1
        out.append(
            Mention(
                source=source,
                native_id=f"{source}-{n}",
                text=f"{brand.capitalize()} {text}",
                url=url or f"https://{source}.example/p/{n}",
                author=Author(handle=author, followers=rng.randint(10, 5000)),
                created_at=at,
                language=lang,
                brands=(brand,),
                metrics=Metrics(likes=likes or rng.randint(0, 20), shares=rng.randint(0, 5)),
                sentiment=_sentiment(sent),
                intent=Intent(labels=intents, method="test") if intents else None,
                reach=Score(value=float(rng.randint(10, 1000)), method="test"),
            )
        )

    for hour in range(DAYS * 24):
        at0 = START + timedelta(hours=hour)
        for _ in range(rng.choice((3, 4, 5, 6))):
            brand = rng.choices(("acme", "rival", "other"), weights=(5, 3, 2))[0]
            lang = rng.choices(("en", "ro", "hu"), weights=(8, 1, 1))[0]
            at = at0 + timedelta(minutes=rng.randint(0, 59))
            author = f"user{rng.randint(1, 300)}"
            source = rng.choice(_SOURCES)
            if theme and brand == "acme" and lang == "en" and rng.random() < 0.25:
                text = rng.choice(
                    (
                        "late delivery again, third time this month",
                        "another late delivery and no refund",
                        "why is every delivery late lately? late delivery twice",
                    )
                )
                add(
                    text,
                    at=at,
                    brand=brand,
                    source=source,
                    lang=lang,
                    author=author,
                    sent=-0.6,
                    intents=("complaint",),
                )
            else:
                add(
                    rng.choice(_FILLER[lang]),
                    at=at,
                    brand=brand,
                    source=source,
                    lang=lang,
                    author=author,
                    sent=rng.uniform(-0.3, 0.8),
                )
    if spike:
        for i in range(80):
            at = SPIKE_AT + timedelta(minutes=rng.randint(0, 59))
            text = rng.choice(
                (
                    f"{SPIKE_CAUSE}: units pulled from shelves",
                    f"breaking {SPIKE_CAUSE} announced",
                    f"is my toaster part of the {SPIKE_CAUSE}?",
                )
            )
            author = SPIKE_AUTHOR if i % 2 == 0 else f"reader{i}"
            add(
                text,
                at=at,
                brand="acme",
                source="gdelt",
                lang="en",
                author=author,
                sent=-0.7,
                url=f"https://news.example/acme-recall?utm={i}",
                likes=rng.randint(50, 100),
            )
    return list(add_terms(out))
