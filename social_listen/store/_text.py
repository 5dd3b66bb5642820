"""Full-text helpers: Snowball stemming per language and safe FTS queries.

SQLite's FTS5 ships no Hungarian or Romanian stemmer, so the store indexes a column of
Snowball stems (nltk's ``SnowballStemmer`` for the mention's language) and stems the query
words the same way, once per candidate language, OR-ing the variants. PostgreSQL uses its own
text-search configuration of the same name (:func:`pg_config`). Query words are always quoted
(FTS5) or bound (PostgreSQL): the user's text is never parsed as query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer

__all__ = ["fts_match", "pg_config", "stem_text", "tokenize"]

_SNOWBALL: dict[str, str] = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}
_WORD = re.compile(r"\w+", re.UNICODE)
# Romanian text is often written with the old cedilla letters; the stemmer expects commas.
_CEDILLA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})
_MAX_QUERY_WORDS = 32


@lru_cache(maxsize=32)
def _stemmer(language: str) -> SnowballStemmer | None:
    name = _SNOWBALL.get(language)
    return SnowballStemmer(name) if name else None


@lru_cache(maxsize=200_000)
def _stem(language: str, word: str) -> str:
    stemmer = _stemmer(language)
    return str(stemmer.stem(word)) if stemmer is not None else word


def _base_language(language: str | None) -> str:
    return (language or "").split("-")[0].split("_")[0].lower()


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (hashtags and handles lose their sigil)."""
    return _WORD.findall(text.translate(_CEDILLA).lower())


def stem_text(text: str, language: str | None, *, fallback: Iterable[str] = ()) -> str:
    """The space-joined Snowball stems of ``text`` for the FTS column.

    Words of a language without a stemmer are kept as lower-cased tokens. When the language is
    unknown, each word is indexed as itself plus its stem in every ``fallback`` language, so a
    query stemmed in any of them still finds it.

    Examples:
        >>> stem_text("Deliveries delayed", "en")
        'deliveri delay'
    """
    lang = _base_language(language)
    if lang or not fallback:
        return " ".join(_stem(lang, word) for word in tokenize(text))
    langs = [_base_language(f) for f in fallback]
    out: list[str] = []
    for word in tokenize(text):
        forms = {word, *(_stem(f, word) for f in langs)}
        out.extend(sorted(forms))
    return " ".join(out)


def query_variants(text: str, languages: Iterable[str]) -> list[list[str]]:
    """For each query word, its distinct forms: the word itself and its stem per language."""
    langs = [_base_language(lang) for lang in languages]
    out: list[list[str]] = []
    for word in tokenize(text)[:_MAX_QUERY_WORDS]:
        forms = [word]
        for lang in langs:
            stem = _stem(lang, word)
            if stem not in forms:
                forms.append(stem)
        out.append(forms)
    return out


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts_match(text: str, languages: Iterable[str]) -> str | None:
    """An FTS5 MATCH expression: every word required, each as a quoted OR of its forms.

    Returns ``None`` when the text has no word characters (the filter then matches nothing).

    Examples:
        >>> fts_match('late "OR" delivery', ["en"])
        '("late") AND ("or") AND ("delivery" OR "deliveri")'
    """
    groups = query_variants(text, languages)
    if not groups:
        return None
    parts = []
    for forms in groups:
        parts.append("(" + " OR ".join(_quote(form) for form in forms) + ")")
    return " AND ".join(parts)


_PG_CONFIGS = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}


def pg_config(language: str | None) -> str:
    """The PostgreSQL text-search configuration for a language code (``simple`` if none)."""
    return _PG_CONFIGS.get(_base_language(language), "simple")
