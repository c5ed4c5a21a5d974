"""How fast the command line answers: `ravensearch --help` (and a subcommand's help, which
imports its module) as a new process each time, the way a user types it.

    .venv/bin/python benchmarks/cli_help.py [--runs 20]

Uses hyperfine when it is installed (its mean ± σ), otherwise times a loop of processes and
prints min / median / max. The target is under 0.5 s for the root help.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CLI = str(Path(sys.executable).with_name("ravensearch"))
COMMANDS = ([CLI, "--help"], [CLI, "campaigns", "--help"])


def _loop(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    hyperfine = shutil.which("hyperfine")
    for command in COMMANDS:
        shown = " ".join(["ravensearch", *command[1:]])
        if hyperfine:
            subprocess.run(
                [hyperfine, "--warmup", "2", "--runs", str(args.runs), "-N", " ".join(command)],
                check=True,
            )
            continue
        seconds = _loop(command, args.runs)
        print(
            f"{shown:<28} min {min(seconds):.3f} s  median {statistics.median(seconds):.3f} s  "
            f"max {max(seconds):.3f} s  ({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
