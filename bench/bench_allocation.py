"""Benchmark of the distribution engine against plain Python and an exact MILP.

Run: ``.venv/bin/python bench/bench_allocation.py`` (``--quick`` for a short run,
``--markdown`` for the table of docs/performance.md).

Scales: Herne (43 schools, 48 FTE, docs/examples/herne_rules.toml), all NRW (5,407 schools
of ../shared/data/schulen_nrw.csv, 2,000 FTE) and a synthetic Germany (32,000 schools drawn
from the NRW rows with seeded noise on the pupils, 12,000 FTE). The NRW key is the Herne key.

Per scale, in one run: a single allocation (engine; the engine plus building every
explanation; the pure-Python reference with a heap and, where it finishes in reasonable
time, with a full scan per unit; the MILP with HiGHS, presolve off, time-limited) and a
1,000-sample sensitivity run (engine batched; the engine called once per sample; the pure
Python reference, extrapolated from a few samples). The MILP and the reference get the
engine's ideal shares and bounds, so the deviations compare the rounding step exactly.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_model  # noqa: E402  (bench/ is the script folder)

from schulsozial.allocation.engine import (  # noqa: E402
    Rules,
    SchoolInput,
    allocate,
    load_rules_toml,
    read_schools_csv,
    sensitivity,
)
from schulsozial.allocation.engine.core import prepare  # noqa: E402
from schulsozial.allocation.tests.reference import reference_allocate  # noqa: E402

DATA = REPO.parent / "shared" / "data"
HERNE_RULES = REPO / "docs" / "examples" / "herne_rules.toml"
NRW_RULES = REPO / "schulsozial" / "allocation" / "tests" / "data" / "nrw_rules.toml"
SAMPLES = 1000


@dataclass
class Scale:
    name: str
    schools: list[SchoolInput]
    rules: Rules


def machine() -> str:
    model = cpu_model() or "unknown CPU"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average {load}"
    )


def with_total(rules: Rules, total: float) -> Rules:
    return replace(rules, layers=(replace(rules.layers[0], total_fte=total),))


def scales() -> list[Scale]:
    nrw_path = DATA / "schulen_nrw.csv"
    if not nrw_path.exists():
        sys.exit(f"missing {nrw_path}: the benchmark needs ../shared/data")
    herne_rules = load_rules_toml(HERNE_RULES.read_text(encoding="utf-8"))
    nrw_rules = load_rules_toml(NRW_RULES.read_text(encoding="utf-8"))
    text = (DATA / "schulen_herne_kamen.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    writer.writerows(r for r in rows[1:] if r[rows[0].index("ags")] == "05916000")
    herne = read_schools_csv(out.getvalue(), herne_rules)
    nrw = read_schools_csv(nrw_path, nrw_rules)
    return [
        Scale("Herne (43)", herne, herne_rules),
        Scale("NRW (5,407)", nrw, nrw_rules),
        Scale("Germany (32,000, synthetic)", germany(nrw, 32_000), with_total(nrw_rules, 12_000.0)),
    ]


def germany(nrw: list[SchoolInput], count: int, seed: int = 2025) -> list[SchoolInput]:
    """Schools drawn from the NRW rows, pupils times log-normal noise, rounded to 5."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(nrw), size=count)
    noise = rng.lognormal(0.0, 0.25, size=count)
    schools = []
    for number, (pick, factor) in enumerate(zip(picks, noise, strict=True)):
        source = nrw[pick]
        values = dict(source.values)
        pupils = float(values["schueler_2024_25"] or 0)
        values["schueler_2024_25"] = float(max(5, round(pupils * factor / 5) * 5))
        schools.append(SchoolInput(str(1_000_000 + number), values))
    return schools


def timed(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall time of ``repeats`` runs (and the last value)."""
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    timed.fastest = min(times)  # type: ignore[attr-defined]
    return statistics.median(times), value


def milp_highs(
    ideal: np.ndarray, lower: np.ndarray, upper: np.ndarray, total: int, limit: float
) -> tuple[str, float, float]:
    """min sum |x - ideal| with HiGHS (presolve off); status, seconds, deviation of its x."""
    import highspy

    n = ideal.size
    lp = highspy.HighsLp()
    lp.num_col_ = 2 * n
    lp.num_row_ = 2 * n + 1
    lp.col_cost_ = np.concatenate([np.zeros(n), np.ones(n)])
    lp.col_lower_ = np.concatenate([lower.astype(float), np.zeros(n)])
    lp.col_upper_ = np.concatenate([upper.astype(float), np.full(n, highspy.kHighsInf)])
    lp.row_lower_ = np.concatenate([-ideal, ideal, [float(total)]])
    lp.row_upper_ = np.concatenate([np.full(2 * n, highspy.kHighsInf), [float(total)]])
    # x_i: rows i (d - x >= -q), n + i (d + x >= q), 2n (sum x = total); d_i: rows i, n + i
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([np.arange(n) * 3, 3 * n + np.arange(n + 1) * 2]).astype(
        np.int32
    )
    rows_x = np.stack([np.arange(n), n + np.arange(n), np.full(n, 2 * n)], axis=1).ravel()
    rows_d = np.stack([np.arange(n), n + np.arange(n)], axis=1).ravel()
    lp.a_matrix_.index_ = np.concatenate([rows_x, rows_d]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([np.tile([-1.0, 1.0, 1.0], n), np.ones(2 * n)])
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n + [highspy.HighsVarType.kContinuous] * n
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("presolve", "off")
    solver.setOptionValue("time_limit", float(limit))
    solver.setOptionValue("mip_rel_gap", 0.0)
    solver.passModel(lp)
    start = time.perf_counter()
    solver.run()
    seconds = time.perf_counter() - start
    status = solver.modelStatusToString(solver.getModelStatus())
    values = np.asarray(solver.getSolution().col_value[:n])
    if values.size != n:
        return status, seconds, float("nan")
    x = np.rint(values)
    return status, seconds, float(np.abs(x - ideal).sum())


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def ratio(other: float | None, ours: float) -> str:
    return "-" if other is None else f"{other / ours:,.0f}×"


def run(scale: Scale, quick: bool) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    n = len(scale.schools)
    repeats = 3 if quick else (30 if n < 10_000 else 10)
    engine_time, result = timed(lambda: allocate(scale.schools, scale.rules), repeats)
    fastest = timed.fastest  # type: ignore[attr-defined]
    explain_time, _ = timed(
        lambda: allocate(scale.schools, scale.rules).schools, max(3, repeats // 3)
    )
    rows.append(
        (
            "allocation",
            f"engine (numpy; fastest of {repeats}: {fmt(fastest)})",
            fmt(engine_time),
            "1×",
        )
    )
    rows.append(
        (
            "allocation",
            "engine + every explanation",
            fmt(explain_time),
            ratio(explain_time, engine_time),
        )
    )

    problem = prepare(scale.schools, scale.rules).layers[0]
    g = scale.rules.granularity
    numbers = [result.schulnummern[i] for i in range(n)]
    ideal = np.array([result.ideal_by_school[s] / g for s in sorted(numbers, key=_key)])
    units = np.array(
        [int(result.fte_by_school[s] / result.granularity) for s in sorted(numbers, key=_key)]
    )
    deviation = float(np.abs(units - ideal).sum())

    ref_time, reference = timed(
        lambda: reference_allocate(scale.schools, scale.rules), 1 if n > 1000 else 5
    )
    same = sum(
        reference.units[s] == u for s, u in zip(sorted(numbers, key=_key), units, strict=True)
    )
    ref_dev = reference.deviation_units
    rows.append(
        (
            "allocation",
            f"pure Python, heap ({same}/{n} schools equal, deviation {ref_dev:.6f} vs {deviation:.6f})",
            fmt(ref_time),
            ratio(ref_time, engine_time),
        )
    )
    work = n * (problem.total_units - int(problem.lower.sum()))
    if not quick and work < 30_000_000:
        scan_time, _ = timed(
            lambda: reference_allocate(scale.schools, scale.rules, greedy="scan"), 1
        )
        rows.append(
            (
                "allocation",
                "pure Python, full scan per unit",
                fmt(scan_time),
                ratio(scan_time, engine_time),
            )
        )
    else:
        rows.append(
            ("allocation", f"pure Python, full scan per unit (skipped: {work:,} steps)", "-", "-")
        )

    limit = 20.0 if quick else 120.0
    if n > 20_000 and quick:
        rows.append(("allocation", "MILP HiGHS (skipped in --quick)", "-", "-"))
    else:
        status, milp_time, milp_dev = milp_highs(
            ideal, problem.lower, problem.upper, problem.total_units, limit
        )
        verdict = (
            "equal" if abs(milp_dev - deviation) < 1e-6 else f"{milp_dev:.6f} vs {deviation:.6f}"
        )
        rows.append(
            (
                "allocation",
                f"MILP HiGHS, presolve off, limit {limit:.0f} s ({status}; deviation {verdict})",
                fmt(milp_time),
                ratio(milp_time, engine_time),
            )
        )

    samples = SAMPLES if not (quick and n > 20_000) else 100
    sens_time, _ = timed(
        lambda: sensitivity(scale.schools, scale.rules, samples=samples, spread=0.2, seed=1),
        1 if n > 1000 else 3,
    )
    label = f"{samples:,} samples"
    rows.append((label, "engine, batched", fmt(sens_time), "1×"))
    loop_samples = min(samples, 20 if n > 1000 else 200)
    loop_time = _loop(scale, loop_samples) * samples / loop_samples
    rows.append(
        (
            label,
            f"engine called per sample (est. from {loop_samples})",
            fmt(loop_time),
            ratio(loop_time, sens_time),
        )
    )
    ref_samples = 3 if n > 1000 else 20
    start = time.perf_counter()
    for _ in range(ref_samples):
        reference_allocate(scale.schools, scale.rules)
    ref_sens = (time.perf_counter() - start) * samples / ref_samples
    rows.append(
        (
            label,
            f"pure Python, heap (est. from {ref_samples})",
            fmt(ref_sens),
            ratio(ref_sens, sens_time),
        )
    )
    return rows


def _key(number: str) -> tuple[int, int, str]:
    return (0, int(number), number) if number.isdigit() else (1, 0, number)


def _loop(scale: Scale, samples: int) -> float:
    """Time of ``samples`` allocations with weights drawn like the sensitivity run."""
    rng = np.random.default_rng(1)
    layer = scale.rules.layers[0]
    start = time.perf_counter()
    for _ in range(samples):
        factors = 1 + rng.uniform(-0.2, 0.2, size=len(layer.criteria))
        criteria = tuple(
            replace(c, weight=c.weight * float(f))
            for c, f in zip(layer.criteria, factors, strict=True)
        )
        allocate(scale.schools, replace(scale.rules, layers=(replace(layer, criteria=criteria),)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the slowest")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    table: list[tuple[str, str, str, str, str]] = []
    for scale in scales():
        print(f"\n{scale.name}", flush=True)
        for what, how, seconds, factor in run(scale, args.quick):
            print(f"  {what:<14} {how:<95} {seconds:>10} {factor:>8}", flush=True)
            table.append((scale.name, what, how, seconds, factor))
    print(f"\nmachine at the end: {machine()}", flush=True)
    if args.markdown:
        print("\n| scale | task | implementation | time | vs engine |")
        print("| --- | --- | --- | --- | --- |")
        for row in table:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
