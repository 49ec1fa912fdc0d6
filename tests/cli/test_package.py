"""The shape of reader/cli: no import circle, one safe JSON printer for every command."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import reader
from reader.cli import main
from reader.online.http import make_client

PACKAGE = Path(reader.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_commands_never_import_the_parser_or_the_entry_point():
    """The parser imports the commands; a command importing the parser back would be a circle."""
    commands = sorted((PACKAGE / "cli" / "commands").glob("*.py"))
    assert len(commands) >= 8
    for path in commands:
        imported = _imports(path)
        circle = {name for name in imported if name in ("reader.cli.parser", "reader.cli.run", "reader.cli.main")}
        assert not circle, f"{path.name} imports {circle}"
    for shared in ("context.py", "output.py"):
        assert not {n for n in _imports(PACKAGE / "cli" / shared) if n.startswith("reader.cli.")}, shared


def test_nothing_below_the_cli_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts or path.name == "__main__.py":
            continue
        assert not {n for n in _imports(path) if n == "reader.cli" or n.startswith("reader.cli.")}, path


def test_fetch_json_escapes_bidi_and_c1_controls_like_every_other_command(monkeypatch, capsys):
    """A skipped entry's id comes from the server; --json must not carry raw U+202E or CSI (U+009B)."""
    hostile = "2402.\u202eevil\x9b31m"
    good = json.loads((Path(__file__).parent.parent / "fixtures/online/daily_papers_2024-03-13.json").read_text())
    body = [*good, {"paper": {"id": hostile, "title": 5}}]  # a title that is not text: skipped, its id shown

    def handler(request):
        return httpx.Response(200, json=body)

    monkeypatch.setenv("READER_HF_API_URL", "https://hf.test/api")
    monkeypatch.setattr("reader.cli.context.make_client", lambda **kw: make_client(transport=httpx.MockTransport(handler)))
    main(["fetch", "--date", "2024-03-13", "--json"])
    out = capsys.readouterr().out
    assert "\u202e" not in out and "\x9b" not in out
    assert "\\u202e" in out and "\\u009b" in out
    doc = json.loads(out)
    assert doc["fetch"]["days"][0]["skipped"][0]["text"] == hostile  # the same text, only escaped


UNNEEDED = ("reader.exporters", "reader.copying", "markdown_it", "textual", "reader.tui", "httpx")


@pytest.mark.parametrize("args", [["tag", "{id}", "-t", "x"], ["list", "--limit", "3"], ["show", "{id}"], ["--version"]])
def test_a_command_loads_only_what_it_needs(tmp_path, args):
    """`reader tag` on a library must not pay for the exporters, copying, Markdown parsing, Textual or httpx."""
    from reader.importers import Candidate
    from reader.store import Library

    db = tmp_path / "library.json"
    library = Library.open(db)
    library.import_candidates([Candidate(title="A paper", abstract="text", source="t")], sources=["t"])
    pid = library.papers()[0].id
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({UNNEEDED!r}))\n"
        "sys.stderr.write('LOADED:' + ','.join(bad))\n"
    )
    argv = [arg.replace("{id}", pid[:6]) for arg in args] + ["--db", str(db)]
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    assert "LOADED:" in result.stderr, result.stderr
    assert result.stderr.rsplit("LOADED:", 1)[1] == "", result.stderr


def test_counted_nouns_agree_with_their_numbers():
    from reader.wording import change_label, papers, plural

    assert (papers(1), papers(0), papers(1204)) == ("1 paper", "0 papers", "1,204 papers")
    assert (plural(1, "entry"), plural(2, "entry"), plural(2, "repository")) == ("1 entry", "2 entries", "2 repositories")
    assert change_label("undo: mark 1 paper(s) read") == "undo: mark 1 paper read"
    assert change_label("tag 3 paper(s) +x") == "tag 3 papers +x"
    assert change_label("tag 1 paper(s) +x", "Attention Is All You Need") == 'tag "Attention Is All You Need" +x'
    assert change_label("delete 2 paper(s)", "Ignored") == "delete 2 papers"


def test_the_version_floor_loads_neither_the_store_nor_the_search_engine():
    """`reader --version` is the floor the benchmarks measure commands against: it must stay the parser alone."""
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('reader.store', 'reader.search', 'tantivy')))\n"
        "sys.stderr.write('LOADED:' + ','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stderr.rsplit("LOADED:", 1)[1] == "", result.stderr


def test_the_command_map_names_the_module_that_registers_each_command():
    """A run builds only its command's part of the parser: the map must match what the modules register."""
    import argparse
    import importlib

    from reader.cli.commands import COMMAND_MODULES, COMMANDS
    from reader.cli.parser import build_parser, parse_args

    registered: dict[str, str] = {}
    for module_name in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module_name).register(sub, common=argparse.ArgumentParser(add_help=False),
                                                      json_flag=argparse.ArgumentParser(add_help=False))
        registered.update(dict.fromkeys(sub.choices, module_name))
    assert {name: registered[name] for name in COMMANDS} == COMMANDS
    for name in registered:  # every command parses with the cut-down parser too
        assert name in build_parser(name)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert parse_args(["--db", "x.json", "tag", "abcd", "-t", "x"]).tag_list == ["x"]


def test_only_the_output_module_writes_json():
    """One JSON printer: a command calling json.dump itself would skip the escaping of unsafe characters."""
    for path in (PACKAGE / "cli").rglob("*.py"):
        if path.name == "output.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "json.dump" not in text, path
