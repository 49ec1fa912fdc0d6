"""The search index on disk: kept current by every change, caught up after a crash or another
process, rebuilt (with a note) when it is missing, damaged, foreign or of another version, and read
by the CLI without loading the library."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest

from reader.importers import Candidate
from reader.store import Library
from reader.search import search, search_ids
from reader.search import engine_for
from reader.search.documents import FORMAT, index_dir
from reader.search.quick import quick_search
from reader.search.query import parse_query
from tests.conftest import ROOT, run_cli

QUERIES = [
    "",
    "graph neural",
    "transformers",
    "difusion modle",
    "flowfromer",
    '"flow matching"',
    "tag:keep",
    "tag:keep attention",
    "is:read",
    "-tag:keep has:code",
    "language models reasoning",
    "fine-tune",
]


def ranked(library, queries=QUERIES) -> dict[str, list[tuple[str, float]]]:
    answers = {}
    for query in queries:
        result = search_ids(library, query)
        answers[query] = list(zip(result.ids, result.scores, strict=True))
    return answers


def fresh_ranking(db_path, queries=QUERIES) -> dict[str, list[tuple[str, float]]]:
    """The same queries on an index built from scratch (by a library opened anew)."""
    shutil.rmtree(index_dir(db_path))
    return ranked(Library.open(db_path), queries)


# BM25 counts a changed paper's old version until tantivy merges it away, so scores drift a
# little from a fresh index's (as in any Lucene-like engine): the same papers must match, the
# same paper come first, and two papers may only trade places when their scores (best = 1) were
# within this of each other.
SCORE_DRIFT = 0.03


def assert_same_results(grown: dict, fresh: dict) -> None:
    assert grown.keys() == fresh.keys()
    for query, fresh_hits in fresh.items():
        grown_hits = grown[query]
        assert {pid for pid, _ in grown_hits} == {pid for pid, _ in fresh_hits}, query
        if not fresh_hits:
            continue
        score = dict(fresh_hits)
        place = {pid: at for at, (pid, _) in enumerate(fresh_hits)}
        order = [pid for pid, _ in grown_hits]
        assert abs(score[order[0]] - score[fresh_hits[0][0]]) <= SCORE_DRIFT, query
        for before, after in zip(order, order[1:], strict=False):
            if place[before] > place[after]:
                assert abs(score[before] - score[after]) <= SCORE_DRIFT, (query, before, after)


def cand(title, abstract="", source="test"):
    return Candidate(title=title, abstract=abstract, source=source)


def titles(hits):
    return [hit.paper.title for hit in hits]


# -- kept current ----------------------------------------------------------------------------


def test_a_library_grown_by_many_changes_searches_like_a_fresh_index(sample_library, db_path):
    library = sample_library
    search(library, "anything")  # the index exists from here on: every change below updates it
    papers = library.papers()
    library.tag([paper.id for paper in papers[:40]], ["keep"])
    library.set_read([paper.id for paper in papers[10:30]])
    library.delete([paper.id for paper in papers[50:60]])
    library.import_candidates(
        [cand(f"Graph Transformers for Reasoning {n}", f"Language models fine-tune attention {n}") for n in range(30)],
        sources=["extra"],
    )
    library.undo()  # the import
    library.undo()  # the delete
    library.untag([paper.id for paper in papers[:5]], ["keep"])
    library.import_candidates([cand("Flow Matching for Graphs", "A diffusion model of graphs.")], sources=["more"])
    library.delete([papers[70].id])
    grown = ranked(library)
    assert grown["tag:keep"] and grown["graph neural"]
    assert_same_results(grown, fresh_ranking(db_path))


def test_every_change_updates_the_index_without_a_search(sample_library, db_path):
    search(sample_library, "anything")
    target = sample_library.papers()[3]
    sample_library.tag([target.id], ["quokka"])
    # Another process reads the index directly: it is already at the library's position.
    found = quick_search(db_path, parse_query("tag:quokka"), 5)
    assert found is not None and titles(found) == [target.title]


def test_a_library_without_an_index_gets_one_at_its_first_search(library, db_path):
    library.import_candidates([cand("Wombat Burrows", "Marsupials dig.")], sources=["x"])
    assert not index_dir(db_path).exists()  # changes do not build one
    assert titles(search(library, "wombat")) == ["Wombat Burrows"]
    assert index_dir(db_path).is_dir()


def test_changes_of_another_process_reach_the_index(sample_library, db_path):
    search(sample_library, "anything")
    other = Library.open(db_path)
    other.tag([other.papers()[0].id], ["elsewhere"])
    assert quick_search(db_path, parse_query("tag:elsewhere"), 5) is not None  # the other process updated it
    sample_library.refresh()
    assert len(search(sample_library, "tag:elsewhere")) == 1


def test_two_processes_changing_the_library_at_once_both_reach_the_index(sample_library, db_path):
    search(sample_library, "anything")
    ids = [paper.id for paper in sample_library.papers()[:20]]
    script = textwrap.dedent(
        f"""
        from reader.store import Library
        library = Library.open({str(db_path)!r})
        for pid in {ids!r}:
            library.tag([pid], ["child"])
        print("warnings:", library.warnings)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    for pid in ids:
        sample_library.tag([pid], ["parent"])
    out, _ = child.communicate(timeout=120)
    assert child.returncode == 0 and "warnings: []" in out
    assert sample_library.warnings == []
    sample_library.refresh()
    assert set(search_ids(sample_library, "tag:child").ids) == set(ids)
    assert set(search_ids(sample_library, "tag:parent").ids) == set(ids)
    assert_same_results(ranked(sample_library), fresh_ranking(db_path))


# -- crashes ------------------------------------------------------------------------------------------

_DIE_BEFORE_INDEX_COMMIT = """
import os, sys
import reader.search.engine as engine
from reader.search.hook import install
from reader.store import Library

def die(*args, **kwargs):
    os.kill(os.getpid(), 9)

engine.SearchEngine._update = die
install()  # as the CLI does
library = Library.open(sys.argv[1])
library.tag([library.papers()[0].id], ["lost-index-update"])
"""


def test_killed_before_its_index_commit_the_next_search_catches_up(sample_library, db_path):
    search(sample_library, "anything")
    child = subprocess.run([sys.executable, "-c", _DIE_BEFORE_INDEX_COMMIT, str(db_path)], cwd=ROOT)
    assert child.returncode == -signal.SIGKILL
    # The change is in the journal, the index is one change behind: the CLI's fast path does not answer.
    assert quick_search(db_path, parse_query("tag:lost-index-update"), 5) is None
    result = run_cli("list", "tag:lost-index-update", db=db_path)
    assert result.returncode == 0 and result.stdout.decode().count("\n") == 1, result.stderr
    assert b"Traceback" not in result.stderr
    assert quick_search(db_path, parse_query("tag:lost-index-update"), 5) is not None  # caught up on disk


_TAG_FOREVER = """
import sys
from reader.store import Library
library = Library.open(sys.argv[1])
ids = [paper.id for paper in library.papers()]
number = 0
while True:
    library.tag([ids[number % len(ids)]], [f"t{number % 7}"])
    print(number, flush=True)
    number += 1
"""


@pytest.mark.slow
@pytest.mark.parametrize("lines", [1, 3, 8, 20, 45])
def test_kill_9_while_changing_leaves_an_index_the_next_search_repairs(sample_library, db_path, lines):
    search(sample_library, "anything")
    child = subprocess.Popen(
        [sys.executable, "-c", _TAG_FOREVER, str(db_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    for _ in range(lines):
        child.stdout.readline()
    child.kill()
    child.wait()
    library = Library.open(db_path)
    queries = [*QUERIES, *(f"tag:t{n}" for n in range(7))]
    assert_same_results(ranked(library, queries), fresh_ranking(db_path, queries))


# -- unusable index directories ------------------------------------------------------------------------


def _replace(file, data: bytes) -> None:
    # New files renamed into place: a process that has the old ones memory-mapped keeps reading
    # them (cutting a mapped file short under it would kill it with SIGBUS, as for any mmap user).
    temporary = file.with_name(file.name + ".new")
    temporary.write_bytes(data)
    os.replace(temporary, file)


def _damage(path, how):
    if how == "garbage":
        for name in os.listdir(path):
            _replace(path / name, b"not an index at all")
    elif how == "truncated":
        for name in os.listdir(path):
            data = (path / name).read_bytes()
            _replace(path / name, data[: len(data) // 3])
    elif how == "segments-missing":
        for name in os.listdir(path):
            if "." in name and not name.startswith(".") and name.split(".")[-1] in ("idx", "term", "store"):
                (path / name).unlink()
    elif how == "meta-missing":
        (path / "meta.json").unlink()
    elif how == "a-file":
        shutil.rmtree(path)
        path.write_text("hello")
    elif how == "empty-dir":
        shutil.rmtree(path)
        path.mkdir()


@pytest.mark.parametrize("how", ["garbage", "truncated", "segments-missing", "meta-missing", "a-file", "empty-dir"])
def test_a_damaged_index_is_rebuilt_with_a_note(sample_library, db_path, how):
    expected = ranked(sample_library)
    _damage(index_dir(db_path), how)
    result = run_cli("list", "--json", "graph", "neural", db=db_path)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    stderr = result.stderr.decode().strip().splitlines()
    assert len(stderr) <= 1 and (not stderr or "search index rebuilt" in stderr[0])
    listing = [item["id"] for item in json.loads(result.stdout)]
    assert listing == [pid for pid, _ in expected["graph neural"]]
    library = Library.open(db_path)
    assert ranked(library) == expected


def test_an_index_of_another_library_is_rebuilt_with_a_note(sample_library, db_path, tmp_path):
    search(sample_library, "anything")
    other = Library.open(tmp_path / "other" / "library.json")
    other.import_candidates([cand("Only In The Other Library")], sources=["x"])
    search(other, "anything")
    shutil.rmtree(index_dir(db_path))
    shutil.copytree(index_dir(other.path), index_dir(db_path))
    result = search(Library.open(db_path), "graph neural")
    assert result.note == "search index rebuilt (made for another library)"
    assert result and "Only In The Other Library" not in titles(search(Library.open(db_path), ""))


def test_an_index_of_another_version_is_rebuilt(sample_library, db_path, monkeypatch):
    search(sample_library, "anything")
    import reader.search.documents as documents

    monkeypatch.setattr(documents, "FORMAT", FORMAT + 1)
    result = search(Library.open(db_path), "graph neural")
    assert result.note == "search index rebuilt (made by another version of reader)"
    assert result


def test_an_index_ahead_of_the_library_is_rebuilt(sample_library, db_path, tmp_path):
    # The library files were put back from an older copy, the index kept: it holds papers the library does not.
    saved = tmp_path / "saved"
    saved.mkdir()
    for path in db_path.parent.iterdir():
        if path.is_file():
            shutil.copy2(path, saved / path.name)
    search(sample_library, "anything")
    sample_library.import_candidates([cand("Zyzzyva Quokkas From The Future")], sources=["x"])
    assert search(sample_library, "zyzzyva")
    for path in saved.iterdir():
        shutil.copy2(path, db_path.parent / path.name)
    library = Library.open(db_path)
    result = search(library, "zyzzyva")
    assert result == [] and "rebuilt" in result.note


def test_a_read_only_library_searches_the_index_it_has_and_says_it_is_behind(sample_library, db_path, monkeypatch):
    search(sample_library, "anything")
    import reader.search.engine as engine

    monkeypatch.setattr(engine, "library_changed", lambda library: None)  # a change the index missed
    pid = sample_library.papers()[0].id
    sample_library.tag([pid], ["missed"])
    monkeypatch.undo()
    from tests.helpers.diskfull import read_only

    with read_only(db_path.parent):
        library = Library.open(db_path)
        result = search(library, "graph neural")
        assert result and "1 change(s) behind" in result.note and "not searched" in result.note
        assert search(library, "tag:missed") == []


# -- the CLI's fast path ----------------------------------------------------------------------------


def test_cli_search_does_not_load_the_library_when_the_index_is_current(sample_library, db_path, monkeypatch):
    expected = search(sample_library, "graph neural", limit=5)

    def no_loading(self):
        raise AssertionError("the library was loaded")

    monkeypatch.setattr(Library, "load", no_loading)
    found = quick_search(db_path, parse_query("graph neural"), 5)
    assert found is not None
    assert [hit.paper.to_doc() for hit in found] == [hit.paper.to_doc() for hit in expected]
    assert found.total == expected.total


def test_cli_list_output_is_the_same_with_and_without_the_fast_path(sample_library, db_path):
    search(sample_library, "anything")
    sample_library.tag([sample_library.papers()[0].id], ["first"])
    quick = run_cli("list", "--json", "--limit", "20", "transformers", db=db_path)
    shutil.rmtree(index_dir(db_path))
    slow = run_cli("list", "--json", "--limit", "20", "transformers", db=db_path)
    assert quick.returncode == slow.returncode == 0
    quick_list, slow_list = json.loads(quick.stdout), json.loads(slow.stdout)
    assert quick_list and len(quick_list) == len(slow_list)
    for fast, full in zip(quick_list, slow_list, strict=True):  # the same papers (see SCORE_DRIFT for the scores)
        assert abs(fast.pop("score") - full.pop("score")) <= SCORE_DRIFT
        assert fast == full


def test_cli_list_from_a_current_index_does_not_load_the_library(sample_library, db_path):
    """The index-only search of `reader list` reads the ends of two files: it never imports the store's
    Library, nor the abstracts or snapshot readers."""
    search(sample_library, "anything")
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = ('reader.store.library', 'reader.store.abstracts', 'reader.store.snapshot')\n"
        "sys.stderr.write('LOADED:' + ','.join(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code, "list", "graph neural", "--limit", "5", "--db", str(db_path)],
                            capture_output=True, text=True, timeout=120)
    assert "Benchmarking Graph Neural Networks" in result.stdout, result.stderr
    assert result.stderr.rsplit("LOADED:", 1)[1] == "", result.stderr


def test_engine_is_shared_per_library(sample_library):
    assert engine_for(sample_library) is engine_for(sample_library)


def test_cli_fast_path_after_an_import_whose_journal_line_is_long(sample_library, db_path):
    search(sample_library, "anything")
    long_abstract = "A very long abstract about wombats. " * 60
    sample_library.import_candidates(
        [cand(f"Wombat Study {n}", long_abstract) for n in range(80)], sources=["big"]
    )
    assert db_path.with_name(db_path.name + ".wal").stat().st_size > 150_000  # one line longer than the tail read
    found = quick_search(db_path, parse_query("wombat study 42"), 3)
    assert found is not None and found[0].paper.title == "Wombat Study 42"


def test_a_read_only_library_without_an_index_searches_one_built_in_memory(sample_library, db_path):
    expected = search_ids(sample_library, "graph neural").ids
    shutil.rmtree(index_dir(db_path))
    from tests.helpers.diskfull import read_only

    with read_only(db_path.parent):
        library = Library.open(db_path)
        result = search(library, "graph neural")
        assert "search index built in memory" in result.note and "\n" not in result.note
        assert [hit.paper.id for hit in result] == expected
        assert search(library, "graph neural").note.startswith("search index built in memory")  # reused
    assert not index_dir(db_path).exists()


def test_rebuilt_note_is_given_once(sample_library, db_path):
    search(sample_library, "anything")
    _damage(index_dir(db_path), "garbage")
    library = Library.open(db_path)
    assert search(library, "graph").note.startswith("search index rebuilt (damaged")
    assert search(library, "graph").note is None


@pytest.mark.parametrize("how", ["missing", "garbage", "cut"])
def test_a_damaged_vocabulary_is_rebuilt_and_typos_still_work(sample_library, db_path, how):
    search(sample_library, "anything")
    vocab = index_dir(db_path) / "vocab"
    if how == "missing":
        vocab.unlink()
    elif how == "garbage":
        vocab.write_bytes(b"\xff\xfe not json\n")
    else:
        vocab.write_bytes(vocab.read_bytes()[:40])
    library = Library.open(db_path)
    result = search(library, "benchmarkng grpah neural netwroks")
    assert result.note.startswith("search index rebuilt (damaged (its vocabulary")
    assert result[0].paper.title == "Benchmarking Graph Neural Networks"


def test_vocabulary_of_new_papers_is_folded_in_and_read_by_a_fresh_process(sample_library, db_path, monkeypatch):
    import reader.search.vocab as vocab_module

    search(sample_library, "anything")
    monkeypatch.setattr(vocab_module, "DELTA_MAX_BYTES", 10)
    delta = index_dir(db_path) / vocab_module.DELTA_FILE
    sample_library.import_candidates([cand("Quokkanet Rises", "Marsupialformer layers.")], sources=["x"])
    assert not delta.exists()  # folded into the vocabulary file
    monkeypatch.setattr(vocab_module, "DELTA_MAX_BYTES", 1000)
    sample_library.import_candidates([cand("Wombatron Falls", "Burrowing.")], sources=["x"])
    assert delta.exists()  # small: still a delta
    fresh = quick_search(db_path, parse_query("quokkante"), 3)  # a typo, found through the saved vocabulary
    assert fresh is not None and titles(fresh) == ["Quokkanet Rises"]
    assert titles(quick_search(db_path, parse_query("wombatorn"), 3)) == ["Wombatron Falls"]


def test_a_change_of_most_of_the_library_rebuilds_the_index_quietly(sample_library, db_path, monkeypatch):
    search(sample_library, "anything")
    engine_for(sample_library).update_max_papers = 10
    before = index_dir(db_path).stat().st_ino
    sample_library.import_candidates([cand(f"Numbat Paper {n}", "Termites.") for n in range(200)], sources=["x"])
    assert index_dir(db_path).stat().st_ino != before  # built anew, not updated paper by paper
    assert sample_library.warnings == []
    result = search(sample_library, "numbat paper 77")
    assert result.note is None and result[0].paper.title == "Numbat Paper 77"
    assert quick_search(db_path, parse_query("termites"), 1).total == 200


def test_a_rebuild_removes_what_a_killed_rebuild_left(sample_library, db_path):
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(done.stdout)
    left = [db_path.parent / f".{index_dir(db_path).name}.{kind}-{dead}-1" for kind in ("tmp", "old")]
    running = db_path.parent / f".{index_dir(db_path).name}.tmp-{os.getpid()}-999"
    for path in (*left, running):
        path.mkdir()
        (path / "meta.json").write_text("{}")
    search(sample_library, "anything")
    assert not any(path.exists() for path in left)
    assert running.exists()  # a live process's build is left alone
