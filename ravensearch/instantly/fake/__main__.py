"""`python -m ravensearch.instantly.fake [--host H] [--port N] [--no-demo] [--api-key K]`."""

from __future__ import annotations

import argparse

from ravensearch.instantly.fake.server import run_fake_instantly


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake Instantly API v2.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-demo", action="store_true", help="start with no campaigns")
    parser.add_argument("--api-key", default=None, help="the only key accepted (default: any)")
    args = parser.parse_args(argv)
    run_fake_instantly(args.host, args.port, demo=not args.no_demo, api_key=args.api_key)


if __name__ == "__main__":
    main()
