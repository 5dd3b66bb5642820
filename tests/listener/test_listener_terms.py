from __future__ import annotations

import doctest

import pytest

import social_listen.listener._terms as terms_module
from social_listen.listener import extract_terms, normalize_word, stopwords_for, term_surfaces


def test_doctests_pass() -> None:
    result = doctest.testmod(terms_module)
    assert result.attempted > 0
    assert result.failed == 0


def test_english_terms_are_stemmed_with_bigrams_and_no_noise() -> None:
    terms = extract_terms(
        "The deliveries were late AGAIN!!! @acme_support https://acme.example/x 😡 #Delivery 2024",
        language="en",
    )
    assert "deliveri" in terms
    assert "late" in terms
    assert "deliveri late" in terms
    # no stopwords, handles, urls, emoji or numbers
    assert not {"the", "were", "again", "acme_support", "2024"} & set(terms)
    assert not any("http" in t or "😡" in t or "@" in t for t in terms)
    # unigrams first, each once
    assert len(terms) == len(set(terms))
    first_bigram = next(i for i, t in enumerate(terms) if " " in t)
    assert all(" " not in t for t in terms[:first_bigram])
    assert all(" " in t for t in terms[first_bigram:])


def test_listening_vocabulary_is_not_dropped_as_stopwords() -> None:
    # stopwordsiso's English list contains these; themes need them
    terms = extract_terms("my order has a problem, support is broken", language="en")
    assert {"order", "problem", "broken"} <= set(terms)


def test_punctuation_ends_a_bigram_but_stopwords_do_not() -> None:
    assert "deliveri late" in extract_terms("delivery is late", language="en")
    assert "deliveri late" not in extract_terms("delivery. Late", language="en")


def test_romanian_cedilla_and_comma_letters_give_the_same_terms() -> None:
    comma = extract_terms("Știința și țara, livrările întârzie", language="ro")
    cedilla = extract_terms("Ştiinţa şi ţara, livrările întârzie", language="ro")
    assert comma == cedilla
    assert all("ş" not in t and "ţ" not in t for t in comma)
    # "și" is a Romanian stopword in either spelling
    assert "și" not in comma
    assert "și" in stopwords_for("ro")
    assert not any("ş" in w or "ţ" in w for w in stopwords_for("ro"))


def test_romanian_inflections_share_a_stem() -> None:
    a = extract_terms("livrarea", language="ro")
    b = extract_terms("livrările", language="ro")
    c = extract_terms("livrare", language="ro")
    assert a[0] == c[0]
    assert len({a[0][:4], b[0][:4]}) == 1


def test_hungarian_suffixes_are_stemmed_and_tilde_letters_folded() -> None:
    a = extract_terms("szállítás", language="hu")
    b = extract_terms("szállítással", language="hu")
    assert a == b
    assert extract_terms("hõsök", language="hu") == extract_terms("hősök", language="hu")
    assert "és" in stopwords_for("hu")
    assert "és" not in extract_terms("kávé és tea", language="hu")


def test_unknown_language_uses_english_stopwords_without_stemming() -> None:
    terms = extract_terms("the deliveries are late", language=None)
    assert terms[:2] == ("deliveries", "late")
    assert extract_terms("deliveries", language="xx-YY") == ("deliveries",)


def test_options_stem_bigrams_and_max_terms() -> None:
    text = "deliveries late refunds slow"
    assert extract_terms(text, language="en", stem=False)[0] == "deliveries"
    assert all(" " not in t for t in extract_terms(text, language="en", bigrams=False))
    assert len(extract_terms(text, language="en", max_terms=2)) == 2
    long_text = " ".join(f"word{i}x" for i in range(500))
    assert len(extract_terms(long_text, language="en")) == 200
    assert len(extract_terms(long_text, language="en", max_terms=None)) > 200


def test_invisible_characters_do_not_split_terms() -> None:
    assert extract_terms("deli\u200bveries", language="en") == extract_terms("deliveries", language="en")
    assert normalize_word("ACME\u202e") == "acme"


def test_surfaces_map_stems_back_to_words() -> None:
    surfaces = term_surfaces("Deliveries late, refunds slow", language="en")
    assert surfaces["deliveri"] == "deliveries"
    assert surfaces["refund slow"] == "refunds slow"
    assert set(surfaces) == set(extract_terms("Deliveries late, refunds slow", language="en"))


@pytest.mark.parametrize("text", ["", "   ", "!!!", "😡😡", "https://x.example @a #"])
def test_empty_or_noise_only_text_has_no_terms(text: str) -> None:
    assert extract_terms(text, language="en") == ()
