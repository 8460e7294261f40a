"""How sure is a link from one record to the records it was joined with?

A person's cluster can join a record to another through a chain of pairs (her pre-proceedings
record to her latest set, that set to an earlier one). The chain is only as strong as its weakest
pair, so for each record we follow the strongest chain (the widest path: the one whose weakest
pair is strongest) to each record that was used, and report the weakest pair on the weakest of
those chains. Clusters are small (one person's records), so this is done in memory.
"""

import heapq
from collections import defaultdict


def widest_paths(start: str, edges: dict[str, list[tuple[str, float]]]) -> dict[str, float]:
    """{node: strength of the strongest chain from `start`} for every node reachable from it."""
    best = {start: 1.0}
    queue = [(-1.0, start)]
    while queue:
        width, node = heapq.heappop(queue)
        width = -width
        if width < best.get(node, 0.0):
            continue
        for neighbour, strength in edges.get(node, ()):
            through = min(width, strength)
            if through > best.get(neighbour, 0.0):
                best[neighbour] = through
                heapq.heappush(queue, (-through, neighbour))
    return best


def weakest_links_used(
    used: list[tuple[str, str]], links: list[tuple[str, str, float]]
) -> dict[str, float]:
    """{record: weakest pair on the chains to the records it used} from (record, used record) rows
    and (node, node, match_probability) links; a record whose used records are not reachable
    through the links (or that used none) is left out."""
    edges: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for left, right, strength in links:
        edges[left].append((right, strength))
        edges[right].append((left, strength))
    targets: dict[str, set[str]] = defaultdict(set)
    for start, target in used:
        targets[start].add(target)
    weakest = {}
    for start, wanted in targets.items():
        reach = widest_paths(start, edges)
        strengths = [reach[target] for target in wanted if target in reach]
        if strengths:
            weakest[start] = min(strengths)
    return weakest
