"""The catalog: what the TUI shows (newest first, smart lists, counts) follows the library."""

from __future__ import annotations

from reader.importers import Candidate
from reader.links import extract_links
from reader.tui.catalog import ALL, HAS_CODE, READ, UNREAD, Catalog, tag_list_id


def _add(library, *titles, code=False):
    cands = []
    for title in titles:
        abstract = f"About {title}." + (f" Code: https://github.com/lab/{title.split()[0].lower()}" if code else "")
        cands.append(Candidate(title=title, abstract=abstract, source="test", links=tuple(extract_links(abstract))))
    report = library.import_candidates(cands, sources=["test"])
    return report.added


def test_newest_first_and_counts(library):
    first = _add(library, "Alpha paper", "Beta paper")
    second = _add(library, "Gamma paper", code=True)
    catalog = Catalog.from_library(library)
    assert catalog.order == second + first[::-1]
    counts = catalog.counts
    assert (counts.total, counts.unread, counts.read, counts.has_code) == (3, 3, 0, 1)
    assert catalog.rows(HAS_CODE) == second


def test_applying_deltas_keeps_counts_and_order(library):
    ids = _add(library, "Alpha paper", "Beta paper")
    catalog = Catalog.from_library(library)
    seen = library.generation

    library.set_read([ids[0]], True)
    library.tag(ids, ["ml"])
    change = catalog.apply(library.changes_since(seen), library)
    assert change.ids == set(ids) and not change.membership_changed
    assert catalog.counts.read == 1 and catalog.counts.unread == 1
    assert catalog.counts.tags == {"ml": 2}
    assert catalog.rows(READ) == [ids[0]]
    assert catalog.rows(UNREAD) == [ids[1]]
    assert catalog.rows(tag_list_id("ml")) == [ids[1], ids[0]]

    seen = library.generation
    new = _add(library, "Delta paper", "Epsilon paper")
    change = catalog.apply(library.changes_since(seen), library)
    assert change.membership_changed
    assert catalog.order[:2] == new[::-1]  # newest first, as the library orders them
    assert catalog.counts.total == 4

    seen = library.generation
    library.undo()  # removes the two new papers again
    catalog.apply(library.changes_since(seen), library)
    assert catalog.order == ids[::-1]
    assert catalog.counts.total == 2


def test_ranked_ids_keep_their_order_and_filter(library):
    ids = _add(library, "Alpha paper", "Beta paper", "Gamma paper")
    library.set_read([ids[1]], True)
    catalog = Catalog.from_library(library)
    ranked = [ids[2], ids[0], ids[1], "not-a-paper"]
    assert catalog.rows(ALL, ranked) == [ids[2], ids[0], ids[1]]
    assert catalog.rows(UNREAD, ranked) == [ids[2], ids[0]]


def test_a_reload_asks_for_a_rebuild(library):
    _add(library, "Alpha paper")
    catalog = Catalog.from_library(library)
    change = catalog.apply(None, library)
    assert change.rebuild_needed
