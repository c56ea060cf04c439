"""`python -m nianbao.devportal.national_web`: serve the national test web until SIGTERM/Ctrl-C.

Prints "ready PORT PORTALS" on stdout once serving; writes the truth (JSON) and the portal CSV
when asked. SIGUSR1 moves the movable columns (`NationalWeb.move`) and rewrites the truth file,
then prints "moved N".
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import signal
import sys
import threading
from pathlib import Path

from . import NationalWeb


def write_truth(web: NationalWeb, path: Path) -> None:
    payload = dataclasses.asdict(web.truth)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nianbao.devportal.national_web",
                                     description="Serve the national test web (one portal per government).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--region", default="江苏省", help="a region path: 江苏省, 江苏省/宿迁市")
    parser.add_argument("--limit", type=int, default=None, help="only the region's first N governments")
    parser.add_argument("--port", type=int, default=0, help="one port for every portal (default: a free one)")
    parser.add_argument("--truth", type=Path, help="write the truth here (JSON), again after each move")
    parser.add_argument("--csv", type=Path, help="write 区划代码,name,portal here")
    args = parser.parse_args(argv)
    stop, moving = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGUSR1, lambda *_: (moving.set(), stop.set()))
    with NationalWeb(args.seed, args.region, limit=args.limit, port=args.port) as web:
        if args.truth:
            write_truth(web, args.truth)
        if args.csv:
            args.csv.write_text(web.portal_csv(), encoding="utf-8")
        print(f"ready {web.port} {len(web.plans)}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                stop.wait()
                if not moving.is_set():
                    break
                moving.clear()
                stop.clear()
                moves = web.move()
                if args.truth:
                    write_truth(web, args.truth)
                print(f"moved {len(moves)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
