"""make bench: every benchmark in one go; figures go into docs/performance.md by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in (
    "bench_import.py",
    "bench_allocation.py",
    "bench_disclosure.py",
    "bench_statistics.py",
    "bench_entry.py",
    "bench_activity_import.py",
    "bench_staffing.py",
):
    path = HERE / script
    if not path.exists():
        continue
    print(f"\n=== {script}", flush=True)
    subprocess.run([sys.executable, str(path)], check=True, cwd=HERE.parent)
