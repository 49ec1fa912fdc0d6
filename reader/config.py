"""User settings: ``config.toml`` in the platform's config directory.

```toml
[keys]            # remap TUI keys: binding id = "key[,key...]"
toggle_read = "x"

[tui]             # remembered by the app: the theme (Ctrl+P > theme) and the date column (D)
theme = "nord"
date_column = true

[triage]          # the triage screen's keep key tags papers with this tag
keep_tag = "to-read"

[online]          # base URLs (a mirror, proxy or local test server can stand in)
hf_api_url = "https://huggingface.co/api"
github_api_url = "https://api.github.com"
request_deadline = 60     # seconds one request may take in all (a server trickling bytes is cut off)
batch_deadline = 1800     # seconds a batch (days, repositories, links, papers) may take in all
```

Environment variables win over the file (``READER_HF_API_URL``,
``READER_GITHUB_API_URL``, ``READER_REQUEST_DEADLINE``, ``READER_BATCH_DEADLINE``). A file that does not parse, or a base URL that
is not http(s), raises :class:`ConfigError` naming where and the problem.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reader.errors import ReaderError
from reader.fileio import write_atomically
from reader.papers import normalise_tag
from reader.paths import config_dir

DEFAULT_HF_API_URL = "https://huggingface.co/api"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_KEEP_TAG = "to-read"


class ConfigError(ReaderError):
    pass


@dataclass(slots=True)
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    hf_api_url: str = DEFAULT_HF_API_URL
    github_api_url: str = DEFAULT_GITHUB_API_URL
    path: Path | None = None
    theme: str | None = None
    date_column: bool = False
    keep_tag: str = DEFAULT_KEEP_TAG
    # Overall deadlines in seconds (reader.online.deadline); None: the environment or the default.
    request_deadline: float | None = None
    batch_deadline: float | None = None


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    path = path or config_path()
    environ = os.environ if environ is None else environ
    data: dict = {}
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO here would block every command
            raise ConfigError(f"{path}: not a regular file; settings are read from a plain file")
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        pass
    except UnicodeDecodeError as exc:  # not UTF-8 text is not TOML either
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 text ({exc}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    keys = data.get("keys", {})
    online = data.get("online", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f"{path}: [keys] must map binding ids to key strings")
    if not isinstance(online, dict):
        raise ConfigError(f"{path}: [online] must be a table")
    config = Config(keys=dict(keys), path=path)
    _read_tui(config, data, path)
    config.hf_api_url = _base_url(environ, "READER_HF_API_URL", online, "hf_api_url", DEFAULT_HF_API_URL, path)
    config.github_api_url = _base_url(
        environ, "READER_GITHUB_API_URL", online, "github_api_url", DEFAULT_GITHUB_API_URL, path
    )
    config.request_deadline = _seconds(environ, "READER_REQUEST_DEADLINE", online, "request_deadline", path)
    config.batch_deadline = _seconds(environ, "READER_BATCH_DEADLINE", online, "batch_deadline", path)
    return config


def _seconds(environ: Mapping[str, str], variable: str, online: dict, key: str, path: Path) -> float | None:
    """A deadline setting in seconds: the environment wins over the file; None when neither sets it."""
    if environ.get(variable):
        text = environ[variable].strip()
        try:
            value: object = float(text)
        except ValueError:
            value = text
        where = f"${variable}"
    else:
        value, where = online.get(key), f"{path}: [online] {key}"
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ConfigError(f"{where} must be a positive number of seconds, not {value!r}")
    return float(value)


def _read_tui(config: Config, data: dict, path: Path) -> None:
    tui = data.get("tui", {})
    triage = data.get("triage", {})
    if not isinstance(tui, dict) or not isinstance(triage, dict):
        raise ConfigError(f"{path}: [tui] and [triage] must be tables")
    theme = tui.get("theme")
    if theme is not None and (not isinstance(theme, str) or not theme.strip()):
        raise ConfigError(f"{path}: [tui] theme must be a theme name in quotes")
    config.theme = theme.strip() if theme else None
    date_column = tui.get("date_column", False)
    if not isinstance(date_column, bool):
        raise ConfigError(f"{path}: [tui] date_column must be true or false")
    config.date_column = date_column
    keep_tag = triage.get("keep_tag", DEFAULT_KEEP_TAG)
    if not isinstance(keep_tag, str) or not normalise_tag(keep_tag):
        raise ConfigError(f"{path}: [triage] keep_tag must be a tag name in quotes")
    config.keep_tag = normalise_tag(keep_tag)


_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(?:#.*)?$")


def _toml_value(value: str | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # a TOML basic string (JSON's escapes are TOML's)


def remember_setting(section: str, key: str, value: str | bool, path: Path | None = None) -> Path:
    """Write ``key = value`` into ``[section]`` of the config file, keeping everything else as it is.

    Comments and other settings survive: only the one line changes (or is
    added). Raises :class:`ConfigError` when the file cannot be read or written.
    """
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    line = f"{key} = {_toml_value(value)}"
    lines = text.splitlines()
    key_line = re.compile(rf"^\s*{re.escape(key)}\s*=")
    current = None
    inserted = False
    for index, existing in enumerate(lines):
        header = _SECTION.match(existing)
        if header:
            if current == section:  # the section ended without the key
                lines.insert(index, line)
                inserted = True
                break
            current = header.group(1)
        elif current == section and key_line.match(existing):
            lines[index] = line
            inserted = True
            break
    if not inserted:
        if current == section:
            lines.append(line)
        else:
            if lines and lines[-1].strip():
                lines.append("")
            lines += [f"[{section}]", line]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, ["\n".join(lines) + "\n"])
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def _base_url(environ, variable: str, online: dict, key: str, default: str, path: Path) -> str:
    """A base URL setting: the environment wins over the file; it must be http(s)."""
    if environ.get(variable):
        value, where = environ[variable], f"${variable}"
    elif online.get(key) is not None:
        value, where = online[key], f"{path}: [online] {key}"
    else:
        return default
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a URL in quotes")
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where} must be an http(s) URL such as {default!r}, not {value!r}")
    return value.rstrip("/")
