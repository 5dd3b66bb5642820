"""Normalization and the Unicode reliability rows (40-42)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from social_listen.core import Limits, Mention
from social_listen.query import MatcherSet, NormalizedText, fold, normalize, parse, skeleton
from social_listen.query._document import Document, words_string
from social_listen.query._normalize import (
    WORD_RE,
    _has_mixed_script_word,
    _normalize_each,
    fold_words,
    normalization_flags,
    word_string,
)


def test_folding_unifies_romanian_and_hungarian_letters() -> None:
    assert fold("ŞŢ şţ ȘȚ șț") == "st st st st"
    assert fold("Gyõr GYŐR Győr") == "gyor gyor gyor"
    assert fold("Fűzfa fûzfa") == "fuzfa fuzfa"
    assert fold("Straße Ærø Łódź") == "strasse aero lodz"


def test_normalized_text_maps_back_to_the_original() -> None:
    text = "Ｔｈｅ Ac\u00adme ŞTORE"
    n = normalize(text)
    assert n.text == "the acme store"
    start = n.text.index("acme")
    s, e = n.original_span(start, start + 4)
    assert text[s:e] == "Ac\u00adme"
    s, e = n.original_span(n.text.index("store"), len(n.text))
    assert text[s:e] == "ŞTORE"


@pytest.mark.reliability(40)
@pytest.mark.parametrize(
    "hidden",
    [
        "Ac\u200bme",  # zero-width space
        "A\u00adcme",  # soft hyphen
        "Ac\u202eme",  # bidi override
        "Acm\u2066e",  # bidi isolate
        "Ａｃｍｅ",  # fullwidth letters
        "A\u200dc\u200cme",  # joiners
    ],
)
def test_obfuscated_brand_still_matches_and_is_flagged(hidden: str) -> None:
    matcher = MatcherSet({"acme": "acme", "phrase": '"acme phone"'})
    result = matcher.scan(f"my {hidden} phone")
    assert result.names == ("acme", "phrase")
    assert "obfuscated" in result.flags
    assert "obfuscated" in normalize(hidden).flags


@pytest.mark.reliability(40)
def test_emoji_sequences_and_bidi_isolated_words_are_not_obfuscation() -> None:
    assert normalize("family 👨\u200d👩\u200d👧 ❤\ufe0f").flags == frozenset()
    assert normalize("said \u2067שלום\u2069 to Acme").flags == frozenset()


@pytest.mark.reliability(41)
def test_homoglyphs_are_not_an_exact_match_but_are_flagged_lookalike() -> None:
    matcher = MatcherSet({"acme": "acme"})
    cyrillic_a = "\u0410cme"
    assert matcher.match(f"buy {cyrillic_a} now") == []
    result = matcher.scan(f"buy {cyrillic_a} now")
    assert result.names == ()
    assert result.lookalike == ("acme",)
    assert "lookalike" in result.flags
    assert "lookalike" in normalize(cyrillic_a).flags
    assert skeleton(cyrillic_a) == "acme"


@pytest.mark.reliability(41)
def test_letter_spacing_is_a_lookalike_match() -> None:
    result = MatcherSet({"acme": "acme"}).scan("try A C M E today")
    assert result.names == ()
    assert result.lookalike == ("acme",)
    assert not parse("acme").matches("try a.c.m.e today")


@pytest.mark.reliability(41)
def test_plain_cyrillic_words_are_not_lookalikes() -> None:
    assert normalize("привет мир").flags == frozenset()
    assert MatcherSet({"acme": "acme"}).scan("привет мир").lookalike == ()


@pytest.mark.reliability(42)
def test_huge_text_is_capped_before_fuzzy_matching() -> None:
    limits = Limits(max_text_chars=1000)
    matcher = MatcherSet({"fuzzy": "globex~1", "exact": "acme"}, limits=limits)
    text = "globx " + "lorem ipsum " * 90_000 + " acme"  # about 1 MB
    result = matcher.scan(text)
    assert result.names == ("fuzzy",)  # acme lies beyond the cap
    assert "text_capped" in result.flags
    assert MatcherSet({"exact": "acme"}).match("x " * 600_000 + "acme") == []


@pytest.mark.reliability(42)
@pytest.mark.parametrize("text", ["", "   ", "😀🔥👍", "\u200b\u200b", "\x00\x01"])
def test_empty_and_emoji_only_texts_match_nothing_without_error(text: str) -> None:
    matcher = MatcherSet({"a": "acme", "b": "acme~", "c": "NOT acme", "d": "a*"})
    assert matcher.match(text) == ["c"]
    assert matcher.scan(text).names == ("c",)


@pytest.mark.reliability(42)
def test_unsupported_language_turns_the_guard_off_without_error() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    post = Mention(source="x", native_id="1", text="bread", created_at=when, language="tlh")
    english = post.model_copy(update={"language": "en"})
    q = parse("braed~1")
    assert q.matches(post)  # no word list for Klingon: plain edit distance
    assert not q.matches(english)  # "bread" is an ordinary English word


# Whitespace of every kind, invisible characters, marks, letters that fold to two letters.
_MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000\u2028-,#@'")),
        st.sampled_from(list("aáăâșşțţőűöÆßﬁ\u0301\u0345\u200b\u00ad\u202eАΑ😀👍\ufe0fＡ𝐀Ⓐ½")),
        st.characters(codec="utf-8"),
    ),
    max_size=80,
)


@settings(max_examples=500, deadline=None)
@given(_MIXED)
def test_word_string_equals_the_words_of_the_folded_text(text: str) -> None:
    # The matcher folds a post chunk by chunk (cached per chunk); it must equal the definition.
    expected = WORD_RE.findall(fold(text))
    assert fold_words(text) == expected
    assert word_string(text) == " " + " ".join(expected) + " "
    assert word_string(text) == word_string(text)  # the second time from the chunk cache


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["acme", "Acmé", "acmme", "#acme", "globex", "x"]), max_size=6), _MIXED)
def test_matching_does_not_depend_on_which_whitespace_separates_words(words: list[str], gap: str) -> None:
    queries = {"exact": "acme", "phrase": '"acme globex"', "fuzzy": "acme~1", "wild": "glob*", "tag": "#acme"}
    matcher = MatcherSet(queries)
    separated = (gap if gap.strip() == "" and gap else " ").join(words)
    assert matcher.match(separated) == matcher.match(" ".join(words))
    assert matcher.match(separated) == list(matcher.scan(separated).names)


def test_hashtags_and_handles_fields_of_a_mention_are_matched() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    matcher = MatcherSet({"tag": "#acme", "handle": "@globex", "word": "initech"})
    tagged = Mention(
        source="x",
        native_id="1",
        text="no brand in the text",
        created_at=when,
        hashtags=("#Acme",),
        mentioned_handles=("@globex",),
    )
    assert matcher.match(tagged) == ["tag", "handle"]
    assert matcher.match(tagged) == list(matcher.scan(tagged).names)
    plain = Mention(source="x", native_id="2", text="no brand", created_at=when, hashtags=("#other",))
    assert matcher.match(plain) == []


def _reference_normalize(text: str) -> NormalizedText:
    """normalize() written plainly, one character at a time (the definition)."""
    pieces: list[str] = []
    offsets: list[int] = []
    obfuscated = False
    last_kept = ""
    pending_invisible = False
    for index, char in enumerate(text):
        folded_char = fold(char)
        if not folded_char:
            if last_kept.isalnum():
                pending_invisible = True
            continue
        if pending_invisible and folded_char[0].isalnum():
            obfuscated = True
        pending_invisible = False
        code = ord(char)
        if 0xFF01 <= code <= 0xFF5E or 0x1D400 <= code <= 0x1D7FF or 0x24B6 <= code <= 0x24E9:
            obfuscated = True
        pieces.append(folded_char)
        offsets.extend([index] * len(folded_char))
        last_kept = folded_char[-1]
    offsets.append(len(text))
    flags = {"obfuscated"} if obfuscated else set()
    if _has_mixed_script_word(text):  # unchanged by the shortcuts
        flags.add("lookalike")
    return NormalizedText(text, "".join(pieces), tuple(offsets), frozenset(flags))


@settings(max_examples=500, deadline=None)
@given(_MIXED)
def test_normalize_shortcuts_agree_with_the_character_by_character_definition(text: str) -> None:
    expected = _reference_normalize(text)
    assert normalize(text) == expected
    assert _normalize_each(text) == expected
    assert normalization_flags(text) == expected.flags


_SPACED = st.lists(
    st.one_of(
        st.sampled_from(["a c m e", "a.c.m.e", "a_c_m_e", "a-c-m-e", "a*c*m*e", "a, c, m", "x y"]),
        st.just("\u0410cme"),
        _MIXED,
    ),
    max_size=4,
).map(" ".join)


@settings(max_examples=500, deadline=None)
@given(_SPACED)
def test_skeleton_words_shortcut_agrees_with_the_skeleton(text: str) -> None:
    doc = Document(text, max_chars=10_000)
    assert doc.skeleton_words == words_string(skeleton(text))
    assert MatcherSet({"acme": "acme"}).scan(text).lookalike == (
        ("acme",) if " acme " in words_string(skeleton(text)) and " acme " not in doc.words else ()
    )


@settings(max_examples=500, deadline=None)
@given(_MIXED)
def test_scan_flags_are_the_normalization_flags_on_every_path(text: str) -> None:
    matcher = MatcherSet({"acme": "acme", "typo": "globex~1"})
    first, second = matcher.scan(text), matcher.scan(text)  # the second finds its chunks cached
    assert first == second
    expected = set(normalize(text).flags) | ({"lookalike"} if first.lookalike else set())
    assert first.flags == expected
    assert list(first.names) == matcher.match(text)


def test_spaced_letters_lookalike_found_when_a_word_satisfies_a_non_trigger_wildcard() -> None:
    # "c" satisfies the NOT wildcard, so its chunk is marked; the mark must not reach the words.
    matchers = MatcherSet({"acme": "acme", "other": "phone NOT c*"})
    assert matchers.scan("I love a.c.m.e").lookalike == ("acme",)
