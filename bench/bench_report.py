"""Benchmark report generation on a large mirror (SQLite and PostgreSQL).

    python bench/bench_report.py --leads 100000 --activities 1000000 [--pg URL]

Builds a synthetic mirror with bulk Core inserts (tests/report_mirror.py: the same builder the
report's SQL cross-check tests use), then times `write_report` end to end: the four reads,
every figure, the charts and the files. Prints a markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from report_mirror import Shape, build  # noqa: E402

from syncd.config import load_config  # noqa: E402
from syncd.domain.reporting.figures import week_of  # noqa: E402
from syncd.mirror import Mirror  # noqa: E402
from syncd.sync.report import write_report  # noqa: E402


def run(url: str, leads: int, activities: int, out: Path) -> tuple[float, float, dict[str, int]]:
    mirror = Mirror.open(url)
    now = datetime.now(UTC)
    shape = Shape(start=week_of(now) - timedelta(weeks=12), weeks=12, leads=leads)
    shape.activities = activities
    t0 = time.perf_counter()
    counts = build(mirror.engine, shape)
    built = time.perf_counter() - t0
    config = load_config(ROOT / "mappings")
    t0 = time.perf_counter()
    write_report(mirror, config, out, now=now, weeks=13)
    took = time.perf_counter() - t0
    mirror.close()
    return built, took, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sqlite"):
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            rows.append(("SQLite", *run(url, args.leads, args.activities, Path(tmp) / "s")))
        if args.only in (None, "postgresql"):
            name = f"syncd_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = args.pg.rsplit("/", 1)[0] + f"/{name}"
                rows.append(("PostgreSQL", *run(url, args.leads, args.activities, Path(tmp) / "p")))
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print("| backend | leads | activities | ledger rows | build mirror | report |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for backend, built, took, counts in rows:
        print(
            f"| {backend} | {counts['leads']:,} | {counts['activities']:,} | "
            f"{counts['decisions']:,} | {built:.1f} s | {took:.1f} s |"
        )


if __name__ == "__main__":
    main()
