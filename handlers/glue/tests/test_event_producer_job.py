"""
The job script end to end against moto, with Spark and awsglue replaced by small fakes (Glue's
libraries are not installable outside Glue): the fakes stand in for the table read only; the
publishing, auditing and metrics are the real code against the emulated services.
"""
from __future__ import annotations

import json
import sys
import types
from datetime import datetime, timezone

import pytest

import event_producer_job as job
from conftest import FlakyKinesis, create_stream, metric_sum, read_stream, receive_all
from helpers.audit import AuditSender
from helpers.json_log import JsonLogger
from helpers.kinesis_publisher import KinesisPublisher
from helpers.metrics import JobMetrics

NAMESPACE = "bbkyc/et-event-producer-glue-publisher/sit"
TABLE = "glue_catalog.kyc_db.et_events"
WHEN = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)


def row(i: int, **overrides):
    base = {"transactionId": f"TXN-{i:05d}", "customerId": f"C{i}", "eventType": "ET_ALERT", "riskRating": "LOW", "payload": {"n": i}}
    base.update(overrides)
    return base


def args(stream: str, queue_url: str) -> dict[str, str]:
    return {
        "JOB_NAME": "bbkyc-et-event-producer-sit",
        "STREAM_NAME": stream,
        "ICEBERG_TABLE": TABLE,
        "METRIC_NAMESPACE": NAMESPACE,
        "ENVIRONMENT": "sit",
        "AUDIT_QUEUE_URL": queue_url,
        "PARTITION_KEY_PREFIX": "bbkyc-tt-",
        "AUDIT_COMPONENT": "et-event-producer-glue",
    }


def argv(values: dict[str, str]) -> list[str]:
    out = ["event_producer_job.py"]
    for key, value in values.items():
        out += [f"--{key}", value]
    return out


@pytest.fixture
def infra(kinesis, sqs, cloudwatch):
    stream = create_stream(kinesis, "bbkyc-tt-event-stream-sit", shards=2)
    queue_url = sqs.create_queue(QueueName="bbkyc-audit-queue-sit")["QueueUrl"]
    return types.SimpleNamespace(kinesis=kinesis, sqs=sqs, cloudwatch=cloudwatch, stream=stream, queue_url=queue_url)


def deps_for(infra, kinesis_client=None, log_lines=None):
    return job.JobDeps(
        publisher=KinesisPublisher(kinesis_client or infra.kinesis, infra.stream, sleep=lambda _: None),
        audit=AuditSender(infra.sqs, infra.queue_url, sleep=lambda _: None),
        metrics=JobMetrics(infra.cloudwatch, NAMESPACE, "sit"),
        logger=JsonLogger("test", write=(log_lines.append if log_lines is not None else lambda _: None)),
        now=lambda: WHEN,
    )


def counts(cloudwatch) -> dict[str, float | None]:
    names = ("RecordsRead", "RecordsProcessed", "RecordsSucceeded", "RecordsFailed", "JobRunSuccess", "JobRunFailure")
    return {name: metric_sum(cloudwatch, NAMESPACE, name, "sit") for name in names}


def test_rows_are_published_failures_audited_and_every_count_recorded(infra):
    rows = [row(i) for i in range(1, 1101)]
    rows[9] = row(10, customerId=None)
    rows[19] = row(20, transactionId=12345)
    flaky = FlakyKinesis(infra.kinesis, reject_keys={"bbkyc-tt-TXN-00050"}, fail_calls=99)
    config = job.JobConfig.from_args(args(infra.stream, infra.queue_url))
    deps = deps_for(infra, kinesis_client=flaky)

    summary = job.run_with_job_metrics(lambda: job.publish_rows(iter(rows), config, deps), deps.metrics, deps.logger)

    assert (summary.read, summary.processed, summary.succeeded, summary.failed) == (1100, 1098, 1097, 3)
    landed = read_stream(infra.kinesis, infra.stream)
    assert len(landed) == 1097
    first = next(json.loads(r["Data"]) for r in landed if r["PartitionKey"] == "bbkyc-tt-TXN-00001")
    assert first == {**row(1), "producedAt": "2026-11-26T08:00:00.000Z"}
    audits = {a["transactionId"]: a for a in map(json.loads, receive_all(infra.sqs, infra.queue_url))}
    assert set(audits) == {"TXN-00010", f"{TABLE}#20", "TXN-00050"}
    assert audits["TXN-00010"]["reason"] == "customerId is missing"
    assert audits[f"{TABLE}#20"]["reason"] == "transactionId must be a string, got number"
    assert audits["TXN-00050"]["reason"].startswith("not accepted by Kinesis after retries: ProvisionedThroughputExceeded")
    assert all(a["status"] == "FAILED" and a["component"] == "et-event-producer-glue" for a in audits.values())
    assert counts(infra.cloudwatch) == {
        "RecordsRead": 1100,
        "RecordsProcessed": 1098,
        "RecordsSucceeded": 1097,
        "RecordsFailed": 3,
        "JobRunSuccess": 1,
        "JobRunFailure": None,
    }


def test_job_run_failure_is_flushed_before_the_exception_leaves(infra):
    config = job.JobConfig.from_args(args(infra.stream, infra.queue_url))
    deps = deps_for(infra)
    seen_when_raising = {}

    def rows_then_crash():
        yield row(1)
        yield row(2)
        raise RuntimeError("S3 read timed out on data file 00017.parquet")

    with pytest.raises(RuntimeError, match="00017.parquet") as raised:
        try:
            job.run_with_job_metrics(lambda: job.publish_rows(rows_then_crash(), config, deps), deps.metrics, deps.logger)
        except RuntimeError:
            # Still inside the re-raise: CloudWatch must already hold the failure.
            seen_when_raising.update(counts(infra.cloudwatch))
            raise

    assert raised.value.args[0].startswith("S3 read timed out")
    assert seen_when_raising["JobRunFailure"] == 1
    assert seen_when_raising["JobRunSuccess"] is None
    # What was read before the crash is reported too.
    assert seen_when_raising["RecordsRead"] == 2


def test_a_metrics_outage_does_not_hide_the_real_error(infra):
    class Down:
        def put_metric_data(self, **_):
            raise ConnectionError("monitoring endpoint down")

    lines: list[str] = []
    logger = JsonLogger("test", write=lines.append)
    metrics = JobMetrics(Down(), NAMESPACE, "sit")

    def boom():
        raise ValueError("Iceberg table kyc_db.et_events not found")

    with pytest.raises(ValueError, match="not found"):
        job.run_with_job_metrics(boom, metrics, logger)
    logged = [json.loads(line) for line in lines]
    assert [entry["message"] for entry in logged] == ["job run failed", "metrics could not be sent"]
    assert logged[1]["pending"] == {"JobRunFailure": 1}


def test_undelivered_audit_events_fail_the_run(infra):
    config = job.JobConfig.from_args({**args(infra.stream, infra.queue_url), "AUDIT_QUEUE_URL": infra.queue_url + "-gone"})
    deps = deps_for(infra)
    deps.audit = AuditSender(infra.sqs, config.audit_queue_url, max_attempts=1)

    with pytest.raises(job.AuditDeliveryError, match="1 FAILED audit events could not be sent"):
        job.run_with_job_metrics(lambda: job.publish_rows([row(1, eventType="")], config, deps), deps.metrics, deps.logger)
    assert counts(infra.cloudwatch)["JobRunFailure"] == 1


def test_missing_job_arguments_are_named():
    with pytest.raises(ValueError, match="--STREAM_NAME, --AUDIT_QUEUE_URL"):
        job.JobConfig.from_args({**args("s", "q"), "STREAM_NAME": "", "AUDIT_QUEUE_URL": ""})


# --- main() with Spark and awsglue faked ------------------------------------------------------


class FakeRow:
    def __init__(self, values):
        self.values = values

    def asDict(self, recursive=False):  # noqa: N802 (Spark's name)
        assert recursive, "nested structs must come out as dicts"
        return dict(self.values)


def install_fake_glue(monkeypatch, table_rows=None, table_error=None):
    calls = {"commit": 0, "table": []}

    class FakeSession:
        def table(self, name):
            calls["table"].append(name)
            if table_error is not None:
                raise table_error
            return types.SimpleNamespace(toLocalIterator=lambda: iter(FakeRow(r) for r in table_rows))

    class GlueContext:
        def __init__(self, spark_context):
            self.spark_session = FakeSession()

    class Job:
        def __init__(self, glue_context):
            pass

        def init(self, name, job_args):
            calls["init"] = name

        def commit(self):
            calls["commit"] += 1

    def get_resolved_options(argv_list, names):
        values = dict(zip(argv_list[1::2], argv_list[2::2]))
        return {name: values[f"--{name}"] for name in names}

    modules = {
        "awsglue": types.ModuleType("awsglue"),
        "awsglue.utils": types.SimpleNamespace(getResolvedOptions=get_resolved_options),
        "awsglue.context": types.SimpleNamespace(GlueContext=GlueContext),
        "awsglue.job": types.SimpleNamespace(Job=Job),
        "pyspark": types.ModuleType("pyspark"),
        "pyspark.context": types.SimpleNamespace(SparkContext=types.SimpleNamespace(getOrCreate=lambda: object())),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return calls


def test_main_reads_the_configured_table_and_commits_the_glue_job(infra, monkeypatch):
    calls = install_fake_glue(monkeypatch, table_rows=[row(1), row(2), row(3, riskRating="EXTREME")])

    summary = job.main(argv(args(infra.stream, infra.queue_url)))

    assert calls["table"] == [TABLE]
    assert calls["init"] == "bbkyc-et-event-producer-sit" and calls["commit"] == 1
    assert (summary.read, summary.succeeded, summary.failed) == (3, 2, 1)
    assert counts(infra.cloudwatch)["JobRunSuccess"] == 1


def test_main_records_job_run_failure_when_spark_cannot_read_the_table(infra, monkeypatch):
    calls = install_fake_glue(monkeypatch, table_error=RuntimeError("Table or view not found: glue_catalog.kyc_db.et_events"))

    with pytest.raises(RuntimeError, match="Table or view not found"):
        job.main(argv(args(infra.stream, infra.queue_url)))

    assert calls["commit"] == 0
    assert counts(infra.cloudwatch)["JobRunFailure"] == 1
    assert counts(infra.cloudwatch)["JobRunSuccess"] is None


def test_outside_glue_the_same_arguments_are_parsed_without_awsglue(monkeypatch):
    monkeypatch.setitem(sys.modules, "awsglue.utils", None)

    parsed = job.parse_args(argv(args("stream", "https://queue")) + ["--extra", "ignored"])

    assert parsed == args("stream", "https://queue")
