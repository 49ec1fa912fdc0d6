"""Exceptions the domain raises; each message is one line a person can act on."""


class ReaderError(Exception):
    """Base class: anything the CLI turns into a one-line error and a non-zero exit."""


class ImportProblem(ReaderError):
    """An input could not be imported at all (missing, binary, too large, no papers...)."""


class LibraryError(ReaderError):
    """The library file cannot be read or written."""


class LibraryBusy(LibraryError):
    """Another process held the library lock for too long."""


class UnknownPaper(ReaderError):
    """An id (or id prefix) that matches no paper, or more than one."""
