"""The main screen's actions on papers: read state, tags, links, copy, export, notes, triage, undo.

Each picks its papers (the selection, the paper under the cursor, or every
paper in the list) and asks the app's services to do the work; dialogs answer
through callbacks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from reader.details import numbered_links
from reader.links import ARXIV_PAGE, ARXIV_PDF, HF_PAPER, arxiv_links
from reader.papers import Link, Paper
from reader.tui.catalog import ALL, NEW, ListCounts, list_label
from reader.tui.modals.confirm import ConfirmModal
from reader.tui.modals.copy import CopyModal
from reader.tui.modals.export import ExportModal, ExportRequest
from reader.tui.modals.tags import TagEdit, TagEditorModal
from reader.tui.screens.targets import ListScreen, Targets


class PaperActions:
    """Mixin of ``MainScreen`` (typed by :class:`~reader.tui.screens.targets.ListScreen`)."""

    # reading

    def action_toggle_read(self: ListScreen) -> None:
        targets = self.targets()
        if targets is None:
            self.notify("No paper here.", severity="warning")
            return
        papers = [self.catalog.papers[pid] for pid in targets.ids]
        read = not all(paper.read for paper in papers)
        if len(papers) == 1:
            self.services.set_read(targets.ids, read)
            return
        state = "read" if read else "unread"

        def answered(yes: bool | None) -> None:
            if yes:
                self.services.set_read(targets.ids, read)

        self.app.push_screen(ConfirmModal(f"Mark {targets.description} {state}?"), answered)

    def action_mark_results_read(self: ListScreen) -> None:
        targets = self.results_targets()
        if targets is None:
            return
        unread = [pid for pid in targets.ids if not self.catalog.papers[pid].read]
        if not unread:
            self.notify(f"All {len(targets.ids):,} papers here are already read.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.services.set_read(unread, True)

        if len(unread) == len(targets.ids):
            question = f"Mark {targets.description} read?"
        else:
            noun = "paper" if len(unread) == 1 else "papers"
            question = f"Mark the {len(unread):,} unread {noun} of {len(targets.ids):,} in {self.where()} read?"
        self.app.push_screen(ConfirmModal(question), answered)

    def _jump_unread(self: ListScreen, step: int) -> None:
        rows = self.rows
        papers = self.catalog.papers
        index = self.paper_list.cursor + step
        while 0 <= index < len(rows):
            paper = papers.get(rows[index])
            if paper is not None and not paper.read:
                self.paper_list.move_to(index)
                return
            index += step
        self.notify("No unread paper " + ("below." if step > 0 else "above."))

    def action_next_unread(self: ListScreen) -> None:
        PaperActions._jump_unread(self, +1)

    def action_previous_unread(self: ListScreen) -> None:
        PaperActions._jump_unread(self, -1)

    # tags

    def _edit_tags(self: ListScreen, targets: Targets | None) -> None:
        if targets is None:
            self.notify("No paper here.", severity="warning")
            return
        current: Counter = Counter()
        for pid in targets.ids:
            current.update(self.catalog.papers[pid].tags)
        counts = self.catalog.counts or ListCounts(tags=Counter())  # None while still counting
        ids = targets.ids

        def answered(edit: TagEdit | None) -> None:
            if edit is not None:
                self.services.edit_tags(ids, edit)

        self.app.push_screen(
            TagEditorModal(targets.description, current, counts.tag_names(), Counter(counts.tags or {})), answered
        )

    def action_tag(self: ListScreen) -> None:
        PaperActions._edit_tags(self, self.targets())

    def action_tag_results(self: ListScreen) -> None:
        targets = self.results_targets()
        if targets is not None:
            PaperActions._edit_tags(self, targets)

    # links

    def _open(self: ListScreen, paper: Paper | None, link: Link | None, missing: str) -> None:
        if paper is None:
            self.notify("No paper here.", severity="warning")
        elif not numbered_links(paper):
            self.notify("This paper has no links.", severity="warning")
        elif link is None:
            self.notify(missing, severity="warning")
        else:
            self.services.open_link(link.url)

    def action_open_code(self: ListScreen) -> None:
        paper = self.current_paper()
        PaperActions._open(self, paper, paper.code_link if paper else None, "This paper has no code link; 1-9 open its other links.")

    def action_open_project(self: ListScreen) -> None:
        paper = self.current_paper()
        PaperActions._open(self, 
            paper, paper.project_link if paper else None, "This paper has no project page; 1-9 open its other links."
        )

    def action_open_link(self: ListScreen, number: int) -> None:
        paper = self.current_paper()
        links = numbered_links(paper) if paper is not None else []
        link = links[number - 1] if 0 < number <= len(links) else None
        count = len(links)
        PaperActions._open(self, paper, link, f"This paper has {count} link{'s' if count != 1 else ''}; there is no link {number}.")

    def _open_derived(self: ListScreen, kind: str, what: str) -> None:
        paper = self.current_paper()
        link = next((link for link in arxiv_links(paper.arxiv_id) if link.kind == kind), None) if paper else None
        if paper is not None and link is None:
            self.notify(f"No arXiv id, so no {what} (I resolves papers on Hugging Face).", severity="warning")
            return
        PaperActions._open(self, paper, link, "")

    def action_open_arxiv(self: ListScreen) -> None:
        PaperActions._open_derived(self, ARXIV_PAGE, "arXiv page")

    def action_open_pdf(self: ListScreen) -> None:
        PaperActions._open_derived(self, ARXIV_PDF, "PDF")

    def action_open_hf(self: ListScreen) -> None:
        PaperActions._open_derived(self, HF_PAPER, "Hugging Face page")

    # copy, export

    def action_copy(self: ListScreen) -> None:
        targets = self.targets()
        if targets is None:
            self.notify("No paper here.", severity="warning")
            return
        papers = [self.catalog.papers[pid] for pid in targets.ids]

        def answered(format_id: str | None) -> None:
            if format_id is not None:
                self.services.copy_papers(format_id, papers)

        self.app.push_screen(CopyModal(self.services.copy_formats(), targets.description), answered)

    def action_export(self: ListScreen) -> None:
        targets = self.targets() if self.paper_list.selected else None
        selection_ids = targets.ids if targets is not None else []
        if not self.rows and not selection_ids:
            self.notify("Nothing to export: the list is empty.", severity="warning")
            return
        if self.searching and not selection_ids:
            self.notify("Still listing the search results; try again in a moment.", severity="warning")
            return
        title = f"Reading list: {self.query_text}" if self.query_text else "Reading list"
        if self.list_id != ALL:
            title += f" ({list_label(self.list_id)})"
        rows = list(self.rows)

        def answered(request: ExportRequest | None) -> None:
            if request is None:
                return
            ids = selection_ids if request.scope == "selection" else rows
            papers = [self.catalog.papers[pid] for pid in ids if pid in self.catalog.papers]
            self.services.export_papers(papers, request)

        self.app.push_screen(
            ExportModal(
                default_path=self.services.default_export_name(),
                base_dir=self.services.export_dir(),
                default_title=title,
                list_count=len(rows),
                selection_count=len(selection_ids),
            ),
            answered,
        )

    # notes, triage, statistics

    def _with_current(self: ListScreen, then: Callable[[Paper], None]) -> None:
        paper = self.current_paper()
        if paper is None:
            self.notify("No paper here.", severity="warning")
        else:
            then(paper)

    def action_edit_note(self: ListScreen) -> None:
        PaperActions._with_current(self, self.services.open_note_editor)

    def action_edit_note_external(self: ListScreen) -> None:
        PaperActions._with_current(self, self.services.edit_note_externally)

    def action_triage(self: ListScreen) -> None:
        targets = self.results_targets()
        if targets is None:
            return
        self.services.start_triage(targets.ids, self.where(), whole_new_list=self.list_id == NEW and not self.query_text)

    def action_stats(self: ListScreen) -> None:
        self.services.show_stats()

    # library

    def action_undo(self: ListScreen) -> None:
        self.services.undo()

    def action_redo(self: ListScreen) -> None:
        self.services.redo()

    def action_refresh(self: ListScreen) -> None:
        self.services.refresh_library(quiet=False)
