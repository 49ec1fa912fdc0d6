"""User settings: ``config.toml`` in the platform's config directory.

```toml
[keys]            # remap TUI keys: binding id = "key[,key...]"
toggle_read = "x"

[online]          # base URLs (a mirror, proxy or local test server can stand in)
hf_api_url = "https://huggingface.co/api"
github_api_url = "https://api.github.com"
```

Environment variables win over the file (``READER_HF_API_URL``,
``READER_GITHUB_API_URL``). A file that does not parse, or a base URL that
is not http(s), raises :class:`ConfigError` naming where and the problem.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from reader.errors import ReaderError
from reader.paths import config_dir

DEFAULT_HF_API_URL = "https://huggingface.co/api"
DEFAULT_GITHUB_API_URL = "https://api.github.com"


class ConfigError(ReaderError):
    pass


@dataclass(slots=True)
class Config:
    keys: dict[str, str] = field(default_factory=dict)
    hf_api_url: str = DEFAULT_HF_API_URL
    github_api_url: str = DEFAULT_GITHUB_API_URL
    path: Path | None = None


def config_path() -> Path:
    return config_dir() / "config.toml"


def load_config(path: Path | None = None, environ: dict | None = None) -> Config:
    path = path or config_path()
    environ = os.environ if environ is None else environ
    data: dict = {}
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        pass
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
    config.hf_api_url = _base_url(environ, "READER_HF_API_URL", online, "hf_api_url", DEFAULT_HF_API_URL, path)
    config.github_api_url = _base_url(
        environ, "READER_GITHUB_API_URL", online, "github_api_url", DEFAULT_GITHUB_API_URL, path
    )
    return config


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
