"""
The job on a real local SparkSession (pyspark 3.5, Iceberg 1.7.1, `local[2]`) reading real Iceberg
tables and publishing from Spark's tasks to a moto server's Kinesis, SQS, DynamoDB (the bookmark)
and CloudWatch. Only the catalog differs from Glue (a Hadoop catalog in a temporary folder).

Every test makes its own stream, queue, bookmark table, metric namespace and Iceberg table; the
SparkSession and the moto server are shared by the session (see conftest.py).
"""
from __future__ import annotations

import json
import os
import sys
import types
import urllib.request
from collections import Counter

import pytest

import event_producer_job as job
from conftest import REGION, read_stream, receive_all
from helpers.bookmark import bookmark_key
from helpers.increment import BookmarkNotAncestorError
from spark_world import (
    BAD_KINDS,
    STAMPED,
    append,
    bad_row,
    bookmark_of,
    config_for,
    counts,
    create_table,
    current_snapshot,
    expected_event,
    good_row,
    last_counts,
    published,
    run,
)


# --- the tests --------------------------------------------------------------------------------


def test_every_good_row_is_published_once_every_bad_row_is_audited_and_the_six_counts_are_exact(world):
    rows = [good_row(i) for i in range(1, 2001)]
    rows[0] = {**good_row(1), "transactionId": "é" * 128}  # 128 code points (256 UTF-8 bytes) is allowed
    bad_positions = {i: kind for kind in range(len(BAD_KINDS)) for i in range(10 + kind, 2000, 200)}
    for i, kind in bad_positions.items():
        rows[i] = bad_row(i, kind)
    snapshot = create_table(world.spark, world.table, rows)

    summary, seen = run(world)

    assert seen == {"RecordsRead": 2000, "RecordsProcessed": 1900, "RecordsSucceeded": 1900, "RecordsFailed": 100, "JobRunSuccess": 1, "JobRunFailure": None}
    assert (summary.read, summary.processed, summary.succeeded, summary.failed) == (2000, 1900, 1900, 100)
    # Every good row exactly once, as the consumer must see it.
    events = published(world)
    good = [r for i, r in enumerate(rows) if i not in bad_positions]
    assert Counter(e["transactionId"] for e in events) == Counter(r["transactionId"] for r in good)
    by_id = {e["transactionId"]: e for e in events}
    for row in good:
        assert by_id[row["transactionId"]] == expected_event(row), row["transactionId"]
    raw = {r["PartitionKey"]: r["Data"] for r in read_stream(world.clients.kinesis, world.stream)}
    assert b'"amount":0.10' in raw["bbkyc-tt-TXN-00005"] and b'"amount":2.50' in raw["bbkyc-tt-TXN-00002"]
    # Every bad row audited FAILED once, with its reason, under its id or its data file and position.
    audits = [json.loads(body) for body in receive_all(world.clients.sqs, world.queue_url)]
    assert len(audits) == 100
    assert Counter(a["reason"] for a in audits) == Counter({reason: 10 for _, reason in BAD_KINDS})
    assert all(a["status"] == "FAILED" and a["component"] == "et-event-producer-glue" and a["occurredAt"] == STAMPED for a in audits)
    without_id = [a for a in audits if a["transactionId"].startswith("#record:")]
    assert len(without_id) == 50 and len({a["transactionId"] for a in without_id}) == 50
    for audit in without_id:
        data_file, position = audit["transactionId"].removeprefix("#record:").rsplit("#", 1)
        assert data_file == audit["attributes"]["file"] and data_file.endswith(".parquet")
        assert int(position) == audit["attributes"]["position"] >= 1
    assert {a["transactionId"] for a in audits if not a["transactionId"].startswith("#")} == {
        f"BAD-{i:05d}" for i, kind in bad_positions.items() if kind >= 5
    }
    assert bookmark_of(world) == snapshot


def test_only_rows_appended_since_the_last_run_are_published(world):
    first = create_table(world.spark, world.table, [good_row(i, "A") for i in range(200)])
    assert run(world)[1]["RecordsSucceeded"] == 200
    assert bookmark_of(world) == first

    second = append(world.spark, world.table, [good_row(i, "B") for i in range(300)])
    summary, seen = run(world)
    assert (seen["RecordsRead"], seen["RecordsSucceeded"], seen["RecordsFailed"]) == (300, 300, 0)
    assert {p["partition"] for p in summary.partitions} == {0, 1}
    assert bookmark_of(world) == second

    # No new snapshot: nothing read, nothing sent, zeros reported, the bookmark stays.
    summary, seen = run(world)
    assert summary.increment.kind == "up-to-date"
    assert (seen["RecordsRead"], seen["RecordsSucceeded"], seen["JobRunSuccess"]) == (0, 0, 1)
    assert bookmark_of(world) == second

    # Rows changed or removed in place are not sent again (Iceberg's incremental read sees appends);
    # the rows an UPDATE rewrote are named in the run's log as not published.
    world.spark.sql(f"DELETE FROM {world.table} WHERE transactionId IN ('A-00001', 'B-00002')")
    world.spark.sql(f"UPDATE {world.table} SET eventType = 'ET_CHANGED' WHERE transactionId IN ('A-00003', 'B-00004')")
    updated = current_snapshot(world.spark, world.table)
    third = append(world.spark, world.table, [good_row(i, "C") for i in range(10)])
    summary, seen = run(world)
    assert seen["RecordsSucceeded"] == 10
    assert bookmark_of(world) == third
    assert updated in [s["snapshot"] for s in summary.skipped_snapshots]
    assert third not in [s["snapshot"] for s in summary.skipped_snapshots]
    assert all(s["operation"] != "append" and s["addedRecords"] > 0 for s in summary.skipped_snapshots)
    assert Counter(Counter(e["transactionId"] for e in published(world)).values()) == Counter({1: 510})
    assert all(e["eventType"] == "ET_ALERT" for e in published(world))

    # A table rolled back behind the bookmark: the run refuses, says what to do, and records the failure.
    world.spark.sql(f"CALL glue_catalog.system.rollback_to_snapshot('{world.table.removeprefix('glue_catalog.')}', {first})")
    with pytest.raises(BookmarkNotAncestorError, match=f"snapshot {third} is not an ancestor"):
        run(world)
    assert last_counts(world)["JobRunFailure"] == 1
    assert bookmark_of(world) == third


def test_a_first_run_from_the_current_snapshot_publishes_only_what_comes_after(world):
    start = create_table(world.spark, world.table, [good_row(i, "OLD") for i in range(50)])

    summary, seen = run(world, first_run="from-current")
    assert (summary.increment.kind, seen["RecordsRead"], seen["RecordsSucceeded"]) == ("start-here", 0, 0)
    assert bookmark_of(world) == start

    append(world.spark, world.table, [good_row(i, "NEW") for i in range(20)])
    assert run(world, first_run="from-current")[1]["RecordsSucceeded"] == 20
    assert sorted(e["transactionId"] for e in published(world)) == [f"NEW-{i:05d}" for i in range(20)]


def test_a_run_that_loses_its_stream_midway_fails_keeps_the_bookmark_and_the_next_run_sends_every_row(world):
    rows = [good_row(i, "M") for i in range(1000)]
    create_table(world.spark, world.table, rows)
    # The emulator deletes the stream right after the second PutRecords call (100 records each).
    control = json.dumps({"stream": world.stream, "calls": 2}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{world.endpoint}/_test/delete-stream-after", data=control, method="POST"), timeout=5) as answer:
        assert answer.status == 200

    with pytest.raises(job.PartitionPublishError, match="4 of 4 partitions could not write.*ResourceNotFoundException") as raised:
        run(world, publish={"batch_records": 100}, publish_partitions=4)

    assert "the bookmark was not moved" in str(raised.value)
    failed_run = last_counts(world)
    # Exactly the two calls that got in are counted; which rows each partition had read depends on
    # which tasks made those calls, so Read is only bounded (and every row read was a valid event).
    assert (failed_run["RecordsSucceeded"], failed_run["RecordsFailed"], failed_run["JobRunSuccess"], failed_run["JobRunFailure"]) == (200, 0, None, 1)
    assert 200 < failed_run["RecordsRead"] == failed_run["RecordsProcessed"] < 1000
    assert bookmark_of(world) is None
    assert receive_all(world.clients.sqs, world.queue_url) == []  # nothing was called FAILED: it is retried instead

    # The stream is back: the next run sends every row, including the 200 the failed run had sent.
    world.clients.kinesis.create_stream(StreamName=world.stream, ShardCount=2)
    summary, seen = run(world, publish={"batch_records": 100}, publish_partitions=4)
    assert (seen["RecordsSucceeded"], seen["JobRunSuccess"]) == (1000, 1)
    assert Counter(e["transactionId"] for e in published(world)) == Counter(r["transactionId"] for r in rows)
    assert bookmark_of(world) == summary.increment.end_snapshot


def test_four_partitions_are_published_by_four_tasks_with_their_own_clients_off_the_driver(world):
    create_table(world.spark, world.table, [good_row(i, "P") for i in range(400)])

    summary, seen = run(world, publish_partitions=4)

    assert sorted(p["partition"] for p in summary.partitions) == [0, 1, 2, 3]
    assert all(p["succeeded"] > 0 and p["put_records_calls"] >= 1 and p["error"] is None for p in summary.partitions)
    assert sum(p["succeeded"] for p in summary.partitions) == seen["RecordsSucceeded"] == 400
    # The events went out from Spark's Python workers, not from the driver process.
    assert os.getpid() not in {p["pid"] for p in summary.partitions}
    assert len(published(world)) == 400


def test_a_table_with_numeric_ids_publishes_nothing_and_audits_every_row_with_the_type_named(world):
    schema = "transactionId BIGINT, customerId STRING, eventType STRING"
    create_table(world.spark, world.table, [{"transactionId": 100 + i, "customerId": f"C{i}", "eventType": "ET"} for i in range(5)], schema)

    _, seen = run(world)

    assert (seen["RecordsRead"], seen["RecordsProcessed"], seen["RecordsFailed"], seen["JobRunSuccess"]) == (5, 0, 5, 1)
    assert published(world) == []
    audits = [json.loads(body) for body in receive_all(world.clients.sqs, world.queue_url)]
    assert [a["reason"] for a in audits] == ["transactionId must be a non-empty string, got a number"] * 5
    assert all(a["transactionId"].startswith("#record:") for a in audits)


def test_main_wires_glue_to_the_job_and_commits_the_glue_job(world, monkeypatch):
    create_table(world.spark, world.table, [good_row(i, "G") for i in range(3)])
    calls = {"commit": 0}

    class Job:
        def __init__(self, glue_context):
            pass

        def init(self, name, job_args):
            calls["init"] = (name, job_args["JOB_RUN_ID"])

        def commit(self):
            calls["commit"] += 1

    glue_context = types.SimpleNamespace(spark_session=world.spark)
    fakes = {
        "awsglue": types.ModuleType("awsglue"),
        "awsglue.context": types.SimpleNamespace(GlueContext=lambda spark_context: glue_context),
        "awsglue.job": types.SimpleNamespace(Job=Job),
    }
    for name, module in fakes.items():
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setitem(sys.modules, "awsglue.utils", None)  # arguments parsed the non-Glue way
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.endpoint)  # the driver's clients, and passed on to the executors
    config = config_for(world)
    arguments = {
        "JOB_NAME": config.job_name, "STREAM_NAME": config.stream_name, "ICEBERG_TABLE": config.iceberg_table,
        "METRIC_NAMESPACE": config.metric_namespace, "ENVIRONMENT": "sit", "AUDIT_QUEUE_URL": config.audit_queue_url,
        "PARTITION_KEY_PREFIX": "bbkyc-tt-", "AUDIT_COMPONENT": "et-event-producer-glue", "BOOKMARK_TABLE": config.bookmark_table,
        "FIRST_RUN": "all", "PUBLISH_PARTITIONS": "0", "REGION": REGION, "JOB_RUN_ID": "jr_main",
    }

    summary = job.main(["event_producer_job.py", *[part for key, value in arguments.items() for part in (f"--{key}", value)]])

    assert (calls["init"], calls["commit"], summary.succeeded) == ((world.job_name, "jr_main"), 1, 3)
    assert sorted(e["transactionId"] for e in published(world)) == ["G-00000", "G-00001", "G-00002"]
    assert counts(world, config.metric_namespace)["JobRunSuccess"] == 1
    item = world.clients.dynamodb.get_item(TableName=world.bookmark_table, Key={"transactionId": {"S": bookmark_key(world.job_name)}})["Item"]
    assert item["runId"] == {"S": "jr_main"}
