"""`make bench`: run every benchmark module in bench/ (each has `main()` printing its figures), or those named.

python -m bench                 # all
python -m bench cold_start      # one
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

# Modules that are tools for benchmarks, not benchmarks.
TOOLS = {"counting", "sandbox"}


def benchmarks() -> list[str]:
    here = str(Path(__file__).parent)
    return sorted(m.name for m in pkgutil.iter_modules([here]) if m.name not in TOOLS and not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    known = benchmarks()
    chosen = argv or known
    unknown = [name for name in chosen if name not in known]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    for i, name in enumerate(chosen):
        if i:
            print()
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
