"""Brand profiles: a brand's names, products, handles and rules compiled into one query.

A :class:`BrandProfile` is what a monitoring user writes once: the name and aliases, the
products, the social handles and web domains, the words that rule a post out, and optionally
the context a post must have. ``compile()`` turns it into a :class:`ParsedQuery` whose text
atoms carry the generated variants (joined, split, plural, fuzzy typos guarded against
ordinary words); ``variant_report()`` tells which of those forms really occur in a corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from social_listen.core import DEFAULT_LIMITS, Limits, Mention
from social_listen.query._ast import And, Handle, Node, Not, Or, Phrase, Term, iter_atoms
from social_listen.query._ast import Field as FieldNode
from social_listen.query._atoms import GuardSpec, atom_spec
from social_listen.query._guard import DEFAULT_MIN_ZIPF, DEFAULT_RARER_BY
from social_listen.query._normalize import WORD_RE, fold
from social_listen.query._parser import parse_tree
from social_listen.query._query import ParsedQuery
from social_listen.query._unparse import unparse
from social_listen.query._variants import Variant, brand_variants

__all__ = ["BrandProfile", "VariantReport"]


@dataclass(frozen=True)
class VariantReport:
    """Which forms of a brand matched over a corpus.

    Attributes:
        brand: The profile name.
        matched: Each matched surface form (folded) with how many items it matched in.
        kinds: Each matched form's kind: ``name``, ``joined``, ``split``, ``plural``,
            ``handle``, ``domain``, ``fuzzy`` (a typo the fuzzy atom caught).
        unmatched: Generated variants never seen in the corpus.
        items: Items that matched the profile.
    """

    brand: str
    matched: Mapping[str, int] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    unmatched: tuple[str, ...] = ()
    items: int = 0


class BrandProfile(BaseModel):
    """Everything that identifies a brand's mentions, compiled into one query.

    Attributes:
        name: The brand name (also the profile's name in a :class:`MatcherSet`).
        aliases: Other names and spellings ("Acme Corp", "ACME Inc").
        products: Product names; a product mention is a brand mention.
        handles: Social handles, with or without ``@``.
        domains: Web domains (``acme.com``); matched in links and in the text.
        competitors: Names of competing brand profiles (or plain names), for share of voice.
        exclusions: Query snippets that rule a post out ("road runner", "#acmejobs").
        required_context: Query snippets of which one must also occur, for ambiguous names.
        languages: Languages of the brand's market; the fuzzy guard checks their word lists
            when a post's language is unknown.
        fuzzy: Match typos of one-word names of 5 letters or more.
        min_zipf: Zipf frequency from which the guard may treat a typo as an ordinary word.
        rarer_by: A typo this many Zipf points rarer than the name passes the guard.

    Examples:
        >>> acme = BrandProfile(name="Acme", aliases=["Acme Corp"], products=["RoadRunner"],
        ...                     handles=["@acme"], exclusions=["jobs"])
        >>> print(acme.to_query())  # doctest: +NORMALIZE_WHITESPACE
        (acme OR acmes OR "acme corp" OR acmecorp OR roadrunner OR "road runner"
         OR roadrunners OR roadrunner~ OR @acme) AND NOT jobs
        >>> q = acme.compile()
        >>> q.matches("my road-runner broke"), q.matches("acme jobs"), q.matches("@acme help")
        (True, False, True)
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    competitors: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    required_context: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    fuzzy: bool = True
    min_zipf: float = DEFAULT_MIN_ZIPF
    rarer_by: float = DEFAULT_RARER_BY

    @field_validator("name")
    @classmethod
    def _name_has_words(cls, value: str) -> str:
        if not WORD_RE.search(fold(value)):
            raise ValueError("a brand name needs letters or digits")
        return value

    def variants(self) -> tuple[Variant, ...]:
        """The generated variants of the name, aliases and products."""
        out: dict[tuple[str, str], Variant] = {}
        for term in (self.name, *self.aliases, *self.products):
            for variant in brand_variants(term, fuzzy=self.fuzzy):
                out.setdefault((variant.text, variant.kind), variant)
        return tuple(out.values())

    def _brand_nodes(self) -> tuple[list[Node], list[Node]]:
        names: list[Node] = []
        context: list[Node] = []
        seen: set[Node] = set()

        def add(node: Node, *, is_context: bool) -> None:
            if node not in seen:
                seen.add(node)
                names.append(node)
                if is_context:
                    context.append(node)

        product_terms = set(self.products)
        for variant in self.variants():
            is_context = variant.source in product_terms
            if variant.kind == "fuzzy":
                word, _, k = variant.text.rpartition("~")
                add(Term(word, fuzzy=int(k) if k else 0), is_context=False)
            elif " " in variant.text:
                add(Phrase(variant.text), is_context=is_context)
            else:
                add(Term(variant.text), is_context=is_context)
        for handle in self.handles:
            bare = handle.strip().lstrip("@")
            if WORD_RE.search(bare):
                add(Handle(bare), is_context=True)
                if "." not in bare and "-" not in bare:
                    add(Term(bare), is_context=True)
        for domain in self.domains:
            host = domain.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
            if WORD_RE.search(host):
                add(FieldNode("site", host), is_context=True)
                add(Phrase(host), is_context=True)
        return names, context

    def to_ast(self, *, limits: Limits = DEFAULT_LIMITS) -> Node:
        """The profile as one query tree (names OR ...) AND context AND NOT exclusions."""
        names, _ = self._brand_nodes()
        parts: list[Node] = [names[0] if len(names) == 1 else Or(tuple(names))]
        if self.required_context:
            context = [parse_tree(text, limits=limits) for text in self.required_context]
            parts.append(context[0] if len(context) == 1 else Or(tuple(context)))
        for text in self.exclusions:
            parts.append(Not(parse_tree(text, limits=limits)))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def to_query(self, *, limits: Limits = DEFAULT_LIMITS) -> str:
        """The profile as query text (for ``Query.text`` and connectors)."""
        return unparse(self.to_ast(limits=limits))

    def compile(self, *, limits: Limits = DEFAULT_LIMITS) -> ParsedQuery:
        """The profile as a parsed query, with the fuzzy guard keyed to the profile's context.

        A typo of the name that is an ordinary word is accepted when one of the profile's
        products, handles, domains or required context words occurs in the same post. The
        result is cached per profile and limits (both are immutable).
        """
        return _compile(self, limits)

    def _compile_uncached(self, limits: Limits) -> ParsedQuery:
        root = self.to_ast(limits=limits)
        _, context_nodes = self._brand_nodes()
        for text in self.required_context:
            context_nodes.extend(iter_atoms(parse_tree(text, limits=limits)))
        keys = tuple(
            atom_spec(node, None).key
            for node in context_nodes
            if isinstance(node, Term | Phrase | Handle | FieldNode) and not getattr(node, "fuzzy", None)
        )
        guard = GuardSpec(tuple(self.languages), self.min_zipf, self.rarer_by, keys)
        return ParsedQuery(root, guard=guard, limits=limits)

    def variant_report(
        self, items: Iterable[Mention | str], *, limits: Limits = DEFAULT_LIMITS
    ) -> VariantReport:
        """Count which surface forms of the brand matched in ``items``.

        Examples:
            >>> report = BrandProfile(name="Globex").variant_report(
            ...     ["globex rocks", "Globx is down", "#globex"])
            >>> dict(report.matched), report.kinds["globx"]
            ({'globex': 2, 'globx': 1}, 'fuzzy')
        """
        from social_listen.query._matcher import MatcherSet

        matcher = MatcherSet({self.name: self.compile(limits=limits)}, limits=limits)
        counts: Counter[str] = Counter()
        kinds: dict[str, str] = {}
        generated = {v.text: v.kind for v in self.variants() if v.kind != "fuzzy"}
        handles = {fold(h.lstrip("@")) for h in self.handles}
        matched_items = 0
        for item in items:
            result = matcher.scan(item)
            if self.name not in result.names:
                continue
            matched_items += 1
            forms = {span.matched for span in result.spans[self.name] if span.matched}
            for form in forms:
                counts[form] += 1
                if form in generated:
                    kinds[form] = generated[form]
                elif form in handles:
                    kinds[form] = "handle"
                else:
                    kinds[form] = "fuzzy"
        unmatched = tuple(text for text in generated if text not in counts)
        return VariantReport(
            brand=self.name, matched=dict(counts), kinds=kinds, unmatched=unmatched, items=matched_items
        )


@lru_cache(maxsize=512)
def _compile(profile: BrandProfile, limits: Limits) -> ParsedQuery:
    return profile._compile_uncached(limits)
