"""BibTeX keys unique in a library, and the plain-text citation format."""

from __future__ import annotations

import re

import httpx

from reader.cli import main
from reader.copying import bibtex_keys, citation, render_copy
from reader.online.http import make_client
from reader.online.resolve import apply_resolution, claimed_by, resolve_papers
from reader.papers import Paper


def _fake_hf_for(library):
    """A Hugging Face that knows every paper of the library: few authors, one year (keys collide)."""
    by_title = {paper.title: number for number, paper in enumerate(library.papers())}
    surnames = ["Wang", "Zhang", "Li"]

    def handler(request: httpx.Request) -> httpx.Response:
        title = request.url.params["q"]
        number = by_title[title]
        paper = {
            "id": f"2403.{number:05d}",
            "title": title,
            "summary": "",
            "authors": [{"name": f"Wei {surnames[number % 3]}", "hidden": False}],
            "publishedAt": "2024-03-11T00:00:00.000Z",
            "upvotes": number,
        }
        return httpx.Response(200, json=[{"paper": paper, "title": title, "numComments": 0}])

    return handler


def test_bibtex_keys_are_unique_across_the_sample_library_after_resolving(sample_library):
    library = sample_library
    with make_client(transport=httpx.MockTransport(_fake_hf_for(library))) as client:
        resolutions, report = resolve_papers(
            client, library.papers(), abstracts=lambda pid: "", base_url="https://hf.test/api",
            claimed=claimed_by(library), sleep=lambda s: None,
        )
    assert len(report.matched) == len(library) and not report.ambiguous
    apply_resolution(library, resolutions)
    papers = library.papers()
    keys = bibtex_keys(papers)
    assert len(set(keys.values())) == len(papers) == len(keys)
    assert all(re.fullmatch(r"[a-z]+2024[a-z0-9]+", key) for key in keys.values())
    bases = [key for key in keys.values() if key.startswith("wang2024a")]
    assert len(bases) > 1  # collisions happened and were told apart by suffixes
    # Stable: a paper added later takes a suffix; the earlier keys stay as they were.
    newcomer = Paper(id="n", title=papers[0].title, authors=papers[0].authors, published=papers[0].published)
    assert bibtex_keys([*papers, newcomer])[papers[0].id] == keys[papers[0].id]
    # Copying the whole library gives those keys and one entry each.
    text = render_copy(papers, "bibtex", keys=keys).text
    assert sorted(re.findall(r"@misc\{([^,]+),", text)) == sorted(keys.values())
    assert text.count("archivePrefix = {arXiv}") == len(papers)


def test_keys_past_z_stay_unique():
    twins = [Paper(id=str(n), title="Same Title", authors=("Ann Lee",), published="2024-01-01") for n in range(30)]
    keys = list(bibtex_keys(twins).values())
    assert len(set(keys)) == 30 and keys[:3] == ["lee2024same", "lee2024sameb", "lee2024samec"]
    assert keys[25:] == ["lee2024samez", "lee2024same2", "lee2024same3", "lee2024same4", "lee2024same5"]


def test_plain_citation():
    paper = Paper(id="2401.09417", title="Vision Mamba: Efficient Visual Representation Learning.",
                  arxiv_id="2401.09417", authors=("Lianghui Zhu", "Bencheng Liao", "Qian Zhang", "Xinlong Wang"),
                  published="2024-01-17")
    assert citation(paper) == (
        "Lianghui Zhu, Bencheng Liao, Qian Zhang et al. (2024). Vision Mamba: Efficient Visual Representation "
        "Learning. arXiv:2401.09417. https://arxiv.org/abs/2401.09417"
    )
    two = Paper(id="x", title="Only A Title", authors=("A B", "C D"))
    assert citation(two) == "A B and C D. Only A Title."
    assert citation(Paper(id="y", title="Bare")) == "Bare."


def test_copy_command_citation_and_library_unique_bibtex_keys(tmp_path, capsys):
    from reader.store import Library

    db = tmp_path / "lib.json"
    library = Library.open(db)
    for number in range(2):
        library.put([Paper(id=f"240{number}.00001", title="Attention Again", arxiv_id=f"240{number}.00001",
                           authors=("Ann Lee",), published="2024-01-01")], label="t")
    assert main(["copy", "-p", "-f", "bibtex", "2401.00001", "--db", str(db)]) == 0
    assert "@misc{lee2024attentionb," in capsys.readouterr().out  # the second in the library, even alone
    assert main(["copy", "-p", "-f", "citation", "2400.00001", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip() == (
        "Ann Lee (2024). Attention Again. arXiv:2400.00001. https://arxiv.org/abs/2400.00001"
    )
