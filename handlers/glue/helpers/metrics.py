"""
The Glue publisher's custom metrics: counts are collected in memory during a run and sent with
one PutMetricData call at the end (never one call per record). Namespace = component + environment
(`<prefix>/<job>-glue-publisher/<env>`); every metric also carries the `Environment` dimension.

`METRIC_NAMES` must equal the `glue-publisher` entry of `handlers/lib/metric-catalog.ts`: the
dashboards and alarms are built from that catalog, and `test/glue-job.test.ts` compares the two.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

METRIC_NAMES = (
    "RecordsRead",
    "RecordsProcessed",
    "RecordsSucceeded",
    "RecordsFailed",
    "JobRunSuccess",
    "JobRunFailure",
)

# Every catalog entry of this component is a count.
UNIT = "Count"


class UnknownMetricError(ValueError):
    """A name outside the catalog: it would never appear on a dashboard, so it is refused."""


class JobMetrics:
    def __init__(
        self,
        cloudwatch: Any,
        namespace: str,
        environment: str,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        if not namespace or not environment:
            raise ValueError("metrics need a namespace and an environment")
        self._cloudwatch = cloudwatch
        self._namespace = namespace
        self._environment = environment
        self._now = now
        self._counts: dict[str, float] = {}

    @property
    def namespace(self) -> str:
        return self._namespace

    def add(self, name: str, value: float = 1) -> None:
        if name not in METRIC_NAMES:
            raise UnknownMetricError(f"{name} is not a glue-publisher metric (known: {', '.join(METRIC_NAMES)})")
        self._counts[name] = self._counts.get(name, 0) + value

    def ensure_reported(self, *names: str) -> None:
        """Report these as 0 when nothing was added, so a quiet run shows 0 instead of a gap."""
        for name in names:
            self.add(name, 0)

    def pending(self) -> dict[str, float]:
        return dict(self._counts)

    def flush(self) -> None:
        """One PutMetricData call (at most six datums, far below the 1000 limit); cleared only once sent."""
        if not self._counts:
            return
        timestamp = self._now()
        dimensions = [{"Name": "Environment", "Value": self._environment}]
        data = [
            {"MetricName": name, "Unit": UNIT, "Value": float(value), "Timestamp": timestamp, "Dimensions": dimensions}
            for name, value in self._counts.items()
        ]
        self._cloudwatch.put_metric_data(Namespace=self._namespace, MetricData=data)
        self._counts.clear()
