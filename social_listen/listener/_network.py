"""Term co-occurrence networks, exported as GEXF (Gephi) or GraphML (networkx, yEd, Cytoscape).

The period's most frequent single-word terms are found in SQL; the mentions containing any of
them are then streamed (at most ``max_mentions``, newest first) and each pair of those terms
that occurs in the same mention adds 1 to the pair's edge weight.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from social_listen.core import ConfigError
from social_listen.listener._data import MentionData, aggregate, as_store, period_filter
from social_listen.listener._results import TableResult
from social_listen.store import Filter

__all__ = ["NetworkEdge", "NetworkNode", "TermNetwork", "cooccurrence_network"]


@dataclass(frozen=True, slots=True)
class NetworkNode:
    """A term and how many mentions in the period contain it."""

    term: str
    count: int


@dataclass(frozen=True, slots=True)
class NetworkEdge:
    """Two terms and how many mentions contain both."""

    source: str
    target: str
    weight: int


@dataclass(frozen=True)
class TermNetwork(TableResult):
    """A weighted, undirected term co-occurrence graph (:attr:`rows` are the edges)."""

    nodes: tuple[NetworkNode, ...]
    rows: tuple[NetworkEdge, ...]
    mentions_scanned: int

    def to_gexf(self) -> str:
        """The graph as GEXF 1.3 XML (node attribute ``count``, edge ``weight``)."""
        ids = {node.term: i for i, node in enumerate(self.nodes)}
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<gexf xmlns="http://gexf.net/1.3" version="1.3">',
            '<graph mode="static" defaultedgetype="undirected">',
            '<attributes class="node"><attribute id="0" title="count" type="integer"/></attributes>',
            "<nodes>",
        ]
        for node in self.nodes:
            lines.append(
                f'<node id="n{ids[node.term]}" label={quoteattr(node.term)}>'
                f'<attvalues><attvalue for="0" value="{node.count}"/></attvalues></node>'
            )
        lines.append("</nodes><edges>")
        for i, edge in enumerate(self.rows):
            lines.append(
                f'<edge id="e{i}" source="n{ids[edge.source]}" target="n{ids[edge.target]}" '
                f'weight="{edge.weight}"/>'
            )
        lines.append("</edges></graph></gexf>")
        return "\n".join(lines) + "\n"

    def to_graphml(self) -> str:
        """The graph as GraphML XML (node keys ``label``/``count``, edge key ``weight``)."""
        ids = {node.term: i for i, node in enumerate(self.nodes)}
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
            '<key id="label" for="node" attr.name="label" attr.type="string"/>',
            '<key id="count" for="node" attr.name="count" attr.type="int"/>',
            '<key id="weight" for="edge" attr.name="weight" attr.type="double"/>',
            '<graph id="terms" edgedefault="undirected">',
        ]
        for node in self.nodes:
            lines.append(
                f'<node id="n{ids[node.term]}"><data key="label">{escape(node.term)}</data>'
                f'<data key="count">{node.count}</data></node>'
            )
        for i, edge in enumerate(self.rows):
            lines.append(
                f'<edge id="e{i}" source="n{ids[edge.source]}" target="n{ids[edge.target]}">'
                f'<data key="weight">{edge.weight}</data></edge>'
            )
        lines.append("</graph></graphml>")
        return "\n".join(lines) + "\n"

    def write(self, path: str | os.PathLike[str]) -> Path:
        """Write ``.gexf`` or ``.graphml`` (chosen by the file extension)."""
        target = Path(path)
        if target.suffix.lower() == ".gexf":
            target.write_text(self.to_gexf(), encoding="utf-8")
        elif target.suffix.lower() == ".graphml":
            target.write_text(self.to_graphml(), encoding="utf-8")
        else:
            raise ConfigError(
                f"unknown network format {target.suffix!r}", source="listener", hint="use .gexf or .graphml"
            )
        return target


def cooccurrence_network(
    data: MentionData,
    *,
    since: datetime,
    until: datetime,
    n_terms: int = 40,
    min_weight: int = 2,
    max_mentions: int = 20_000,
    exclude: tuple[str, ...] = (),
    where: Filter | None = None,
) -> TermNetwork:
    """The co-occurrence graph of a period's most frequent terms.

    Args:
        data: A store or mentions (with ``terms``).
        since: Period start (inclusive).
        until: Period end (exclusive).
        n_terms: Nodes: the most frequent single-word terms.
        min_weight: Keep edges seen in at least this many mentions.
        max_mentions: Stream at most this many mentions (newest first) to count pairs.
        exclude: Terms to leave out (the brand's own name).
        where: Narrow the mentions.

    Returns:
        A :class:`TermNetwork`; edges heaviest first (ties by terms).

    Examples:
        >>> from datetime import datetime, UTC
        >>> from social_listen.core import Mention
        >>> t = datetime(2026, 1, 1, tzinfo=UTC)
        >>> ms = [Mention(source="x", native_id=str(i), terms=("late", "deliveri"), created_at=t)
        ...       for i in range(3)]
        >>> net = cooccurrence_network(ms, since=t, until=datetime(2026, 1, 2, tzinfo=UTC))
        >>> [(e.source, e.target, e.weight) for e in net.rows]
        [('deliveri', 'late', 3)]
    """
    store = as_store(data)
    flt = period_filter(since, until, where)
    counts: dict[str, int] = {}
    for term, count in aggregate(
        store,
        ("count",),
        by=("term",),
        where=flt,
        order_by=["-count", "term"],
        top=n_terms * 4 + len(exclude),
    ):
        if " " not in str(term) and term not in exclude and len(counts) < n_terms:
            counts[str(term)] = int(count)
    pairs: Counter[tuple[str, str]] = Counter()
    scanned = 0
    if counts:
        narrowed = flt.model_copy(update={"terms": tuple(counts)})
        for mention in store.iter_mentions(narrowed, order_by="-time", limit=max_mentions):
            scanned += 1
            present = sorted({t for t in mention.terms if t in counts})
            pairs.update(itertools.combinations(present, 2))
    edges = sorted(
        (NetworkEdge(a, b, w) for (a, b), w in pairs.items() if w >= min_weight),
        key=lambda e: (-e.weight, e.source, e.target),
    )
    nodes = tuple(NetworkNode(t, c) for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return TermNetwork(nodes=nodes, rows=tuple(edges), mentions_scanned=scanned)
