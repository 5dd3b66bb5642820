"""Language detection restricted to configured languages, with confidence in [0, 1]."""

from __future__ import annotations

import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from social_listen.core import ConfigError
from social_listen.monitor import LanguageDetector, LanguageGuess, choose_language

POSTS = {
    "en": "The delivery was late again and nobody answers the phone at the store",
    "hu": "Már harmadik napja nincs internet, az ügyfélszolgálat meg nem veszi fel",
    "ro": "Sunt foarte mulțumit de comandă, a ajuns repede și produsul e excelent",
    "de": "Die Lieferung kam wieder zu spät und niemand geht ans Telefon",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(languages=("en", "hu", "ro", "de", "fr"))


def test_detects_each_configured_language(detector: LanguageDetector) -> None:
    guesses = detector.detect_batch(list(POSTS.values()))
    assert [g.language for g in guesses] == list(POSTS)
    assert all(0.9 <= g.confidence <= 1.0 for g in guesses)


def test_batch_equals_py3langid_restricted_to_the_same_languages(detector: LanguageDetector) -> None:
    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    reference.set_languages(list(detector.languages))
    texts = [*POSTS.values(), "ok then", "Acme!!! 10/10 would buy", "szia", "mersi frumos"]
    for text, guess in zip(texts, detector.detect_batch(texts), strict=True):
        cleaned = detector._clean(text)
        if guess.language is None:
            continue
        lang, conf = reference.classify(cleaned)
        assert guess.language == lang
        assert guess.confidence == pytest.approx(conf, abs=1e-4)


def test_restriction_keeps_the_answer_among_configured_languages() -> None:
    only = LanguageDetector(languages=("en", "hu"))
    assert only.detect(POSTS["de"]).language in {"en", "hu"}


def test_noise_is_removed_before_classification(detector: LanguageDetector) -> None:
    text = "@telekom #fail https://example.com/a/b?c=d " + POSTS["hu"] + " 😡😡"
    assert detector.detect(text).language == "hu"


@pytest.mark.reliability(42)
@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "12345 !!!", "@a @b #c https://x.y"])
def test_texts_without_letters_are_undetermined(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == LanguageGuess(None, 0.0)


@pytest.mark.reliability(42)
@pytest.mark.timeout(10)
def test_a_megabyte_is_classified_from_its_start(detector: LanguageDetector) -> None:
    guess = detector.detect(POSTS["ro"] * 20_000)
    assert guess.language == "ro"


def test_unknown_language_code_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        LanguageDetector(languages=("en", "xx"))
    with pytest.raises(ConfigError):
        LanguageDetector(languages=())


def test_choose_language_keeps_the_platform_claim_when_unsure() -> None:
    assert choose_language("en", LanguageGuess("hu", 0.95)) == "hu"
    assert choose_language("en", LanguageGuess("ro", 0.6)) == "en"
    assert choose_language(None, LanguageGuess("ro", 0.6)) == "ro"
    assert choose_language(None, LanguageGuess("ro", 0.3)) is None
    assert choose_language("pt-BR", LanguageGuess(None, 0.0)) == "pt"


def test_one_by_one_fallback_gives_the_same_answers(detector: LanguageDetector) -> None:
    slow = LanguageDetector(languages=detector.languages)
    slow._fast = False  # what an older py3langid without the batch internals gets
    texts = [*POSTS.values(), "", "ok then"]
    for fast_guess, slow_guess in zip(detector.detect_batch(texts), slow.detect_batch(texts), strict=True):
        assert fast_guess.language == slow_guess.language
        assert fast_guess.confidence == pytest.approx(slow_guess.confidence, abs=1e-4)


def test_batched_automaton_walk_counts_what_py3langid_counts(detector: LanguageDetector) -> None:
    """The lockstep walk (many texts) and its Python tail (the longest) give visit_counts' dicts."""
    from py3langid.langid import visit_counts

    words = " ".join(POSTS.values()).split()
    texts = [" ".join(words[i % 17 : i % 17 + i % 40]) for i in range(120)]
    texts += ["", "a", POSTS["hu"] * 30, POSTS["ro"] * 3]  # empty, one byte, long tails
    texts += [POSTS["de"] * 150]  # over the lockstep bound: walks wholly in Python
    datas = [detector._identifier._encode(t) for t in texts]
    feats, counts, starts, rows = detector._visits(datas)
    bounds = [*starts.tolist(), len(feats)]
    ident = detector._identifier
    expected = {
        j: list(found.items())
        for j, data in enumerate(datas)
        if (found := visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output, data))
    }
    got = {
        j: list(
            zip(
                feats[bounds[r] : bounds[r + 1]].tolist(),
                counts[bounds[r] : bounds[r + 1]].tolist(),
                strict=True,
            )
        )
        for r, j in enumerate(rows)
    }
    assert got == expected  # same features, same counts, same (first-visit) order
    one_by_one = [detector.detect(t) for t in texts]
    assert detector.detect_batch(texts) == one_by_one


def test_noise_removal_chunk_by_chunk_equals_the_whole_text_pass() -> None:
    import random

    from social_listen.monitor._language import _NOISE, _remove_noise

    rng = random.Random(3)
    pieces = [*"ab c\n\t\u00a0#@&;:/.-'’!?é_x1", "\u2003", "😀", "http://", "https://", "www.", "&amp;"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    texts += [POSTS["hu"] + " @telekom #fail https://example.com/a 😡😡", "a  b\u00a0 #x&y;z"]
    for text in texts * 2:  # the second round reads the cache
        assert _remove_noise(text) == _NOISE.sub(" ", text)
