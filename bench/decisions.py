"""1. Routing: which region holds the place, local time, and the first matching rule."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter

from bench.common import random_point, shipped_settings
from bench.table import Table
from child_report_bot.domain.report_draft import Activity, AgeBand
from child_report_bot.domain.routing import ReportFacts

_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def run(table: Table, n: int, seed: int) -> None:
    routing = shipped_settings().routing_config
    rng = random.Random(seed)
    activities, ages = list(Activity), list(AgeBand)
    cases = []
    for _ in range(n):
        age = rng.choice(ages)
        danger = rng.random() < 0.08
        cases.append((random_point(rng), rng.choice(activities), age, danger,
                      danger or age is AgeBand.UNDER_6, rng.choice((1, 1, 2, 3, 5)),
                      _EPOCH + dt.timedelta(seconds=rng.randrange(365 * 86400))))

    for case in cases[:200]:  # warm up (imports, the zoneinfo cache)
        routing.region_of(case[0])

    # What ReportIntake.route does for a pinned place: region, local time, rules.
    decisions = []
    start = time.perf_counter()
    for point, activity, age, danger, urgent, children, moment in cases:
        region = routing.region_of(point)
        decisions.append(routing.route(ReportFacts(
            danger=danger, urgent=urgent, activity=activity, age_band=age, children=children,
            region=region.name if region else None, local_time=routing.local_time(moment))))
    whole = time.perf_counter() - start

    start = time.perf_counter()
    regions = [routing.region_of(case[0]) for case in cases]
    region_time = time.perf_counter() - start

    facts = [ReportFacts(danger=c[3], urgent=c[4], activity=c[1], age_band=c[2], children=c[5],
                         region=r.name if r else None, local_time=routing.local_time(c[6]))
             for c, r in zip(cases, regions, strict=True)]
    start = time.perf_counter()
    for fact in facts:
        routing.route(fact)
    rules_time = time.perf_counter() - start

    table.section(f"1. Routing, shipped config.toml ({n:,} random reports)")
    table.add("decisions (region + local time + rules)", n / whole, "decisions/s", above=5000,
              digits=0)
    table.add("mean time per decision", whole / n * 1e6, "µs")
    table.add("  of which region lookup only", n / region_time, "lookups/s", digits=0)
    table.add("  of which rules only (region known)", n / rules_time, "decisions/s", digits=0)

    in_region = Counter(r.name if r else "none" for r in regions)
    rules = Counter(decision.rule for decision in decisions)

    def share(counter: Counter) -> str:
        return ", ".join(f"{key} {count / n:.0%}" for key, count in counter.most_common())

    table.note("1", f"Routing: {n:,} random reports, sequentially in one thread, through "
               "RoutingConfig.region_of, .local_time and .route, exactly as ReportIntake.route "
               "calls them. Places: 40 % in Tehran's box, 25 % around Qom (its region is a "
               "15 km geodesic circle, the costlier check), the rest anywhere in Iran's bounding "
               f"box; random activity, age band, danger (8 %), children and hour of the year. "
               f"Regions hit: {share(in_region)}. Rules hit: {share(rules)}.")
