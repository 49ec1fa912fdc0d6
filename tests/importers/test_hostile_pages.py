"""Hostile page dumps through `reader import`: one clear line, nothing written, bounded memory.

Each unusable input (empty, binary, not UTF-8, a directory, a missing path,
50 MB, millions of blank lines, nothing that looks like a paper) must make
`reader import` exit 1 with exactly one line on stderr and no traceback,
and leave every file of the library byte-identical. Inputs that are merely
odd (CRLF line ends, a byte-order mark, no-break spaces, a title whose
abstract is missing) import the same papers as the clean page.

Timing is not asserted (run_cli's timeout is only a hang guard); memory is:
the peak resident size of the command (its own ``VmHWM``, see
``tests/helpers/peakmem.py``) must stay within a same-run baseline (the
command failing on a missing file) plus 40 times the input's size.
"""

from __future__ import annotations

import gzip
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from reader.importers import MAX_INPUT_BYTES
from reader.importers.hf_pages import parse_page_file
from reader.store import Library

from tests.conftest import SAMPLE_FILES, run_cli
from tests.helpers.peakmem import peak_env, read_peak_mb

BLOCK_SAMPLE = next(p for p in SAMPLE_FILES if "flowformer" in p.name)  # title, blank, abstract, blank
COMPACT_SAMPLE = next(p for p in SAMPLE_FILES if "compact" in p.name)  # title and abstract on alternate lines
NBSP = "\u00a0"
BOM = "\ufeff"


# -- a library to protect -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_library(tmp_path_factory) -> Path:
    """A library with one sample page, a tag in its journal and a backup."""
    db = tmp_path_factory.mktemp("hostile-base") / "lib" / "library.json"
    library = Library.open(db)
    parsed = parse_page_file(BLOCK_SAMPLE)
    library.import_candidates(parsed.candidates, sources=[parsed.source])
    library.compact()
    library.tag([library.ids()[0]], ["keep"])
    return db


@pytest.fixture
def db(base_library, tmp_path) -> Path:
    shutil.copytree(base_library.parent, tmp_path / "lib")
    return tmp_path / "lib" / base_library.name


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``directory``."""
    return {
        str(path.relative_to(directory)): None if path.is_dir() else path.read_bytes()
        for path in sorted(directory.rglob("*"))
    }


def assert_rejected(result, snapshot_before: dict, db: Path, *, names: str, says: str) -> str:
    """Exit 1, one stderr line naming the input and the problem, no output, nothing changed."""
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert result.returncode == 1, (result.returncode, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("reader: cannot import: "), err
    assert names in lines[0], f"the message does not name {names!r}: {err}"
    assert re.search(says, lines[0], re.IGNORECASE), f"the message does not say {says!r}: {err}"
    assert result.stdout == b""
    assert snapshot(db.parent) == snapshot_before, "a rejected import changed the library's files"
    return lines[0]


# -- inputs that are not page dumps ---------------------------------------------------------------


def sample_text(path: Path = BLOCK_SAMPLE) -> str:
    return path.read_text(encoding="utf-8")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as handle:
        handle.truncate(size)
    return path


# name -> (make the input in a folder, what the message must say)
BAD_INPUTS = {
    "empty": (lambda d: write(d / "page.txt", b""), "empty"),
    "whitespace-only": (lambda d: write(d / "page.txt", b" \n\t\r\n  \n\x0c\n"), "empty"),
    "binary-with-nul": (lambda d: write(d / "page.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64), "binary"),
    "binary-control-chars": (lambda d: write(d / "page.txt", bytes(range(1, 32)) * 200), "binary"),
    "utf-16": (lambda d: write(d / "page.txt", sample_text().encode("utf-16")), "binary"),
    "latin-1": (
        lambda d: write(d / "page.txt", ("Caf\u00e9 Models\n\n" + "D\u00e9j\u00e0 vu. " * 60).encode("latin-1")),
        r"not UTF-8.*0xe9",
    ),
    "gzip": (lambda d: write(d / "page.txt", gzip.compress(sample_text().encode())), r"binary|UTF-8"),
    "directory": (lambda d: (d / "pages").mkdir() or d / "pages", "directory"),
    "missing": (lambda d: d / "no-such-page.txt", "no such file"),
    "50-MB": (lambda d: sparse(d / "page.txt", 50 * 1024 * 1024), r"50\.0 MB"),
    "one-byte-over-the-limit": (lambda d: sparse(d / "page.txt", MAX_INPUT_BYTES + 1), "16 MB"),
    "millions-of-blank-lines": (lambda d: write(d / "page.txt", b"\n" * 15_000_000), "empty"),
    "millions-of-crlf-lines": (lambda d: write(d / "page.txt", b"\r\n" * 7_000_000), "empty"),
    "prose": (
        lambda d: write(d / "page.txt", b"Dear diary,\n\ntoday I read no papers.\nTomorrow perhaps.\n"),
        "no papers found",
    ),
    "page-chrome-only": (
        lambda d: write(d / "page.txt", b"new\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\nMar 11\n"),
        "no papers found",
    ),
    "abstracts-without-titles": (
        lambda d: write(d / "page.txt", ("We study things. " * 40 + "\n\n").encode() * 3),
        "no papers found",
    ),
    "titles-without-abstracts": (
        lambda d: write(d / "page.txt", "".join(f"A Title Number {n}\n\n" for n in range(50)).encode()),
        "no papers found",
    ),
    "binary-named-md": (lambda d: write(d / "list.md", b"\x00\x01\x02" * 100), r"binary|UTF-8|not"),
    "binary-named-json": (lambda d: write(d / "backup.json", b"\x00\x01\x02" * 100), r"JSON|binary|UTF-8|not"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_unusable_page_dump_gives_one_line_and_changes_nothing(name, db, tmp_path):
    make, says = BAD_INPUTS[name]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    path = make(inputs)
    before = snapshot(db.parent)
    result = run_cli("import", str(path), db=db)
    assert_rejected(result, before, db, names=path.name, says=says)


@pytest.mark.parametrize(
    "name,data,says",
    [
        ("empty", b"", "empty"),
        ("binary", b"\x00\xff" * 1000, "binary"),
        ("not-utf-8", "R\u00e9sum\u00e9 of a paper\n".encode("latin-1") * 20, "UTF-8"),
        ("no-papers", b"hello\nworld\n", "no papers found"),
    ],
    ids=["empty", "binary", "not-utf-8", "no-papers"],
)
def test_unusable_stdin_gives_one_line_and_changes_nothing(name, data, says, db):
    before = snapshot(db.parent)
    result = run_cli("import", "-", db=db, input=data)
    assert_rejected(result, before, db, names="stdin", says=says)


def test_one_bad_file_among_good_ones_stops_the_whole_import(db, tmp_path):
    bad = write(tmp_path / "broken.txt", b"\x00" * 10)
    before = snapshot(db.parent)
    result = run_cli("import", str(SAMPLE_FILES[0]), str(bad), str(SAMPLE_FILES[2]), db=db)
    assert_rejected(result, before, db, names="broken.txt", says="binary")


# -- memory stays bounded ----------------------------------------------------------------------------


@dataclass
class Measured:
    returncode: int
    stdout: bytes
    stderr: bytes
    peak_mb: float


def run_measured(*args: str, db: Path, where: Path) -> Measured:
    """`reader ARGS --db DB` through run_cli, with the peak memory the command itself reports."""
    env, report = peak_env(where)
    result = run_cli(*args, db=db, env=env)
    return Measured(result.returncode, result.stdout, result.stderr, read_peak_mb(report))


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory) -> float:
    """Peak memory of `reader import` failing at once (a missing file): the fixed cost of the command."""
    where = tmp_path_factory.mktemp("baseline")
    result = run_measured("import", str(where / "missing.txt"), db=where / "lib" / "library.json", where=where / "peak")
    assert result.returncode == 1
    return result.peak_mb


def memory_allowance(baseline_mb: float, path: Path) -> float:
    return baseline_mb + 40 * path.stat().st_size / 2**20


def check_bounded(result: Measured, path: Path, baseline_mb: float) -> None:
    allowed = memory_allowance(baseline_mb, path)
    assert result.peak_mb <= allowed, (
        f"importing {path.stat().st_size / 2**20:.1f} MB took {result.peak_mb:.0f} MB at its peak "
        f"(baseline {baseline_mb:.0f} MB, allowed {allowed:.0f} MB)"
    )


def no_papers_check(result: Measured, db: Path, before: dict, path: Path) -> None:
    err = result.stderr.decode()
    assert result.returncode == 1 and len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert path.name in err and ("no papers found" in err or "empty" in err), err
    assert snapshot(db.parent) == before


@pytest.mark.parametrize(
    "line,count",
    [
        ("\n", 15_000_000),
        ("  \t \n", 3_000_000),
        (NBSP + "\n", 1_000_000),
        pytest.param(NBSP + "\n", MAX_INPUT_BYTES // 3 - 1, marks=pytest.mark.slow),
        ("x\n", 500_000),
        pytest.param("x\n", MAX_INPUT_BYTES // 2, marks=pytest.mark.slow),
    ],
    ids=[
        "blank",
        "spaces-and-tabs",
        "no-break-spaces",
        "largest-file-of-no-break-space-lines",
        "half-a-million-short-lines",
        "largest-file-of-short-lines",
    ],
)
def test_a_file_of_many_lines_without_papers_is_rejected_in_bounded_memory(line, count, db, tmp_path, baseline_mb):
    path = tmp_path / "lines.txt"
    path.write_text(line * count, encoding="utf-8")
    before = snapshot(db.parent)
    result = run_measured("import", str(path), db=db, where=tmp_path / "peak")
    no_papers_check(result, db, before, path)
    check_bounded(result, path, baseline_mb)


def padded(text: str, blank_lines: int) -> str:
    """The page with ``blank_lines`` blank lines spread between its lines."""
    lines = text.split("\n")
    per_gap = blank_lines // len(lines)
    return ("\n" * (per_gap + 1)).join(lines)


def papers_of(db: Path) -> dict[str, tuple]:
    library = Library.open(db)
    abstracts = library.abstracts()
    return {p.id: (p.title, abstracts.get(p.id, ""), p.links, p.arxiv_id, p.sources) for p in library.papers()}


@pytest.fixture(scope="module")
def reference_papers(tmp_path_factory):
    """What each sample page imports as, by the API (the clean page)."""
    cache: dict[Path, dict] = {}

    def papers(sample: Path) -> dict[str, tuple]:
        if sample not in cache:
            db = tmp_path_factory.mktemp("reference") / "library.json"
            library = Library.open(db)
            parsed = parse_page_file(sample)
            library.import_candidates(parsed.candidates, sources=[parsed.source])
            cache[sample] = papers_of(db)
        return cache[sample]

    return papers


@pytest.mark.parametrize("blank_lines", [pytest.param(2_000_000, id="2M"), pytest.param(14_000_000, id="14M", marks=pytest.mark.slow)])
def test_a_real_page_padded_with_millions_of_blank_lines_imports_the_same_papers(
    blank_lines, tmp_path, baseline_mb, reference_papers
):
    path = tmp_path / BLOCK_SAMPLE.name
    path.write_text(padded(sample_text(), blank_lines), encoding="utf-8")
    assert path.stat().st_size <= MAX_INPUT_BYTES
    db = tmp_path / "lib" / "library.json"
    result = run_measured("import", str(path), db=db, where=tmp_path / "peak")
    assert result.returncode == 0, result.stderr.decode()
    assert papers_of(db) == reference_papers(BLOCK_SAMPLE)
    check_bounded(result, path, baseline_mb)


# -- odd but fine: line ends, byte-order marks, no-break spaces ---------------------------------------


VARIANTS = {
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "cr": lambda text: text.replace("\n", "\r"),
    "bom": lambda text: BOM + text,
    "nbsp": lambda text: text.replace(" ", NBSP),
    "bom-crlf-nbsp": lambda text: BOM + text.replace(" ", NBSP).replace("\n", "\r\n"),
    "trailing-blanks": lambda text: text.replace("\n", " \t" + NBSP + "\n"),
    "bom-on-every-line": lambda text: text.replace("\n", "\n" + BOM),
}


QUICK_VARIANTS = {"cr", "bom-crlf-nbsp", "trailing-blanks", "bom-on-every-line"}  # the others: slow run


def variant_cases() -> list:
    cases = []
    for sample in SAMPLE_FILES:
        for name in VARIANTS:
            quick = (sample == BLOCK_SAMPLE and name in QUICK_VARIANTS) or (
                sample == COMPACT_SAMPLE and name == "bom-crlf-nbsp"
            )
            marks = () if quick else (pytest.mark.slow,)
            cases.append(pytest.param(sample, name, id=f"{sample.stem[16:]}-{name}", marks=marks))
    return cases


@pytest.mark.parametrize("sample,variant", variant_cases())
def test_line_end_bom_and_nbsp_variants_import_the_same_papers(sample, variant, tmp_path, reference_papers):
    path = tmp_path / sample.name  # the same name: the same source
    path.write_bytes(VARIANTS[variant](sample_text(sample)).encode("utf-8"))
    db = tmp_path / "lib" / "library.json"
    result = run_cli("import", str(path), db=db)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert "0 skipped" in result.stdout.decode()
    got, wanted = papers_of(db), reference_papers(sample)
    assert set(got) == set(wanted), f"{len(set(got) ^ set(wanted))} papers differ"
    assert got == wanted


# -- a title without its abstract: reported with file and line, the rest imported ---------------------


def drop_abstract(text: str, title: str, *, block: bool) -> tuple[str, int]:
    """``text`` without the abstract that follows ``title``; returns it and the title's line number."""
    lines = text.split("\n")
    index = lines.index(title)
    if block:  # title, blank, abstract, blank
        del lines[index + 2 : index + 4]
    else:  # title, abstract
        del lines[index + 1]
    return "\n".join(lines), index + 1


@pytest.mark.parametrize(
    "sample,variant",
    [(BLOCK_SAMPLE, None), (BLOCK_SAMPLE, "crlf"), (COMPACT_SAMPLE, None), (COMPACT_SAMPLE, "bom-crlf-nbsp")],
    ids=["block", "block-crlf", "compact", "compact-bom-crlf-nbsp"],
)
def test_title_without_abstract_is_reported_with_file_and_line_and_the_rest_imported(
    sample, variant, tmp_path, reference_papers
):
    candidates = parse_page_file(sample).candidates
    victim = candidates[2]
    text, line = drop_abstract(sample_text(sample), victim.title, block=sample == BLOCK_SAMPLE)
    if variant:
        text = VARIANTS[variant](text)
    path = tmp_path / sample.name
    path.write_bytes(text.encode("utf-8"))
    db = tmp_path / "lib" / "library.json"
    result = run_cli("import", str(path), db=db)
    out = result.stdout.decode()
    assert result.returncode == 0 and result.stderr == b"", result.stderr.decode()
    skipped = [row.strip() for row in out.splitlines() if row.strip().startswith("skipped ")]
    assert len(skipped) == 1, out
    assert skipped[0].startswith(f"skipped {sample.stem}:{line}: title without an abstract: "), skipped[0]
    assert victim.title[:40] in skipped[0]
    assert f"{len(candidates) - 1} new papers" in out and "1 skipped" in out, out
    wanted = {pid: paper for pid, paper in reference_papers(sample).items() if paper[0] != victim.title}
    assert papers_of(db) == wanted
