"""Terms of a mention: tokens, per-language stopwords, Snowball stems, unigrams and bigrams.

:func:`extract_terms` is what the enrichment pipeline stores in ``Mention.terms`` and what the
listener aggregates into themes, emerging terms and co-occurrence networks. It needs no
downloaded data: nltk's ``TweetTokenizer`` (a regex tokenizer that keeps hashtags, handles,
URLs and emoji whole), the ``stopwordsiso`` word lists and nltk's Snowball stemmers ship with
their pip packages. Text is normalized first (NFC, case folding, invisible characters removed,
Romanian cedilla letters ş/ţ to the comma letters ș/ț, Hungarian õ/û to ő/ű) so the same word
always yields the same term.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator

__all__ = ["extract_terms", "normalize_word", "stopwords_for", "term_surfaces"]

_SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}

# stopwordsiso's English list (1,298 words) removes words listening needs: complaint and
# sentiment vocabulary ("problem", "order", "broken" ...). These stay terms.
_KEEP = {
    "en": frozenset(
        [
            "affected",
            "appreciate",
            "back",
            "backed",
            "best",
            "better",
            "broke",
            "broken",
            "buy",
            "call",
            "calls",
            "certain",
            "clear",
            "cry",
            "dear",
            "delivery",
            "empty",
            "fire",
            "fix",
            "free",
            "good",
            "great",
            "greatest",
            "hell",
            "help",
            "home",
            "ignored",
            "ill",
            "important",
            "interest",
            "interested",
            "interesting",
            "kind",
            "line",
            "liked",
            "love",
            "low",
            "miss",
            "number",
            "order",
            "ordered",
            "orders",
            "page",
            "please",
            "problem",
            "problems",
            "proud",
            "refund",
            "serious",
            "seriously",
            "show",
            "shows",
            "site",
            "sorry",
            "stop",
            "strongly",
            "sure",
            "thank",
            "thanks",
            "top",
            "unfortunately",
            "useful",
            "value",
            "want",
            "website",
            "welcome",
            "wish",
            "won",
            "work",
            "worked",
            "working",
            "works",
        ]
    ),
}

_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_CEDILLA_TO_COMMA = str.maketrans({"ş": "ș", "ţ": "ț", "Ş": "Ș", "Ţ": "Ț"})
_COMMA_TO_CEDILLA = str.maketrans({"ș": "ş", "ț": "ţ"})
_HU_TILDE = str.maketrans({"õ": "ő", "û": "ű", "Õ": "Ő", "Û": "Ű"})
_EDGE_PUNCT = "'\"‘’“”`´.,;:!?()[]{}<>«»„‟‹›-–—_*~|/\\…"
_MAX_WORD = 40
_DEFAULT_MAX_TERMS = 200


def _language_code(language: str | None) -> str | None:
    if not language:
        return None
    code = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return code or None


@functools.cache
def stopwords_for(language: str | None) -> frozenset[str]:
    """The stopwords used for a language, normalized like terms.

    Words come from the ``stopwordsiso`` package (no download); Romanian cedilla letters are
    turned into comma letters, and a few words listening needs (``problem``, ``order``...) are
    kept as terms. Unknown languages and ``None`` get the English list, the usual lingua
    franca of mixed streams.

    Args:
        language: An ISO 639-1 code (``"en"``, ``"hu"``, ``"ro"``; ``"en-US"`` works too).

    Returns:
        A frozen set of normalized stopwords.

    Examples:
        >>> "și" in stopwords_for("ro"), "problem" in stopwords_for("en")
        (True, False)
    """
    import stopwordsiso

    code = _language_code(language) or "en"
    if not stopwordsiso.has_lang(code):
        code = "en"
    words = {normalize_word(w, language=code) for w in stopwordsiso.stopwords(code)}
    return frozenset(words - _KEEP.get(code, frozenset()))


def normalize_word(word: str, *, language: str | None = None) -> str:
    """Normalize one word or text the way terms are: NFC, case folded, invisibles removed.

    Romanian cedilla letters (ş, ţ) become comma letters (ș, ț) for every language, since the
    cedilla forms are legacy encodings of the same letters; Hungarian õ/û become ő/ű when the
    language is Hungarian.

    Examples:
        >>> normalize_word("Ştiinţă")
        'știință'
    """
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", word)).casefold()
    text = text.translate(_CEDILLA_TO_COMMA)
    if _language_code(language) == "hu":
        text = text.translate(_HU_TILDE)
    return text


@functools.cache
def _stemmer(code: str | None) -> object | None:
    name = _SNOWBALL.get(code or "")
    if name is None:
        return None
    from nltk.stem import SnowballStemmer

    stemmer: object = SnowballStemmer(name)
    return stemmer


@functools.lru_cache(maxsize=65536)
def _stem(word: str, code: str | None) -> str:
    stemmer = _stemmer(code)
    if stemmer is None:
        return word
    if code == "ro":
        # nltk's Romanian stemmer spells its suffixes with the cedilla letters.
        stemmed: str = stemmer.stem(word.translate(_COMMA_TO_CEDILLA))  # type: ignore[attr-defined]
        return stemmed.translate(_CEDILLA_TO_COMMA)
    result: str = stemmer.stem(word)  # type: ignore[attr-defined]
    return result


@functools.cache
def _tokenizer() -> object:
    from nltk.tokenize import TweetTokenizer

    return TweetTokenizer(preserve_case=True, reduce_len=True, strip_handles=False)


def _clean_token(token: str) -> str | None:
    """A word to keep from one token, or None (URLs, handles, numbers, emoji, punctuation)."""
    lower = token.lower()
    if lower.startswith(("http://", "https://", "www.", "@")) or "://" in lower:
        return None
    word = token[1:] if token.startswith("#") else token
    word = word.strip(_EDGE_PUNCT)
    for suffix in ("'s", "’s"):
        if word.lower().endswith(suffix):
            word = word[: -len(suffix)]
    if len(word) < 2 or len(word) > _MAX_WORD:
        return None
    if not any(ch.isalpha() for ch in word):
        return None
    if "@" in word or any(unicodedata.category(ch).startswith(("S", "C")) for ch in word):
        return None
    return word


def _ends_clause(token: str) -> bool:
    lower = token.lower()
    if lower.startswith(("http://", "https://", "www.", "@")):
        return True
    return not any(ch.isalnum() for ch in token)


def _clauses(text: str, code: str | None) -> Iterator[list[tuple[str, str]]]:
    """Runs of (surface, stem) content words; punctuation, URLs and handles end a run."""
    stop = stopwords_for(code)
    clean = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    tokens: list[str] = _tokenizer().tokenize(clean)  # type: ignore[attr-defined]
    run: list[tuple[str, str]] = []
    for token in tokens:
        word = _clean_token(token)
        if word is None:
            # Punctuation, emoji, URLs and handles end a clause; dropped numbers do not.
            if run and _ends_clause(token):
                yield run
                run = []
            continue
        norm = normalize_word(word, language=code)
        if norm in stop or any(part in stop for part in norm.split("'") if part and part != norm):
            continue
        run.append((norm, _stem(norm, code)))
    if run:
        yield run


def extract_terms(
    text: str,
    *,
    language: str | None,
    stem: bool = True,
    bigrams: bool = True,
    max_terms: int | None = _DEFAULT_MAX_TERMS,
) -> tuple[str, ...]:
    """The terms of a text: stemmed content words, then bigrams of adjacent ones.

    Tokens are hashtags (without ``#``), words and alphanumerics; URLs, @handles, numbers,
    emoji and punctuation are dropped. Stopwords of the language are removed, the rest are
    Snowball-stemmed (Arabic, Danish, Dutch, English, Finnish, French, German, Hungarian,
    Italian, Norwegian, Portuguese, Romanian, Russian, Spanish, Swedish; other languages keep
    the normalized word). Bigrams join two content words that follow each other within a
    clause (stopwords between them are skipped, punctuation ends the clause) with one space.
    Each term appears once, unigrams first, in text order.

    Args:
        text: The mention's title and text.
        language: ISO 639-1 code of the text (``None`` when unknown: English stopwords, no
            stemming).
        stem: Stem words (default) or keep the normalized surface form.
        bigrams: Add bigrams (default).
        max_terms: Keep at most this many terms (``None``: all).

    Returns:
        The terms, de-duplicated, in order.

    Examples:
        >>> extract_terms("Deliveries are LATE again, @acme!! #delivery", language="en")
        ('deliveri', 'late', 'deliveri late')
        >>> extract_terms("Livrarea a întârziat, livrările sunt proaste", language="ro")
        ('livr', 'întârz', 'livrăr', 'proast', 'livr întârz', 'livrăr proast')
    """
    code = _language_code(language)
    stem_code = code if (stem and language is not None) else None
    unigrams: dict[str, None] = {}
    pairs: dict[str, None] = {}
    for run in _clauses(text, code):
        keys = [s if stem_code else w for w, s in ((w, _stem(w, stem_code)) for w, _ in run)]
        for key in keys:
            unigrams.setdefault(key, None)
        if bigrams:
            for first, second in itertools.pairwise(keys):
                if first != second:
                    pairs.setdefault(f"{first} {second}", None)
    terms = (*unigrams, *pairs)
    return terms if max_terms is None else terms[:max_terms]


def term_surfaces(text: str, *, language: str | None) -> dict[str, str]:
    """Map each term of a text to the words it came from, for readable labels.

    Stems are stable keys but poor labels ("deliveri"); reports show the surface form seen
    most often in example mentions.

    Examples:
        >>> term_surfaces("Deliveries late", language="en")["deliveri late"]
        'deliveries late'
    """
    code = _language_code(language)
    stem_code = code if language is not None else None
    out: dict[str, str] = {}
    for run in _clauses(text, code):
        keyed = [(w, _stem(w, stem_code)) for w, _ in run]
        for word, key in keyed:
            out.setdefault(key, word)
        for (w1, k1), (w2, k2) in itertools.pairwise(keyed):
            if k1 != k2:
                out.setdefault(f"{k1} {k2}", f"{w1} {w2}")
    return out
