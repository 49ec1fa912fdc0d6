"""Base URLs of the online services: config file, environment, validation."""

from __future__ import annotations

import pytest

from reader.config import DEFAULT_GITHUB_API_URL, DEFAULT_HF_API_URL, ConfigError, load_config


def test_defaults_file_and_environment_in_that_order(tmp_path):
    path = tmp_path / "config.toml"
    assert load_config(path, environ={}).hf_api_url == DEFAULT_HF_API_URL
    path.write_text('[online]\nhf_api_url = "https://mirror.example/api/"\ngithub_api_url = "http://127.0.0.1:9/"\n')
    config = load_config(path, environ={})
    assert config.hf_api_url == "https://mirror.example/api"  # no trailing slash
    assert config.github_api_url == "http://127.0.0.1:9"
    config = load_config(path, environ={"READER_HF_API_URL": "http://localhost:8000/api"})
    assert config.hf_api_url == "http://localhost:8000/api"
    assert config.github_api_url == "http://127.0.0.1:9"
    assert load_config(tmp_path / "absent.toml", environ={}).github_api_url == DEFAULT_GITHUB_API_URL


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ('[online]\nhf_api_url = "huggingface.co/api"\n', {}, "[online] hf_api_url must be an http(s) URL"),
        ('[online]\ngithub_api_url = 42\n', {}, "[online] github_api_url must be a URL in quotes"),
        ("", {"READER_GITHUB_API_URL": "file:///tmp/x"}, "$READER_GITHUB_API_URL must be an http(s) URL"),
        ('online = "x"\n', {}, "[online] must be a table"),
    ],
)
def test_a_base_url_that_is_not_http_is_refused_naming_where_it_came_from(tmp_path, text, environ, message):
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, environ=environ)
    assert message in str(info.value)


def test_a_config_file_that_is_not_utf8_is_one_line_naming_it(tmp_path):
    from tests.conftest import run_cli

    path = tmp_path / "config.toml"
    path.write_bytes(b'[online]\nhf_api_url = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="config.toml: not valid TOML: not UTF-8 text"):
        load_config(path, environ={})
    done = run_cli("fetch", "--date", "2024-03-11", env={"READER_CONFIG_DIR": str(tmp_path)})
    err = done.stderr.decode()
    assert done.returncode != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "not UTF-8" in err
