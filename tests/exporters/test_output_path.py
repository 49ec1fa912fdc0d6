"""`reader export -o PATH --force` replaces only a regular file (issue 14, item 10).

A FIFO, a device node (as root, /dev/null itself) or a socket at PATH is never
replaced by a plain file: the export is refused with one line. A link to a
regular file stays a link; its target gets the list.
"""

from __future__ import annotations

import os
import socket
import stat

import pytest

from reader.exporters import ExportError, OutputExists, write_output

from tests.conftest import SAMPLE_FILES, run_cli


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "lib" / "library.json"
    assert run_cli("import", str(SAMPLE_FILES[0]), db=path).returncode == 0
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs (POSIX)")
def test_export_force_never_replaces_a_fifo(db, tmp_path):
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    done = run_cli("export", "-o", str(fifo), "--force", db=db)
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "FIFO" in err, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def _device_node(path):
    """A character device like /dev/null, made in tmp_path (the real /dev/null is never a target here)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("making a device node needs root")
    return path


def test_export_force_never_replaces_a_device_node_or_a_link_to_one(tmp_path):
    node = _device_node(tmp_path / "null")
    link = tmp_path / "null.md"
    link.symlink_to(node)
    for target in (node, link):
        with pytest.raises(ExportError, match="character device, not a regular file"):
            write_output(target, ["# list\n"], replace=True)
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert link.is_symlink()


def test_export_force_never_replaces_a_socket(tmp_path):
    path = tmp_path / "s.md"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        with pytest.raises(ExportError, match="socket"):
            write_output(path, ["x\n"], replace=True)
    finally:
        server.close()
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_regular_file_is_replaced_with_force_only_and_a_link_keeps_pointing_at_it(tmp_path):
    target = tmp_path / "real.md"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with pytest.raises(OutputExists):
        write_output(link, ["new\n"])
    write_output(link, ["new\n"], replace=True)
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new\n"
    fresh = write_output(tmp_path / "fresh.md", ["a\n"])
    assert fresh.read_text(encoding="utf-8") == "a\n"
