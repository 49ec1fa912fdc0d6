"""What is shown about one paper: the same fields in the TUI's detail pane and `reader show`.

Plain text, no styling and no terminal safety (callers make text printable):
the detail pane styles these pieces, `reader show` prints them as lines.
"""

from __future__ import annotations

from reader.links import DERIVED_LINK_LABELS, paper_links
from reader.papers import LINK_KIND_LABELS, Link, Paper
from reader.sorting import github_stars

MAX_AUTHORS = 12


def day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def hf_info(paper: Paper) -> dict:
    hf = paper.extra.get("hf") if isinstance(paper.extra, dict) else None
    return hf if isinstance(hf, dict) else {}


def listed_date(paper: Paper) -> str | None:
    """The page's date line the paper was listed under ("Mar 11"), as written."""
    listed = paper.extra.get("listed") if isinstance(paper.extra, dict) else None
    return listed if isinstance(listed, str) and listed.strip() else None


def meta_parts(paper: Paper) -> list[str]:
    """Id, read state and date, added, published, listed, upvotes, GitHub stars."""
    parts = [paper.short_id, "read" if paper.read else "unread"]
    if paper.read and paper.read_at:
        parts[-1] = f"read {day(paper.read_at)}"
    if paper.added:
        parts.append(f"added {day(paper.added)}")
    if paper.published:
        parts.append(f"published {day(paper.published)}")
    listed = listed_date(paper)
    if listed:
        parts.append(f"listed {listed}")
    if paper.upvotes is not None:
        parts.append(f"▲ {paper.upvotes:,} upvotes")
    stars = github_stars(paper)
    if stars is not None:
        parts.append(f"★ {stars:,} GitHub stars")
    return parts


def authors_text(paper: Paper, limit: int | None = MAX_AUTHORS) -> str:
    if not paper.authors:
        return ""
    if limit is None or len(paper.authors) <= limit:
        return ", ".join(paper.authors)
    return ", ".join(paper.authors[:limit]) + f" and {len(paper.authors) - limit} more"


def more_fields(paper: Paper, *, author_limit: int | None = MAX_AUTHORS) -> list[tuple[str, str]]:
    """(label, text) of the fields below the links: authors, sources, arXiv, HF keywords and summary, notes."""
    fields: list[tuple[str, str]] = []
    if paper.authors:
        fields.append(("Authors", authors_text(paper, author_limit)))
    if paper.sources:
        fields.append(("Sources", ", ".join(paper.sources)))
    if paper.arxiv_id:
        fields.append(("arXiv", paper.arxiv_id))
    hf = hf_info(paper)
    keywords = hf.get("ai_keywords")
    if isinstance(keywords, list) and keywords:
        fields.append(("HF keywords", ", ".join(str(k) for k in keywords)))
    summary = hf.get("ai_summary")
    if isinstance(summary, str) and summary.strip():
        fields.append(("HF summary", summary.strip()))
    if paper.notes:
        fields.append(("Notes", paper.notes))
    return fields


def link_checks(paper: Paper) -> dict[str, dict]:
    """``{url: {"ok", "status", "error", "checked"}}`` from the last link check (``reader check-links``)."""
    checks = paper.extra.get("links") if isinstance(paper.extra, dict) else None
    if not isinstance(checks, dict):
        return {}
    return {url: doc for url, doc in checks.items() if isinstance(url, str) and isinstance(doc, dict)}


def dead_reason(doc: dict) -> str:
    error = doc.get("error")
    status = doc.get("status")
    if isinstance(error, str) and error.strip():
        return error.strip()
    if isinstance(status, int) and not isinstance(status, bool):
        return f"HTTP {status}"
    return "no answer"


def link_label(link: Link) -> str:
    return DERIVED_LINK_LABELS.get(link.kind) or LINK_KIND_LABELS.get(link.kind, link.kind)


def numbered_links(paper: Paper) -> list[Link]:
    """The links shown (and opened by number): stored ones first, then those the arXiv id gives."""
    return paper_links(paper.links, paper.arxiv_id)


__all__ = [
    "MAX_AUTHORS",
    "authors_text",
    "day",
    "dead_reason",
    "hf_info",
    "link_checks",
    "link_label",
    "listed_date",
    "meta_parts",
    "more_fields",
    "numbered_links",
]
