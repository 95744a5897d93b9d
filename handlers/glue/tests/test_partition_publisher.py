"""One partition's publishing (what each Spark task runs) against moto, without Spark."""
from __future__ import annotations

import json

import pytest

from conftest import FlakyKinesis, create_stream, read_stream, receive_all
from helpers.json_log import JsonLogger
from helpers.partition_publisher import PartitionSummary, PublishSettings, SummaryList, publish_rows

STARTED = "2026-11-26T08:00:00.000Z"


def settings(stream: str, queue_url: str, **overrides) -> PublishSettings:
    values = dict(
        stream_name=stream,
        audit_queue_url=queue_url,
        table="glue_catalog.kyc_db.et_events",
        job_name="bbkyc-et-event-producer-sit",
        audit_component="et-event-producer-glue",
        partition_key_prefix="bbkyc-tt-",
        run_started_at=STARTED,
        snapshots="11..22",
    )
    values.update(overrides)
    return PublishSettings(**values)


def row(i: int, **overrides):
    base = {"transactionId": f"TXN-{i:05d}", "customerId": f"C{i}", "eventType": "ET_ALERT", "_file": "s3://lake/data/f1.parquet", "_pos": i}
    base.update(overrides)
    return base


@pytest.fixture
def infra(kinesis, sqs):
    return create_stream(kinesis, "tt-stream"), sqs.create_queue(QueueName="audit-queue")["QueueUrl"]


def test_a_partition_publishes_in_batches_audits_its_bad_rows_and_counts_everything(kinesis, sqs, infra):
    stream, queue_url = infra
    rows = [row(i) for i in range(250)]
    rows[3] = row(3, customerId=None)
    rows[7] = row(7, transactionId=None)
    flaky = FlakyKinesis(kinesis, reject_keys={"bbkyc-tt-TXN-00009"}, fail_calls=99)

    summary = publish_rows(rows, settings(stream, queue_url, batch_records=100, kinesis_max_attempts=2), kinesis=flaky, sqs=sqs, logger=JsonLogger("t", write=lambda _: None), partition=3, sleep=lambda _: None)

    assert (summary.partition, summary.read, summary.processed, summary.succeeded, summary.failed) == (3, 250, 248, 247, 3)
    assert (summary.audit_sent, summary.audit_undelivered, summary.error) == (3, 0, None)
    # 248 events in batches of at most 100; the rejected entry (in the first batch) is retried alone.
    assert flaky.calls == [100, 1, 100, 48]
    assert len(read_stream(kinesis, stream)) == 247
    audits = {a["transactionId"]: a for a in map(json.loads, receive_all(sqs, queue_url))}
    assert set(audits) == {"TXN-00003", "#record:s3://lake/data/f1.parquet#8", "TXN-00009"}
    assert audits["TXN-00003"]["reason"] == "customerId is missing"
    assert audits["#record:s3://lake/data/f1.parquet#8"]["attributes"] == {"source": "glue_catalog.kyc_db.et_events", "job": "bbkyc-et-event-producer-sit", "snapshots": "11..22", "file": "s3://lake/data/f1.parquet", "position": 8}
    assert audits["TXN-00009"]["reason"].startswith("not accepted by Kinesis after retries: ProvisionedThroughputExceededException")
    # Every audit event of the run carries the run's start, so a retried task sends identical events.
    assert {a["occurredAt"] for a in audits.values()} == {STARTED}


def test_rows_without_produced_at_get_the_runs_start(kinesis, sqs, infra):
    stream, queue_url = infra

    publish_rows([row(1)], settings(stream, queue_url), kinesis=kinesis, sqs=sqs, logger=JsonLogger("t", write=lambda _: None))

    assert json.loads(read_stream(kinesis, stream)[0]["Data"])["producedAt"] == STARTED


def test_a_stream_that_is_gone_stops_the_partition_with_the_error_and_audits_only_bad_rows(kinesis, sqs, infra):
    _, queue_url = infra
    rows = [row(1, eventType=""), *[row(i) for i in range(2, 30)]]
    lines: list[str] = []

    summary = publish_rows(rows, settings("deleted-stream", queue_url, batch_records=10), kinesis=kinesis, sqs=sqs, logger=JsonLogger("t", write=lines.append), sleep=lambda _: None)

    assert summary.error_code == "ResourceNotFoundException"
    assert summary.error is not None and "deleted-stream" in summary.error
    # It stopped at its first call: 11 rows read (1 bad + 10 events), nothing published, only the bad row audited.
    assert (summary.read, summary.processed, summary.succeeded, summary.failed, summary.put_records_calls) == (11, 10, 0, 1, 1)
    assert [json.loads(b)["transactionId"] for b in receive_all(sqs, queue_url)] == ["TXN-00001"]
    assert json.loads(lines[-1])["message"] == "partition stopped: the stream cannot be written"


def test_summaries_are_collected_by_the_accumulator_parameter():
    param = SummaryList()
    total = param.addInPlace(param.zero([]), [PartitionSummary(partition=0, read=2).to_dict()])
    total = param.addInPlace(total, [PartitionSummary(partition=1, read=3).to_dict()])

    assert [(s["partition"], s["read"]) for s in total] == [(0, 2), (1, 3)]
