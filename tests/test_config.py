from __future__ import annotations

import re
from pathlib import Path

import pytest

from ravensearch.config import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def _env_names() -> set[str]:
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        names.add(str(choices[0]) if choices else name)
    return names


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert _env_names() - documented == set()


def test_defaults_are_the_embedded_mock_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _env_names():
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.DATABASE_URL == "sqlite:///ravensearch.db"
    assert settings.INSTANTLY_API_URL == "https://api.instantly.ai/api/v2"
    assert settings.is_mock


def test_a_key_turns_mock_mode_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANTLY_API_KEY", "k")
    monkeypatch.delenv("RAVENSEARCH_MOCK", raising=False)
    assert not Settings(_env_file=None).is_mock  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x"),
        ("INSTANTLY_API_URL", "ftp://api"),
        ("RAVENSEARCH_INSTANTLY_MAX_PER_SECOND", "500"),
        ("RAVENSEARCH_ENV", "staging"),
        ("RAVENSEARCH_TRUSTED_PROXIES", "10.0.0.1, nginx"),
    ],
)
def test_a_wrong_value_fails_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert name in message


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTANTLY_API_KEY", "super-secret-key")
    monkeypatch.setenv("INSTANTLY_WEBHOOK_SECRET", "hook-secret")
    text = repr(Settings(_env_file=None))  # type: ignore[call-arg]
    assert "super-secret-key" not in text
    assert "hook-secret" not in text


def test_trusted_proxies_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAVENSEARCH_TRUSTED_PROXIES", " 10.0.0.1 , 172.16.0.0/12,::1,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.TRUSTED_PROXIES == "10.0.0.1,172.16.0.0/12,::1"  # as uvicorn reads it
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.1/32", "172.16.0.0/12", "::1/128"]
    monkeypatch.delenv("RAVENSEARCH_TRUSTED_PROXIES")
    assert Settings(_env_file=None).trusted_proxies == ()  # type: ignore[call-arg]
