"""The weakest link used: the strongest chain of pairs from a record to each record it used."""

from linkage.weakest_links import weakest_links_used, widest_paths


def test_strongest_chain_is_followed_and_its_weakest_pair_reported():
    links = [("pp", "a", 0.99), ("a", "b", 0.96), ("pp", "b", 0.951), ("b", "c", 0.999), ("x", "y", 0.97)]
    reach = widest_paths("pp", _adjacency(links))
    assert reach == {"pp": 1.0, "a": 0.99, "b": 0.96, "c": 0.96}  # via a (0.96) beats direct (0.951)
    used = [("pp", "b"), ("pp", "c"), ("lonely", "z"), ("x", "y")]
    assert weakest_links_used(used, links) == {"pp": 0.96, "x": 0.97}  # 'lonely' reaches nothing it used


def _adjacency(links):
    edges = {}
    for left, right, strength in links:
        edges.setdefault(left, []).append((right, strength))
        edges.setdefault(right, []).append((left, strength))
    return edges
