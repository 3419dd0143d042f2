"""Time `protect()` on Land-sized tables (synthetic demo data, fixed seed).

Run: ``.venv/bin/python bench/bench_disclosure.py``

Tables: activities per school and activity type for one school year across NRW (5,400
schools x 15 types), the same for one quarter (many more small cells), and activities per
municipality (54 x 15). Counts are negative-binomial draws around per-type rates scaled by a
log-normal school size; they are invented and only shaped like real documentation data.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schulsozial.statistics.disclosure import protect

# Yearly activities per school of average size, one per default activity type.
RATES = np.array([120, 25, 40, 12, 8, 30, 4, 1.5, 3, 2, 6, 5, 3, 10, 20], dtype=float)


def synthetic_table(rows: int, *, scale: float, seed: int) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    size = rng.lognormal(mean=0.0, sigma=0.6, size=(rows, 1))
    mean = size * RATES[None, :] * scale
    dispersion = 2.0
    counts = rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    return counts.tolist()


def measure(name: str, table: list[list[int]], repeats: int = 5) -> None:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = protect(table, threshold=5)
        times.append(time.perf_counter() - start)
    cells = sum(len(row) for row in table)
    primary = sum(reason == "primary" for reason in result.reasons.values())
    secondary = len(result.reasons) - primary
    print(
        f"{name:<34} {len(table):>5} x {len(table[0]):<3} "
        f"median {statistics.median(times) * 1000:7.1f} ms  min {min(times) * 1000:7.1f} ms  "
        f"cells {cells:>6}  primary {primary:>6}  secondary {secondary:>5}  "
        f"totals withheld {len(result.total_reasons)}"
    )


def main() -> None:
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    measure("Land, school year", synthetic_table(5400, scale=1.0, seed=1))
    measure("Land, one quarter", synthetic_table(5400, scale=0.25, seed=2))
    measure("Land, one quarter, small schools", synthetic_table(5400, scale=0.08, seed=3))
    municipalities = np.array(synthetic_table(5400, scale=0.25, seed=4))
    groups = np.random.default_rng(5).integers(0, 54, size=5400)
    per_municipality = np.zeros((54, 15), dtype=np.int64)
    np.add.at(per_municipality, groups, municipalities)
    measure("municipalities, one quarter", per_municipality.tolist())
    measure("one municipality's schools", synthetic_table(54, scale=0.25, seed=6))


if __name__ == "__main__":
    main()
