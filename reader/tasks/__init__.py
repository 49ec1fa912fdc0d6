"""What the CLI and the TUI both do, written once: import, fetch, enrich, resolve, check links.

Each task is a plain function that blocks (the TUI runs it in a thread
worker) and takes:

* the library, and (for the online tasks) an ``httpx.Client``;
* ``stop``: a :class:`threading.Event`; once set, the task starts nothing new
  and returns what it has (the TUI sets it with Esc, the CLI never does);
* ``progress(done, total, note)``: called as work finishes (the CLI draws a bar,
  the TUI posts a message);
* ``commit(call)``: runs ``call()`` (the one change the task makes to the
  library) and returns its result; the TUI passes its store gate, the CLI
  nothing (the call is made directly).

It returns an outcome dataclass holding the reports of the layers below
(:mod:`reader.online`, the importers, the library) and saying, in words, what
happened: ``summary()`` for a line or a notification, ``severity`` and
``ok`` (the CLI's exit status). Tasks never print.

Modules: :mod:`~reader.tasks.base` (the shared types), :mod:`~reader.tasks.days`
(which days to fetch), :mod:`~reader.tasks.importing`, :mod:`~reader.tasks.fetch`,
:mod:`~reader.tasks.enrich`, :mod:`~reader.tasks.resolve`, :mod:`~reader.tasks.links`.
"""
