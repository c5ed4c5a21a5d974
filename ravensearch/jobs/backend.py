"""The Huey instance every task registers on: Redis when REDIS_URL is set, else SQLite."""

from __future__ import annotations

from huey import Huey, RedisHuey, SqliteHuey

from ravensearch.config import Settings, SettingsError, get_settings


def make_huey(settings: Settings) -> Huey:
    if settings.REDIS_URL:
        return RedisHuey(settings.JOBS_QUEUE, url=settings.REDIS_URL, results=False)
    return SqliteHuey(settings.JOBS_QUEUE, filename=settings.JOBS_DATABASE, results=False)


def _default_huey() -> Huey:
    try:
        return make_huey(get_settings())
    except SettingsError:
        # A bad setting is reported by the command that needs it; importing must not crash.
        return SqliteHuey("ravensearch", filename="ravensearch-jobs.db", results=False)


huey = _default_huey()
