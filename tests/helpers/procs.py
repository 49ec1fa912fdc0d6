"""Child processes whose output lines a test waits on (never on the clock)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.conftest import ROOT

# A safety net only: a healthy child answers within a second or two.
LINE_TIMEOUT = 120.0


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)  # every line the watched stream carried
    other: str = ""  # the other stream, whole
    returncode: int | None = None
    killed: bool = False
    kill_line: str | None = None


class _Pump(threading.Thread):
    def __init__(self, stream, sink: queue.Queue | None) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.sink = sink
        self.text: list[str] = []

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.text.append(line)
            if self.sink is not None:
                self.sink.put(line)
        if self.sink is not None:
            self.sink.put(None)


def run_watched(
    command: list[str],
    *,
    kill_when: Callable[[str], bool] | None = None,
    watch: str = "stdout",
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> Outcome:
    """Run ``command``; SIGKILL it as soon as a line of ``watch`` satisfies ``kill_when``.

    The child keeps running between writing that line and the kill arriving:
    that is the random part of a "kill at any moment" trial.
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(ROOT),
        env=full_env,
    )
    lines: queue.Queue = queue.Queue()
    watched = _Pump(proc.stdout if watch == "stdout" else proc.stderr, lines)
    other = _Pump(proc.stderr if watch == "stdout" else proc.stdout, None)
    watched.start()
    other.start()
    outcome = Outcome()
    try:
        if stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
        while True:
            try:
                line = lines.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"child said nothing for {LINE_TIMEOUT:.0f} s: {command}") from None
            if line is None:
                break
            if kill_when is not None and not outcome.killed and kill_when(line):
                os.kill(proc.pid, signal.SIGKILL)
                outcome.killed = True
                outcome.kill_line = line
    finally:
        if proc.poll() is None and not outcome.killed:
            proc.kill()
        proc.wait(timeout=LINE_TIMEOUT)
        watched.join(timeout=LINE_TIMEOUT)
        other.join(timeout=LINE_TIMEOUT)
    outcome.lines = watched.text
    outcome.other = "\n".join(other.text)
    outcome.returncode = proc.returncode
    return outcome


def store_child_command(config_path: os.PathLike) -> list[str]:
    return [sys.executable, "-m", "tests.helpers.store_child", str(config_path)]


def reader_command(*args: str, db: os.PathLike | None = None) -> list[str]:
    command = [sys.executable, "-m", "reader", *args]
    if db is not None:
        command += ["--db", str(db)]
    return command


class Child:
    """A child started now whose stdout lines can be awaited; see :func:`start_children`."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.command = command
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(ROOT),
            env=full_env,
        )
        self.queue: queue.Queue = queue.Queue()
        self.out = _Pump(self.proc.stdout, self.queue)
        self.err = _Pump(self.proc.stderr, None)
        self.out.start()
        self.err.start()

    def wait_for(self, wanted: str) -> None:
        while True:
            try:
                line = self.queue.get(timeout=LINE_TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no {wanted!r} from {self.command} within {LINE_TIMEOUT:.0f} s") from None
            if line is None:
                raise AssertionError(f"{self.command} ended before {wanted!r}:\n" + "\n".join(self.err.text[-20:]))
            if line == wanted:
                return

    def send(self, text: str) -> None:
        self.proc.stdin.write(text.encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def finish(self) -> Outcome:
        self.proc.stdin.close()
        self.proc.wait(timeout=LINE_TIMEOUT)
        self.out.join(timeout=LINE_TIMEOUT)
        self.err.join(timeout=LINE_TIMEOUT)
        return Outcome(lines=self.out.text, other="\n".join(self.err.text), returncode=self.proc.returncode)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=LINE_TIMEOUT)
