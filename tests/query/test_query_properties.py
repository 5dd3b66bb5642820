"""Property tests: the parser never fails unexpectedly, round-trips, and the compiled matcher
agrees with a naive evaluator written straight from the language reference."""

from __future__ import annotations

import fnmatch
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from social_listen.core import QuerySyntaxError, QueryTooComplex
from social_listen.query import (
    And,
    Handle,
    Hashtag,
    MatcherSet,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Raw,
    Term,
    fold,
    parse,
    typo_budget,
    typo_distance,
    unparse,
)

PROPS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VOCAB = ["acme", "globex", "initech", "phone", "broken", "refund", "car", "sharing", "umbrella", "soseaua"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u200e", "\u202e", "\u2066", "\ufeff", "\u2060"]

# --- strategies -----------------------------------------------------------------------------
words = st.sampled_from(VOCAB)


@st.composite
def wildcard_terms(draw: st.DrawFn) -> Term:
    word = draw(words)
    i = draw(st.integers(0, len(word) - 1))
    return Term(word[:i] + draw(st.sampled_from("*?")) + word[i + 1 :])


terms = st.one_of(
    words.map(Term),
    wildcard_terms(),
    st.builds(Term, words, fuzzy=st.sampled_from([0, 1, 2])),
)
phrases = st.lists(words, min_size=1, max_size=3).map(lambda ws: Phrase(" ".join(ws)))
raws = words.map(lambda w: Raw(w.capitalize()))
positional = st.one_of(terms, phrases, raws)
near_operand = st.one_of(positional, st.lists(positional, min_size=2, max_size=3).map(lambda c: Or(tuple(c))))
atoms = st.one_of(positional, words.map(Hashtag), words.map(Handle))
nears = st.builds(Near, near_operand, near_operand, st.integers(0, 4), st.booleans())


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    group = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(group.map(And), group.map(Or), children.map(Not), nears)


trees = st.recursive(st.one_of(atoms, nears), _extend, max_leaves=8)

text_words = st.one_of(
    words,
    words.map(str.upper),
    words.map(str.capitalize),
    words.map(lambda w: "#" + w),
    words.map(lambda w: "@" + w),
    words.map(lambda w: w + "'s"),
    words.map(lambda w: w[:-1]),
    words.map(lambda w: w[1] + w[0] + w[2:]),
    words.map(lambda w: w + w[-1]),
    words.map(lambda w: w.replace("a", "á").replace("s", "ș")),
    st.sampled_from(["the", "is", "a", "😀", "-", ",", "...", "x1"]),
)
texts = st.lists(text_words, min_size=0, max_size=12).map(" ".join)


# --- the naive evaluator --------------------------------------------------------------------
def naive(node: Node, text: str) -> bool:
    folded = fold(text)
    tokens = re.findall(r"\w+", folded)
    raw_tokens = re.findall(r"\w+", unicodedata.normalize("NFC", text))
    return _eval(node, tokens, raw_tokens, folded)


def _positions(node: Node, tokens: list[str], raw_tokens: list[str]) -> list[tuple[int, int]]:
    if isinstance(node, Or):
        return [p for child in node.children for p in _positions(child, tokens, raw_tokens)]
    if isinstance(node, Raw):
        seq, pool = re.findall(r"\w+", node.value), raw_tokens
    elif isinstance(node, Phrase) or (isinstance(node, Term) and node.fuzzy is None and not node.is_wildcard):
        seq, pool = re.findall(r"\w+", fold(node.value)), tokens
    else:
        assert isinstance(node, Term)
        return [(i, i) for i, tok in enumerate(tokens) if _word_matches(node, tok)]
    n = len(seq)
    return [(i, i + n - 1) for i in range(len(pool) - n + 1) if pool[i : i + n] == seq]


def _word_matches(node: Term, token: str) -> bool:
    pattern = fold(node.value)
    if node.is_wildcard:
        return fnmatch.fnmatchcase(token, pattern)
    if node.fuzzy == 0:
        budget = typo_budget(pattern)
        return token == pattern or (
            budget > 0 and OSA.distance(token, pattern) <= 2 and typo_distance(token, pattern) <= budget
        )
    assert node.fuzzy is not None
    return OSA.distance(token, pattern) <= node.fuzzy


def _eval(node: Node, tokens: list[str], raw_tokens: list[str], folded: str) -> bool:
    if isinstance(node, Not):
        return not _eval(node.child, tokens, raw_tokens, folded)
    if isinstance(node, And):
        return all(_eval(c, tokens, raw_tokens, folded) for c in node.children)
    if isinstance(node, Or):
        return any(_eval(c, tokens, raw_tokens, folded) for c in node.children)
    if isinstance(node, Near):
        left = _positions(node.left, tokens, raw_tokens)
        right = _positions(node.right, tokens, raw_tokens)
        for a in left:
            for b in right:
                if b[0] > a[1] and b[0] - a[1] - 1 <= node.distance:
                    return True
                if not node.ordered and a[0] > b[1] and a[0] - b[1] - 1 <= node.distance:
                    return True
        return False
    if isinstance(node, Hashtag):
        return fold(node.value) in re.findall(r"(?<![\w&])#(\w+)", folded)
    if isinstance(node, Handle):
        return fold(node.value) in re.findall(r"(?<![\w.])@(\w+(?:[.\-]\w+)*)", folded)
    return bool(_positions(node, tokens, raw_tokens))


# --- the properties -------------------------------------------------------------------------
query_chars = st.lists(
    st.sampled_from(
        [*'ab ()"-*?~:#@/\\\n\u200b', "AND", "OR", "NOT", "NEAR/2", "raw:", "author:", "~1", "9"]
    ),
    max_size=40,
).map("".join)


@pytest.mark.reliability(36)
@PROPS
@given(st.one_of(st.text(max_size=200), query_chars))
def test_arbitrary_text_raises_only_query_errors(text: str) -> None:
    try:
        parsed = parse(text)
    except QuerySyntaxError as exc:
        caret = exc.caret_line.rsplit("\n", 1)[-1]
        if caret.index("^") != exc.position - (text.rfind("\n", 0, exc.position) + 1):
            raise AssertionError("the caret is not under the position") from exc
        return
    except QueryTooComplex:
        return
    parsed.matches(text)  # whatever parses also matches without raising
    assert parse(unparse(parsed)) == parsed


@pytest.mark.reliability(39)
@PROPS
@given(trees)
def test_parse_unparse_round_trip(tree: Node) -> None:
    text = unparse(tree)
    assert parse(text).root == tree
    assert unparse(parse(text)) == text


@PROPS
@given(st.lists(trees, min_size=1, max_size=4), st.lists(texts, min_size=1, max_size=4))
def test_compiled_matcher_agrees_with_naive_evaluator(queries: list[Node], samples: list[str]) -> None:
    parsed = {f"q{i}": parse(unparse(tree), fuzzy_guard=False) for i, tree in enumerate(queries)}
    matcher = MatcherSet(parsed)
    for text in samples:
        expected = [name for name, q in parsed.items() if naive(q.root, text)]
        assert matcher.match(text) == expected, text
        for name, q in parsed.items():
            assert q.matches(text) is (name in expected)


@pytest.mark.reliability(40)
@PROPS
@given(
    st.sampled_from(["acme", "globex", "initech corp", "soseaua"]),
    texts,
    st.lists(st.tuples(st.integers(0, 20), st.sampled_from(INVISIBLE)), min_size=1, max_size=4),
    st.booleans(),
)
def test_invisible_characters_in_a_brand_never_change_a_match(
    brand: str, context: str, inserts: list[tuple[int, str]], upper: bool
) -> None:
    matcher = MatcherSet(
        {"brand": f'"{brand}"', "fuzzy": brand.split(maxsplit=1)[0] + "~", "wild": brand[:3] + "*"}
    )
    name = brand.upper() if upper else brand
    hidden = name
    for position, char in inserts:
        at = position % (len(hidden) + 1)
        hidden = hidden[:at] + char + hidden[at:]
    plain_text = f"{context} {name} {context}"
    hidden_text = f"{context} {hidden} {context}"
    assert matcher.match(hidden_text) == matcher.match(plain_text)
    assert "brand" in matcher.match(hidden_text)


@pytest.mark.reliability(38)
@PROPS
@given(
    st.text(alphabet="ab*?", min_size=1, max_size=12),
    st.text(alphabet="ab", max_size=30),
)
def test_glob_matching_agrees_with_fnmatch(pattern: str, word: str) -> None:
    from social_listen.query import glob_match

    assert glob_match(pattern, word) is fnmatch.fnmatchcase(word, pattern)
