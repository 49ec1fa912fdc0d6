"""Import merging: which candidates are new papers, which describe papers the library has.

An entry is the same paper as a library paper when their arXiv ids match, or
else their normalised titles. Merging adds sources, links, an arXiv id,
authors, a publication date, upvotes and a listing date a paper lacks; it
never touches tags, read state or notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reader.importers import Candidate, Skipped
from reader.papers import Paper, normalise_arxiv_id, paper_id
from reader.store.lookups import Lookups, title_key


@dataclass(slots=True)
class ImportReport:
    added: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    entries: int = 0
    sources: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def to_dict(self) -> dict:
        return {
            "sources": self.sources,
            "entries": self.entries,
            "added": self.added,
            "merged": self.merged,
            "updated": self.updated,
            "skipped": [s.to_dict() for s in self.skipped],
        }

    def label(self, label: str) -> str:
        names = self.sources
        what = ", ".join(names) if len(names) <= 2 else f"{names[0]} and {len(names) - 1} more"
        return f"{label}: {what or 'papers'}"


def plan_import(
    candidates: list[Candidate],
    lookups: Lookups,
    stamp: str,
    report: ImportReport,
    skipped: list[Skipped],
) -> tuple[dict[str, Paper], dict[str, str]]:
    """The papers and abstracts to store for ``candidates`` against the library as ``lookups`` sees it.

    Fills ``report`` (its lists are reset first, so this can run again on newer state).
    """
    report.added.clear()
    report.merged.clear()
    report.updated.clear()
    report.skipped[:] = skipped
    added: set[str] = set()
    merged_ids: set[str] = set()
    puts: dict[str, Paper] = {}
    new_abstracts: dict[str, str] = {}
    batch_titles: dict[str, str] = {}
    batch_arxiv: dict[str, str] = {}
    for cand in candidates:
        title = cand.title.strip()
        if not title:
            report.skipped.append(Skipped(cand.source, cand.line, "entry without a title"))
            continue
        arxiv = normalise_arxiv_id(cand.arxiv_id) if cand.arxiv_id else None
        key = title_key(title)
        pid = (batch_arxiv.get(arxiv) if arxiv else None) or batch_titles.get(key)
        existing = puts.get(pid) if pid else None
        if existing is None:
            existing = lookups.find_existing(title, arxiv, key=key)
        linked = cand.linked_arxiv_id if not arxiv else None
        if linked and (linked in batch_arxiv or lookups.has_arxiv(linked)):
            linked = None  # another paper has it: the abstract links that paper, not its own
        if existing is None:
            new_id = paper_id(title, arxiv, key=key)
            paper = Paper(
                id=new_id,
                title=title,
                links=tuple(cand.links),
                added=stamp,
                sources=(cand.source,) if cand.source else (),
                arxiv_id=arxiv or linked,
                authors=tuple(cand.authors),
                published=cand.published,
                upvotes=cand.upvotes,
                extra={"listed": cand.listed} if cand.listed else {},
                has_abstract=bool(cand.abstract),
            )
            puts[new_id] = paper
            new_abstracts[new_id] = cand.abstract
            report.added.append(new_id)
            added.add(new_id)
        else:
            merged = merge(existing, cand, arxiv or linked)
            if cand.abstract and not merged.has_abstract:
                new_abstracts[existing.id] = cand.abstract
                merged = replace(merged, has_abstract=True)
            if merged != existing:
                puts[existing.id] = merged
            if existing.id not in added and existing.id not in merged_ids:
                report.merged.append(existing.id)
                merged_ids.add(existing.id)
            paper = merged
        batch_titles[key] = paper.id
        if paper.arxiv_id:
            batch_arxiv[paper.arxiv_id] = paper.id
    report.updated.extend(pid for pid in dict.fromkeys(list(puts) + list(new_abstracts)) if pid not in added)
    return puts, new_abstracts


def merge(paper: Paper, cand: Candidate, arxiv: str | None) -> Paper:
    """What a known paper looks like after another source described it."""
    changes: dict = {}
    if cand.source and cand.source not in paper.sources:
        changes["sources"] = paper.sources + (cand.source,)
    known = {link.url.rstrip("/").lower() for link in paper.links}
    extra_links = tuple(link for link in cand.links if link.url.rstrip("/").lower() not in known)
    if extra_links:
        changes["links"] = paper.links + extra_links
    if arxiv and not paper.arxiv_id:
        changes["arxiv_id"] = arxiv
    if cand.authors and not paper.authors:
        changes["authors"] = tuple(cand.authors)
    if cand.published and not paper.published:
        changes["published"] = cand.published
    if cand.upvotes is not None and cand.upvotes != paper.upvotes:
        changes["upvotes"] = cand.upvotes
    if cand.listed and not paper.extra.get("listed"):
        changes["extra"] = {**paper.extra, "listed": cand.listed}
    return replace(paper, **changes) if changes else paper
