"""A generated week of conversation about a fictional brand, for the offline demo.

The brand is **Lunaro**, a meal-kit delivery service; its competitor is **Pakko**. Posts come
in English, Hungarian and Romanian from three kinds of sources (Hacker News-, Mastodon- and
RSS-shaped). Day 5 carries a delivery-problems crisis: volume jumps, sentiment turns negative,
and an influential author complains. Everything is deterministic for a given seed and start.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

__all__ = ["BRAND", "COMPETITOR", "OWN_HANDLE", "PRODUCTS", "DemoPost", "generate_week"]

BRAND = "Lunaro"
COMPETITOR = "Pakko"
OWN_HANDLE = "lunaro_help"

Platform = Literal["hackernews", "mastodon", "rss"]
Tone = Literal["pos", "neg", "neu", "question", "purchase", "crisis"]

# Templates: {b} is a brand name (possibly misspelled), {p} a product.
_TEMPLATES: dict[str, dict[Tone, tuple[str, ...]]] = {
    "en": {
        "pos": (
            "Tried {b} this week and the {p} was fantastic, great value!",
            "Honestly {b} made dinner so easy, love the {p}",
            "{b} delivery arrived early and everything was fresh. Impressed.",
            "Switched to {b} last month, best decision for busy evenings",
        ),
        "neg": (
            "The {p} from {b} was bland and overpriced, not ordering again",
            "{b} app keeps crashing when I try to change my box. So annoying",
            "Not impressed with {b} lately, portions got smaller",
        ),
        "neu": (
            "{b} announced a new {p} for the winter menu",
            "Anyone compared {b} with other meal kits? Writing a post about it",
            "Article: how meal-kit companies like {b} source their vegetables",
        ),
        "question": (
            "Does {b} deliver on Sundays? Can't find it on the site",
            "How do I pause my {b} subscription for two weeks?",
        ),
        "purchase": (
            "Thinking about ordering the {p} from {b}, worth it?",
            "Going to buy a {b} gift box for my parents",
        ),
        "crisis": (
            "My {b} delivery is late again, third time this week. So frustrating, where is my box?",
            "{b} package never arrived and support is not answering. Terrible delivery problems",
            "Awful delivery problems with {b} today, the courier left my box in the rain, food spoiled",
            "Is anyone else getting late deliveries from {b}? Still waiting since morning, really annoyed",
            "{b} delivery failed again, horrible service, I want a refund now",
        ),
    },
    "hu": {
        "pos": (
            "Kipróbáltam a {b} {p} csomagját, nagyon finom és jó áron!",
            "A {b} szállítás pontos volt, minden friss. Ajánlom!",
            "Imádom a {b} recepteket, gyors és egyszerű vacsora",
        ),
        "neg": (
            "A {b} {p} drága és ízetlen volt, nem rendelek többet",
            "Csalódás a {b}, egyre kisebbek az adagok",
        ),
        "neu": (
            "A {b} új téli menüt jelentett be",
            "Valaki hasonlította már össze a {b} dobozokat másokkal?",
        ),
        "question": ("Vasárnap is szállít a {b}? Nem találom az oldalon",),
        "purchase": ("Megrendelem a {b} {p} csomagot, megéri?",),
        "crisis": (
            "Már megint késik a {b} szállítás, borzasztó, hol a csomagom?",
            "A {b} csomag nem érkezett meg és az ügyfélszolgálat nem válaszol. Borzasztó",
            "Szörnyű szállítási problémák a {b} cégnél, a futár az esőben hagyta a dobozt",
        ),
    },
    "ro": {
        "pos": (
            "Am încercat {b} săptămâna asta, {p} a fost excelent!",
            "Livrarea {b} a ajuns devreme și totul a fost proaspăt. Super!",
            "Recomand {b}, rețete simple și gustoase",
        ),
        "neg": (
            "{p} de la {b} a fost fad și scump, nu mai comand",
            "Dezamăgit de {b}, porțiile sunt tot mai mici",
        ),
        "neu": (
            "{b} a anunțat un meniu nou de iarnă",
            "Cineva a comparat {b} cu alte servicii de livrare?",
        ),
        "question": ("Livrează {b} și duminica? Nu găsesc pe site",),
        "purchase": ("Vreau să comand pachetul {p} de la {b}, merită?",),
        "crisis": (
            "Livrarea {b} întârzie din nou, sunt foarte nervos, unde este coletul meu?",
            "Coletul {b} nu a ajuns niciodată și nimeni nu răspunde. Groaznic",
            "Probleme groaznice cu livrarea la {b}, curierul a lăsat cutia în ploaie",
        ),
    },
}

_NOISE = {
    "en": (
        "Great weather for a run today",
        "New laptop arrived, setting it up now",
        "Reading about Rust async",
    ),
    "hu": ("Szép idő van ma Budapesten", "Új könyvet olvasok a hétvégén"),
    "ro": ("Vreme frumoasă azi în Cluj", "Am citit o carte bună în weekend"),
}
PRODUCTS = {"Lunaro": ("Family Box", "Veggie Box", "Quick Box"), "Pakko": ("Pakko Classic", "Pakko Light")}
_MISSPELLINGS = ("Lunarro", "Lunaor", "lunaro", "#Lunaro", "Luanro")


@dataclass(frozen=True)
class DemoPost:
    """One generated post, before it is shaped for a platform."""

    id: str
    platform: Platform
    created_at: datetime
    author: str
    author_name: str
    followers: int
    verified: bool
    language: str
    text: str
    title: str | None
    url: str
    tone: Tone | Literal["noise", "reply"]
    brand: str | None
    likes: int
    shares: int
    replies: int
    in_reply_to: str | None = None
    tags: tuple[str, ...] = field(default=())


@dataclass
class _Authors:
    rng: random.Random
    pool: list[tuple[str, str, int, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        first = ("ana", "bence", "chris", "dora", "emil", "fanni", "gabi", "hanna", "ioana", "jake")
        for i in range(240):
            handle = f"{self.rng.choice(first)}{i:03d}"
            followers = int(self.rng.lognormvariate(5.0, 1.4))
            self.pool.append((handle, handle.capitalize(), followers, False))
        self.pool.append(("foodcritic_maria", "Maria the Food Critic", 185_000, True))

    def pick(self) -> tuple[str, str, int, bool]:
        return self.rng.choice(self.pool[:-1])


def _day_weights(day: int) -> dict[Tone, float]:
    if day == 4:  # day 5: the delivery crisis
        return {"crisis": 0.62, "neg": 0.12, "pos": 0.08, "neu": 0.08, "question": 0.06, "purchase": 0.04}
    return {"pos": 0.34, "neg": 0.14, "neu": 0.24, "question": 0.12, "purchase": 0.1, "crisis": 0.06}


def generate_week(*, start: datetime, seed: int = 0, per_day: int = 60) -> list[DemoPost]:
    """Generate seven days of posts starting at ``start`` (an aware datetime).

    Args:
        start: The first instant of day 1.
        seed: Random seed; the same seed and start give the same posts.
        per_day: Average posts per ordinary day (day 5 gets about four times as many).

    Returns:
        The posts in time order.

    Examples:
        >>> from datetime import UTC, datetime
        >>> posts = generate_week(start=datetime(2026, 11, 16, tzinfo=UTC), per_day=10)
        >>> len({p.platform for p in posts})
        3
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = random.Random(seed)
    authors = _Authors(rng)
    posts: list[DemoPost] = []
    counter = 0
    platforms: tuple[Platform, ...] = ("hackernews", "mastodon", "mastodon", "rss")
    for day in range(7):
        count = per_day * 4 if day == 4 else per_day + rng.randint(-per_day // 5, per_day // 5)
        weights = _day_weights(day)
        for _ in range(count):
            counter += 1
            at = start + timedelta(days=day, seconds=rng.randint(0, 86_399))
            if day == 4:  # the crisis concentrates in the afternoon
                at = start + timedelta(days=day, hours=12, seconds=rng.randint(0, 8 * 3600))
            language = rng.choices(("en", "hu", "ro"), weights=(0.6, 0.2, 0.2))[0]
            handle, name, followers, verified = authors.pick()
            platform = rng.choice(platforms)
            kind = rng.random()
            tone: Tone | Literal["noise", "reply"]
            if kind < 0.12:
                text, tone, brand = rng.choice(_NOISE[language]), "noise", None
            else:
                brand = COMPETITOR if kind < 0.37 else BRAND
                tone_weights = weights if brand == BRAND else _day_weights(0)
                chosen: Tone = rng.choices(list(tone_weights), weights=list(tone_weights.values()))[0]
                tone = chosen
                name_form = brand
                if brand == BRAND and rng.random() < 0.08:
                    name_form = rng.choice(_MISSPELLINGS)
                template = rng.choice(_TEMPLATES[language][chosen])
                text = template.format(b=name_form, p=rng.choice(PRODUCTS[brand]))
            posts.append(
                _post(
                    counter,
                    platform,
                    at=at,
                    author=(handle, name, followers, verified),
                    language=language,
                    text=text,
                    tone=tone,
                    brand=brand,
                    rng=rng,
                )
            )
    # The influential complaint of day 5, and the brand's own replies to some complaints.
    critic = authors.pool[-1]
    at = start + timedelta(days=4, hours=13, minutes=7)
    posts.append(
        _post(
            counter + 1,
            "mastodon",
            at=at,
            author=critic,
            language="en",
            text=f"{BRAND} is a disaster: third box in a row that never arrived, awful delivery problems "
            "and support ignores me. Do not order from them until they fix this.",
            tone="crisis",
            brand=BRAND,
            rng=rng,
            likes=5200,
            shares=1900,
            replies=1800,  # viral: full reply velocity, so it tops the inbox at any hour of "now"
        )
    )
    own = (OWN_HANDLE, f"{BRAND} Support", 12_000, True)
    complaints = [p for p in posts if p.brand == BRAND and p.tone == "crisis" and p.platform == "mastodon"]
    for i, complaint in enumerate(complaints[: len(complaints) // 3]):
        posts.append(
            _post(
                counter + 2 + i,
                "mastodon",
                at=complaint.created_at + timedelta(minutes=20 + i % 90),
                author=own,
                language=complaint.language,
                text=f"@{complaint.author} sorry about your {BRAND} delivery, we sent you a DM to fix it.",
                tone="reply",
                brand=BRAND,
                rng=rng,
                in_reply_to=complaint.id,
            )
        )
    posts.sort(key=lambda p: (p.created_at, p.id))
    return posts


def _post(
    number: int,
    platform: Platform,
    *,
    at: datetime,
    author: tuple[str, str, int, bool],
    language: str,
    text: str,
    tone: Tone | Literal["noise", "reply"],
    brand: str | None,
    rng: random.Random,
    likes: int | None = None,
    shares: int | None = None,
    replies: int | None = None,
    in_reply_to: str | None = None,
) -> DemoPost:
    handle, name, followers, verified = author
    title = None
    if platform in ("hackernews", "rss") and tone != "reply":
        title = text.split(".", maxsplit=1)[0][:80]
    tags = tuple(word.strip("#,.!?").lower() for word in text.split() if word.startswith("#"))
    return DemoPost(
        id=f"{number:06d}",
        platform=platform,
        created_at=at,
        author=handle,
        author_name=name,
        followers=followers,
        verified=verified,
        language=language,
        text=text,
        title=title,
        url=f"https://{platform}.demo.invalid/posts/{number:06d}",
        tone=tone,
        brand=brand,
        likes=likes if likes is not None else int(rng.expovariate(1 / 6)),
        shares=shares if shares is not None else int(rng.expovariate(1 / 2)),
        replies=replies if replies is not None else int(rng.expovariate(1 / 3)),
        in_reply_to=in_reply_to,
        tags=tags,
    )
