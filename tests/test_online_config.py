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
