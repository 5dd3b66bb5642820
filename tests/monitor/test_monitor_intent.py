"""Intent labels with evidence in English, Hungarian and Romanian."""

from __future__ import annotations

import pytest

from social_listen.core import ConfigError
from social_listen.monitor import INTENT_LABELS, IntentDetector, load_intent_lexicon

DETECTOR = IntentDetector()

CASES = [
    ("en", "My package never arrived and I want a refund", "complaint"),
    ("en", "Does anyone know if the store opens on Sunday", "question"),
    ("en", "Huge thanks to the support team, amazing service", "praise"),
    ("en", "Thinking about buying the new Pixel this weekend", "purchase"),
    ("en", "The charger exploded and my son was injured", "crisis"),
    ("en", "Follow for follow!!! Giveaway, click here www.win.example", "spam"),
    ("hu", "Már megint nem működik a net, elegem van", "complaint"),
    ("hu", "Tudja valaki, meddig van nyitva a bolt", "question"),
    ("hu", "Köszönöm a gyors segítséget, szuper volt", "praise"),
    ("hu", "Jövő héten veszek egy új laptopot", "purchase"),
    ("hu", "Országos leállás, senki nem tud belépni a bankba", "crisis"),
    ("ro", "Nu merge aplicația de trei zile, e inacceptabil", "complaint"),
    ("ro", "Știe cineva până la ce oră e deschis", "question"),
    ("ro", "Mulțumesc pentru livrarea rapidă, recomand", "praise"),
    ("ro", "Mă gândesc să-mi iau un telefon nou", "purchase"),
    ("ro", "Producătorul rechemă lotul din cauza unui defect", "crisis"),
]


@pytest.mark.parametrize(("language", "text", "label"), CASES)
def test_each_label_fires_in_each_language(language: str, text: str, label: str) -> None:
    intent = DETECTOR.detect(text, language=language)
    assert label in intent.labels
    assert intent.evidence[label]
    assert intent.method == "intent-rules-v1"


def test_neutral_chatter_has_no_intent() -> None:
    for lang, text in [
        ("en", "Going to the supermarket later with my sister."),
        ("hu", "Ma este a barátokkal nézzük a meccset."),
        ("ro", "Sâmbătă merg cu trenul la Brașov."),
    ]:
        assert DETECTOR.detect(text, language=lang).labels == ()


def test_question_mark_is_language_independent() -> None:
    intent = DETECTOR.detect("Wann öffnet der Laden?", language="de")
    assert intent.labels == ("question",)
    assert intent.evidence["question"] == ("?",)


def test_crisis_evidence_names_its_kind() -> None:
    intent = DETECTOR.detect("Massive outage, and we will file a class action", language="en")
    assert set(intent.evidence["crisis"]) >= {"outage: outage", "legal: class action"}


def test_spam_suppresses_other_labels() -> None:
    intent = DETECTOR.detect("Thanks!!! Earn $500 a day from home, DM me", language="en")
    assert intent.labels == ("spam",)


def test_sentiment_decides_borderline_complaint_and_sarcastic_praise() -> None:
    text = "thanks for nothing, the app is a disaster"
    assert "praise" not in DETECTOR.detect(text, language="en", sentiment=-0.7).labels
    assert "complaint" in DETECTOR.detect("the app is a disaster", language="en", sentiment=-0.7).labels
    assert "praise" in DETECTOR.detect("what a lovely day at the shop", language="en", sentiment=0.8).labels


def test_users_extend_the_lexicons() -> None:
    detector = IntentDetector(extra={"en": {"complaint": ["lag*"]}, "pl": {"complaint": ["nie działa"]}})
    assert "complaint" in detector.detect("so much lagging tonight", language="en").labels
    assert "complaint" not in DETECTOR.detect("so much lagging tonight", language="en").labels
    assert detector.detect("Aplikacja nie działa", language="pl").labels == ("complaint",)
    with pytest.raises(ConfigError):
        IntentDetector(extra={"en": {"angry": ["grr"]}})


def test_packaged_lexicons_cover_every_label() -> None:
    for lang in ("en", "hu", "ro"):
        lexicon = load_intent_lexicon(lang)
        for label in INTENT_LABELS:
            assert any(key.split(".")[0] == label for key in lexicon), (lang, label)
    with pytest.raises(ConfigError):
        load_intent_lexicon("xx")


def test_diacritics_are_optional() -> None:
    assert "complaint" in DETECTOR.detect("nu functioneaza nimic", language="ro").labels
    assert "praise" in DETECTOR.detect("koszonom szepen", language="hu").labels


@pytest.mark.parametrize(
    "text",
    [
        "Nagyon JÓ, şi ţară, ȘTIRI",
        "ΟΔΟΣ ΣΟΦΟΣ",  # final sigma: lower-cased as a whole string
        "İstanbul ǅ ﬁ Ⅻ",  # one upper-case letter lowers to two characters
        "cafe\u0301 e\u0323\u0302 a\u0308\u0331",  # marks already decomposed, out of order
        "\u0344 Vi\u1ec7t Nam 한국어 Ωmega",  # a character decomposing to marks only, Hangul
        "nul \x00 inside 😀 emoji",
    ],
)
def test_fast_fold_equals_fold_diacritics(text: str) -> None:
    from social_listen.monitor import fold_diacritics
    from social_listen.monitor._intent import _fold

    for _ in range(2):  # the second round reads the chunk cache
        assert _fold(text) == fold_diacritics(text)
        assert _fold(text * 3) == fold_diacritics(text * 3)
        assert _fold(f"{text} {text}  {text}") == fold_diacritics(f"{text} {text}  {text}")


def test_chunked_fold_equals_the_whole_text_fold() -> None:
    import random

    from social_listen.monitor import fold_diacritics
    from social_listen.monitor._intent import _URL, _fold

    rng = random.Random(5)
    pieces = [
        *"aZ .,-_'!?\n\t\u00a0éŐșȘΣσςΟ\u0301\u0323\u0344İǅ",
        "😀",
        "http://",
        "www.",
        "x.com",
        ".hu",
        "/p?q=1",
        "ΟΔΟΣ",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(4000)]
    for text in texts * 2:
        assert _fold(text) == fold_diacritics(_URL.sub(" ", text)), text


def test_intents_are_the_model_model_construct_would_build() -> None:
    from social_listen.core import Intent

    detector = IntentDetector()
    for text in (
        "My order never arrived, where is my refund?",
        "FREE f4f f4f f4f giveaway!!! https://x.ly/a",
        "",
    ):
        intent = detector.detect(text, language="en", sentiment=-0.6)
        reference = Intent.model_construct(**intent.__dict__)
        assert intent.__getstate__() == reference.__getstate__()
        assert list(intent.__dict__) == list(reference.__dict__)
        assert Intent.model_validate(intent.model_dump()) == intent


def test_words_inside_links_are_not_phrases_with_or_without_a_dot_in_the_post() -> None:
    assert DETECTOR.detect("hi broken", language="en").labels == ("complaint",)
    assert DETECTOR.detect("hi http://broken", language="en").labels == ()
    assert DETECTOR.detect("hi http://broken.", language="en").labels == ()


def test_the_link_pre_check_answers_as_the_link_pattern() -> None:
    import random

    from social_listen.monitor._intent import _URL, _has_url

    rng = random.Random(9)
    pieces = [
        "http",
        "https",
        "://",
        "www",
        ".",
        "com",
        "hu",
        "x",
        "-",
        " ",
        "\n",
        "/",
        "é",
        "io",
        "ftp://",
        "_",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 15))) for _ in range(20_000)]
    for text in [*texts, "see https://x.example/a", "acme.hu rocks", "www. x", "https:// x"]:
        assert _has_url(text) is (_URL.search(text) is not None), text
