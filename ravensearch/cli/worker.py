from __future__ import annotations

import typer

from ravensearch.cli.common import console, settings_or_exit
from ravensearch.jobs import tasks  # noqa: F401  (registers the tasks on `huey`)
from ravensearch.jobs.backend import huey
from ravensearch.jobs.host import install_host, start_loop_host
from ravensearch.logging import configure_logging


def worker(
    workers: int = typer.Option(None, "--workers", "-w", help="Worker threads (default: setting)."),
) -> None:
    """Run background jobs (collect, enrich, dispatch, sync) from the queue until stopped.

    With REDIS_URL set, run as many of these as you like on as many machines; set
    RAVENSEARCH_JOBS_IN_PROCESS=false on the web server so it only enqueues.
    """
    settings = settings_or_exit()
    configure_logging(settings.LOG_LEVEL)
    host, stop = start_loop_host(settings)
    install_host(host)
    queue = "Redis" if settings.REDIS_URL else f"SQLite ({settings.JOBS_DATABASE})"
    console.print(f"Ravensearch worker: {queue} queue, Ctrl-C to stop.")
    try:
        huey.create_consumer(workers=workers or settings.JOBS_WORKERS, periodic=True).run()
    finally:
        install_host(None)
        stop()
