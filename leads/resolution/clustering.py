"""Entities as clusters of mentions, under analysts' "same" and "not the same" judgements.

Links are merged strongest first (union-find). A "same" judgement is a link
that is always merged; a "not the same" judgement forbids any merge that
would put its two mentions in one entity, so a chain of weaker links can never
join them either. Undoing a judgement is deleting it and clustering again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass
class ClusterResult:
    """Entity label per mention (labels are 0..n-1) and the judgements that conflicted."""

    labels: list[int]
    conflicts: list[tuple[int, int]] = field(default_factory=list)
    blocked_links: int = 0

    def clusters(self) -> list[list[int]]:
        groups: dict[int, list[int]] = {}
        for position, label in enumerate(self.labels):
            groups.setdefault(label, []).append(position)
        return list(groups.values())


class ConstrainedUnionFind:
    """Union-find whose roots remember which mentions they must never join."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.rank = [0] * size
        self.cannot: dict[int, set[int]] = {}

    def find(self, item: int) -> int:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def forbid(self, a: int, b: int) -> None:
        self.cannot.setdefault(self.find(a), set()).add(b)
        self.cannot.setdefault(self.find(b), set()).add(a)

    def can_merge(self, a: int, b: int) -> bool:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        forbidden_a = self.cannot.get(root_a, set())
        forbidden_b = self.cannot.get(root_b, set())
        if len(forbidden_a) > len(forbidden_b):
            forbidden_a, root_b = forbidden_b, root_a
        return all(self.find(other) != root_b for other in forbidden_a)

    def union(self, a: int, b: int) -> bool:
        """Merge the entities of a and b unless a "not the same" forbids it."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        if not self.can_merge(a, b):
            return False
        if self.rank[root_a] < self.rank[root_b]:
            root_a, root_b = root_b, root_a
        self.parent[root_b] = root_a
        if self.rank[root_a] == self.rank[root_b]:
            self.rank[root_a] += 1
        moved = self.cannot.pop(root_b, None)
        if moved:
            self.cannot.setdefault(root_a, set()).update(moved)
        return True


def cluster(
    size: int,
    links: Iterable[tuple[int, int, float]],
    *,
    same: Sequence[tuple[int, int]] = (),
    different: Sequence[tuple[int, int]] = (),
) -> ClusterResult:
    """Cluster `size` mentions from scored links (a, b, score) and judged pairs.

    "Not the same" judgements are applied first and always win; "same" judgements
    are merged next (one contradicting a "not the same" is reported as a conflict);
    then the links from strongest to weakest.
    """
    links = list(links)
    if not different:
        return _components(size, links, same)
    forest = ConstrainedUnionFind(size)
    for a, b in different:
        forest.forbid(a, b)
    conflicts = [(a, b) for a, b in same if not forest.union(a, b)]
    blocked = 0
    for a, b, _score in sorted(links, key=lambda link: -link[2]):
        if not forest.union(a, b):
            blocked += 1
    roots: dict[int, int] = {}
    labels = [roots.setdefault(forest.find(item), len(roots)) for item in range(size)]
    return ClusterResult(labels=labels, conflicts=conflicts, blocked_links=blocked)


def _components(
    size: int, links: list[tuple[int, int, float]], same: Sequence[tuple[int, int]]
) -> ClusterResult:
    """Without "not the same" judgements every merge succeeds: clusters are the
    connected components, found in compiled code (scipy) rather than in Python."""
    pairs = [(a, b) for a, b, _ in links] + [tuple(pair) for pair in same]
    if not pairs:
        return ClusterResult(labels=list(range(size)))
    edges = np.asarray(pairs, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(size, size)
    )
    _count, labels = connected_components(graph, directed=False)
    # Number entities by first appearance, like the union-find path does.
    _, first_seen, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_seen))
    return ClusterResult(labels=order[inverse].tolist())
