from __future__ import annotations

import typer

from ravensearch.cli.common import console, fail, settings_or_exit
from ravensearch.events.applier import ApplierThread
from ravensearch.jobs import tasks
from ravensearch.jobs.backend import huey, unreachable_queue
from ravensearch.jobs.host import install_host, start_loop_host
from ravensearch.logging import configure_logging


def worker(
    workers: int = typer.Option(None, "--workers", "-w", help="Worker threads (default: setting)."),
    events: bool = typer.Option(
        True, "--events/--no-events", help="Also apply stored webhook events."
    ),
) -> None:
    """Run background jobs (collect, enrich, dispatch, sync) from the queue until stopped,
    and apply the webhook events the web processes stored.

    With REDIS_URL set, run as many of these as you like on as many machines; set
    RAVENSEARCH_JOBS_IN_PROCESS=false (and RAVENSEARCH_EVENTS_IN_PROCESS=false) on the web
    server so it only enqueues (and stores).
    """
    settings = settings_or_exit()
    configure_logging(settings.LOG_LEVEL)
    if problem := unreachable_queue(huey):
        raise fail(problem)
    host, stop = start_loop_host(settings)
    install_host(host)
    tasks.resume_orphaned_jobs()
    applier = ApplierThread(settings.DATABASE_URL) if events else None
    if applier is not None:
        applier.start()
    queue = "Redis" if settings.REDIS_URL else f"SQLite ({settings.JOBS_DATABASE})"
    applying = ", applying webhook events" if applier is not None else ""
    console.print(f"Ravensearch worker: {queue} queue{applying}, Ctrl-C to stop.")
    try:
        huey.create_consumer(workers=workers or settings.JOBS_WORKERS, periodic=True).run()
    finally:
        if applier is not None:
            applier.stop()
        install_host(None)
        stop()
