"""An empty library: the welcome screen, loading the samples, and going back to it."""

from __future__ import annotations

from conftest import list_rows, status_text, press, running

from reader.tui.screens.main import MainScreen
from reader.tui.screens.welcome import WelcomeScreen


async def test_empty_library_shows_the_welcome_and_s_loads_the_samples(library, make_app):
    app = make_app(library)
    async with running(app) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        text = str(app.screen.query_one("#welcome-text").render())
        assert "reader import" in text and "s  to load the sample papers" in text
        await press(pilot, "s")
        assert len(library) == 442
        assert isinstance(app.screen, MainScreen)
        assert status_text(app) == "442 papers"
        assert len(list_rows(app)) > 10
        # Undoing the import empties the library again: back to the welcome.
        await press(pilot, "u")
        assert len(library) == 0
        assert isinstance(app.screen, WelcomeScreen)


async def test_papers_imported_elsewhere_close_the_welcome(library, make_app, db_path):
    from reader.importers import Candidate
    from reader.store import Library

    app = make_app(library)
    async with running(app) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        other = Library.open(db_path)
        other.import_candidates([Candidate(title="Imported From The CLI", abstract="Hello.", source="cli")])
        await press(pilot, "ctrl+r")
        assert isinstance(app.screen, MainScreen)
        assert "Imported From The CLI" in list_rows(app)[0]


async def test_welcome_keys_help_and_quit(library, make_app):
    from reader.tui.screens.help import HelpScreen

    app = make_app(library)
    async with running(app) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running
