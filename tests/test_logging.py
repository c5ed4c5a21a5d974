"""The root handler follows stderr as it is when a record is written."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from ravensearch.logging import configure_logging


def test_a_record_after_the_configuring_stderr_closed_goes_to_the_current_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    swapped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", swapped)
    configure_logging("WARNING")
    swapped.close()
    monkeypatch.undo()
    try:
        logging.getLogger("ravensearch.test").warning("written after the swap")
        err = capsys.readouterr().err
        assert "written after the swap" in err
        assert "Logging error" not in err
    finally:
        configure_logging("WARNING")
