from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conftest import metric_sum
from helpers.metrics import METRIC_NAMES, JobMetrics, UnknownMetricError

NAMESPACE = "bbkyc/et-event-producer-glue-publisher/sit"


class CountingCloudWatch:
    def __init__(self, real):
        self.real = real
        self.calls = 0

    def put_metric_data(self, **kwargs):
        self.calls += 1
        return self.real.put_metric_data(**kwargs)


def test_counts_are_summed_and_sent_in_one_call_with_the_environment_dimension(cloudwatch):
    spy = CountingCloudWatch(cloudwatch)
    metrics = JobMetrics(spy, NAMESPACE, "sit")

    for _ in range(1500):
        metrics.add("RecordsRead")
    metrics.add("RecordsSucceeded", 1499)
    metrics.add("RecordsFailed")
    metrics.flush()

    assert spy.calls == 1
    assert metric_sum(cloudwatch, NAMESPACE, "RecordsRead", "sit") == 1500
    assert metric_sum(cloudwatch, NAMESPACE, "RecordsSucceeded", "sit") == 1499
    assert metric_sum(cloudwatch, NAMESPACE, "RecordsFailed", "sit") == 1
    listed = cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]
    assert {m["MetricName"] for m in listed} == {"RecordsRead", "RecordsSucceeded", "RecordsFailed"}
    assert all(m["Dimensions"] == [{"Name": "Environment", "Value": "sit"}] for m in listed)


def test_flush_clears_what_was_sent_and_an_empty_flush_makes_no_call(cloudwatch):
    spy = CountingCloudWatch(cloudwatch)
    metrics = JobMetrics(spy, NAMESPACE, "sit")
    metrics.add("JobRunSuccess")
    metrics.flush()
    metrics.flush()

    assert spy.calls == 1
    assert metrics.pending() == {}


def test_zero_counts_are_reported_so_a_quiet_run_is_not_a_gap(cloudwatch):
    metrics = JobMetrics(cloudwatch, NAMESPACE, "uat")
    metrics.ensure_reported("RecordsRead", "RecordsFailed")
    metrics.flush()

    assert metric_sum(cloudwatch, NAMESPACE, "RecordsFailed", "uat") == 0


def test_names_outside_the_catalog_are_refused():
    metrics = JobMetrics(object(), NAMESPACE, "sit")

    with pytest.raises(UnknownMetricError, match="TTPublishSuccess is not a glue-publisher metric"):
        metrics.add("TTPublishSuccess")
    assert "JobRunFailure" in METRIC_NAMES


def test_counts_stay_pending_when_cloudwatch_refuses_them():
    class Down:
        def put_metric_data(self, **_):
            raise ConnectionError("endpoint unreachable")

    metrics = JobMetrics(Down(), NAMESPACE, "sit", now=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))
    metrics.add("JobRunFailure")

    with pytest.raises(ConnectionError):
        metrics.flush()
    assert metrics.pending() == {"JobRunFailure": 1}
