"""Union-find over items 0..n-1 (stories' links, an import file's versions of one article).

A leaf module: it imports nothing of the project.
"""

from __future__ import annotations


class Groups:
    """Union-find whose root is the group's smallest index (the earliest item, for items in order)."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
