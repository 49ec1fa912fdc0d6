"""`reader open` (and when no browser can be started), `reader show` printing every field."""

from __future__ import annotations

import json
import webbrowser

import pytest

from reader.browser import why_no_browser
from reader.cli import main
from reader.papers import Link, Paper


@pytest.fixture
def db(tmp_path):
    from reader.store import Library

    path = tmp_path / "lib.json"
    library = Library.open(path)
    library.put(
        [
            Paper(id="2401.09417", title="Vision Mamba", arxiv_id="2401.09417", authors=("Lianghui Zhu", "Bencheng Liao"),
                  published="2024-01-17", upvotes=46, notes="compare with ViT",
                  links=(Link("https://github.com/hustvl/Vim", "code"), Link("https://hustvl.github.io/Vim/", "project")),
                  extra={"listed": "Mar 13", "hf": {"ai_keywords": ["Mamba", "vision"], "ai_summary": "Vim is fast."},
                         "github": {"stars": 3100},
                         "links": {"https://hustvl.github.io/Vim/": {"ok": False, "status": 404, "error": None,
                                                                    "checked": "2026-01-01T00:00:00Z"}}}),
            Paper(id="abcdef0123456789", title="Only a title"),
        ],
        label="test",
    )
    library.set_read(["2401.09417"])
    return path


@pytest.fixture
def opened(monkeypatch):
    """Stands in for the browser: records what was opened."""
    urls: list[str] = []
    monkeypatch.setattr("reader.browser.why_no_browser", lambda **kw: None)
    monkeypatch.setattr("reader.browser.open_in_browser", lambda url: urls.append(url) or True)
    return urls


@pytest.mark.parametrize(
    "args, url",
    [
        ([], "https://arxiv.org/abs/2401.09417"),
        (["--pdf"], "https://arxiv.org/pdf/2401.09417"),
        (["--hf"], "https://huggingface.co/papers/2401.09417"),
        (["--code"], "https://github.com/hustvl/Vim"),
        (["--project"], "https://hustvl.github.io/Vim/"),
        (["2"], "https://hustvl.github.io/Vim/"),
        (["3"], "https://arxiv.org/abs/2401.09417"),
    ],
)
def test_open_picks_the_link(db, opened, args, url, capsys):
    assert main(["open", "2401.09417", *args, "--db", str(db)]) == 0
    assert opened == [url]
    assert f"Opened {url}" in capsys.readouterr().err


def test_open_says_what_is_missing(db, opened, capsys):
    assert main(["open", "abcdef0", "--pdf", "--db", str(db)]) == 1
    assert "has no arXiv id, so no pdf link" in capsys.readouterr().err
    assert main(["open", "abcdef0", "--db", str(db)]) == 1
    assert "has no links to open" in capsys.readouterr().err
    assert main(["open", "2401.09417", "9", "--db", str(db)]) == 1
    assert "has 5 links; there is no link 9" in capsys.readouterr().err
    assert opened == []


def test_without_a_browser_the_url_is_printed_and_the_message_says_why(db, monkeypatch, capsys):
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(webbrowser, "_tryorder", [])  # nothing registered: no browser here
    monkeypatch.setattr(webbrowser, "register_standard_browsers", lambda: None)
    assert main(["open", "2401.09417", "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "https://arxiv.org/abs/2401.09417"
    assert "no web browser can be started here (BROWSER is unset" in err and "--copy" in err
    assert "Opened" not in err


def test_open_copy_and_print(db, monkeypatch, capsys):
    copied: list[str] = []
    monkeypatch.setattr("reader.copying._pyperclip_copy", copied.append)
    assert main(["open", "2401.09417", "--pdf", "--copy", "--db", str(db)]) == 0
    assert copied == ["https://arxiv.org/pdf/2401.09417"]
    assert main(["open", "2401.09417", "--hf", "--print", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == "https://huggingface.co/papers/2401.09417"


def test_why_no_browser_with_browser_set_and_console_browsers(monkeypatch):
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setenv("BROWSER", "echo")
    assert why_no_browser() is None
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setenv("BROWSER", "lynx")
    assert why_no_browser() is None  # the CLI may use a terminal browser
    assert "runs in the terminal" in why_no_browser(console_ok=False)


def test_show_prints_every_field_of_the_detail_pane(db, capsys):
    assert main(["show", "2401.09417", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    for expected in (
        "Vision Mamba",
        "read 2026-",
        "published 2024-01-17",
        "listed Mar 13",
        "▲ 46 upvotes",
        "★ 3,100 GitHub stars",
        "[1] code: https://github.com/hustvl/Vim\n",
        "[2] project page: https://hustvl.github.io/Vim/  (dead: HTTP 404)",
        "[4] PDF: https://arxiv.org/pdf/2401.09417",
        "[5] HF paper page: https://huggingface.co/papers/2401.09417",
        "authors: Lianghui Zhu, Bencheng Liao",
        "arxiv: 2401.09417",
        "hf keywords: Mamba, vision",
        "hf summary: Vim is fast.",
        "notes: compare with ViT",
    ):
        assert expected in out, expected
    assert main(["show", "2401.09417", "--json", "--db", str(db)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["authors"] == ["Lianghui Zhu", "Bencheng Liao"] and doc["published"] == "2024-01-17"
    assert doc["arxiv_urls"]["pdf"] == "https://arxiv.org/pdf/2401.09417"
