"""Loops that run beside the web server: apply stored webhook events, finish stalled dispatches."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from ravensearch.runtime import Runtime


def start_background(app: FastAPI, runtime: Runtime) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(runtime.events.run(), name="events.applier")]
