"""
The job script's driver side without Spark: its arguments, the job-run metrics around any failure,
and the refusals that happen before Spark is touched. The Spark part runs for real in
test_job_on_spark.py.
"""
from __future__ import annotations

import json
import sys
import types

import boto3
import pytest

import event_producer_job as job
from conftest import REGION, metric_sum
from helpers.bookmark import Bookmark, BookmarkStore
from helpers.json_log import JsonLogger
from helpers.metrics import JobMetrics

NAMESPACE = "bbkyc/et-event-producer-glue-publisher/sit"
TABLE = "glue_catalog.kyc_db.et_events"


def args(**overrides) -> dict[str, str]:
    values = {
        "JOB_NAME": "bbkyc-et-event-producer-sit",
        "STREAM_NAME": "bbkyc-tt-event-stream-sit",
        "ICEBERG_TABLE": TABLE,
        "METRIC_NAMESPACE": NAMESPACE,
        "ENVIRONMENT": "sit",
        "AUDIT_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/bbkyc-audit-queue-sit",
        "PARTITION_KEY_PREFIX": "bbkyc-tt-",
        "AUDIT_COMPONENT": "et-event-producer-glue",
        "BOOKMARK_TABLE": "bbkyc-audit-trail-sit",
        "FIRST_RUN": "all",
        "PUBLISH_PARTITIONS": "0",
        "REGION": "eu-west-1",
    }
    values.update(overrides)
    return values


def argv(values: dict[str, str]) -> list[str]:
    out = ["event_producer_job.py"]
    for key, value in values.items():
        out += [f"--{key}", value]
    return out


def counts(cloudwatch) -> dict[str, float | None]:
    names = ("RecordsRead", "RecordsProcessed", "RecordsSucceeded", "RecordsFailed", "JobRunSuccess", "JobRunFailure")
    return {name: metric_sum(cloudwatch, NAMESPACE, name, "sit") for name in names}


def test_missing_job_arguments_are_named():
    with pytest.raises(ValueError, match="--STREAM_NAME, --AUDIT_QUEUE_URL, --BOOKMARK_TABLE"):
        job.JobConfig.from_args(args(STREAM_NAME="", AUDIT_QUEUE_URL="", BOOKMARK_TABLE=""))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FIRST_RUN": "everything"}, "--FIRST_RUN must be one of all, from-current, got 'everything'"),
        ({"PUBLISH_PARTITIONS": "-1"}, "--PUBLISH_PARTITIONS must be a whole number of publishers"),
        ({"PUBLISH_PARTITIONS": "four"}, "--PUBLISH_PARTITIONS must be a whole number of publishers"),
    ],
)
def test_bad_job_arguments_are_refused_with_the_fix(overrides, message):
    with pytest.raises(ValueError, match=message):
        job.JobConfig.from_args(args(**overrides))


def test_outside_glue_the_same_arguments_are_parsed_without_awsglue(monkeypatch):
    monkeypatch.setitem(sys.modules, "awsglue.utils", None)

    parsed = job.parse_args(argv(args()) + ["--JOB_RUN_ID", "jr_1", "--extra", "ignored"])

    assert parsed == {**args(), "JOB_RUN_ID": "jr_1"}
    assert job.JobConfig.from_args(parsed).run_id == "jr_1"


def test_in_glue_the_arguments_come_from_glues_resolver_with_the_run_id(monkeypatch):
    def get_resolved_options(argv_list, names):
        values = dict(zip(argv_list[1::2], argv_list[2::2]))
        return {name: values[f"--{name}"] for name in names}

    monkeypatch.setitem(sys.modules, "awsglue", types.ModuleType("awsglue"))
    monkeypatch.setitem(sys.modules, "awsglue.utils", types.SimpleNamespace(getResolvedOptions=get_resolved_options))

    parsed = job.parse_args(argv({**args(), "JOB_RUN_ID": "jr_42"}))

    assert parsed == {**args(), "JOB_RUN_ID": "jr_42"}


def test_job_run_failure_is_flushed_before_the_exception_leaves(cloudwatch):
    metrics = JobMetrics(cloudwatch, NAMESPACE, "sit")
    metrics.ensure_reported("RecordsRead")
    metrics.add("RecordsRead", 2)
    seen_when_raising = {}

    def crash():
        raise RuntimeError("S3 read timed out on data file 00017.parquet")

    with pytest.raises(RuntimeError, match="00017.parquet"):
        try:
            job.run_with_job_metrics(crash, metrics, JsonLogger("test", write=lambda _: None))
        except RuntimeError:
            # Still inside the re-raise: CloudWatch must already hold the failure.
            seen_when_raising.update(counts(cloudwatch))
            raise

    assert (seen_when_raising["JobRunFailure"], seen_when_raising["JobRunSuccess"], seen_when_raising["RecordsRead"]) == (1, None, 2)


def test_a_metrics_outage_does_not_hide_the_real_error():
    class Down:
        def put_metric_data(self, **_):
            raise ConnectionError("monitoring endpoint down")

    lines: list[str] = []
    metrics = JobMetrics(Down(), NAMESPACE, "sit")

    def boom():
        raise ValueError("Iceberg table kyc_db.et_events not found")

    with pytest.raises(ValueError, match="not found"):
        job.run_with_job_metrics(boom, metrics, JsonLogger("test", write=lines.append))
    logged = [json.loads(line) for line in lines]
    assert [entry["message"] for entry in logged] == ["job run failed", "metrics could not be sent"]
    assert logged[1]["pending"] == {"JobRunFailure": 1}


def test_a_bookmark_of_another_table_stops_the_run_before_anything_is_read(aws, cloudwatch):
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="bbkyc-audit-trail-sit",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "transactionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "transactionId", "KeyType": "HASH"}],
    )
    config = job.JobConfig.from_args(args())
    bookmarks = BookmarkStore(dynamodb, config.bookmark_table, config.job_name)
    bookmarks.advance(None, Bookmark(snapshot_id=7, table="glue_catalog.kyc_db.other_events", advanced_at="2026-11-25T02:00:00.000Z"))
    deps = job.JobDeps(metrics=JobMetrics(cloudwatch, NAMESPACE, "sit"), bookmarks=bookmarks, logger=JsonLogger("test", write=lambda _: None))

    with pytest.raises(job.BookmarkMismatchError, match="is for table glue_catalog.kyc_db.other_events, but this job reads glue_catalog.kyc_db.et_events"):
        # No SparkSession at all: the refusal comes first.
        job.run_with_job_metrics(lambda: job.run_job(None, config, deps), deps.metrics, deps.logger)

    assert counts(cloudwatch)["JobRunFailure"] == 1
    assert bookmarks.read().snapshot_id == 7
