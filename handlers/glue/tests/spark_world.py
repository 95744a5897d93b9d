"""
What the Spark tests share: rows of the test tables (good ones, and bad ones a typed table can hold,
with the reason each must be audited with), the Iceberg table helpers, and a `World` of one test's
own AWS resources in the moto server with a way to run the job against it as main() does.
"""
from __future__ import annotations

import json
import math
import types
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import event_producer_job as job
from conftest import REGION, emulator_client, metric_sum, read_stream
from helpers.bookmark import BookmarkStore, bookmark_key
from helpers.json_log import JsonLogger
from helpers.metrics import JobMetrics

WHEN = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
STAMPED = "2026-11-26T08:00:00.000Z"
SCHEMA = (
    "transactionId STRING, customerId STRING, eventType STRING, producedAt TIMESTAMP, riskRating STRING, "
    "payload STRUCT<name: STRING, country: STRING, amount: DECIMAL(18,2), openedAt: TIMESTAMP, birthDate: DATE, "
    "score: DOUBLE, tags: ARRAY<STRING>, address: STRUCT<line1: STRING, postcode: STRING>, note: STRING>, loadedBy STRING"
)
COUNTS = ("RecordsRead", "RecordsProcessed", "RecordsSucceeded", "RecordsFailed", "JobRunSuccess", "JobRunFailure")


# --- rows ------------------------------------------------------------------------------------


def good_row(i: int, prefix: str = "TXN") -> dict:
    return {
        "transactionId": f"{prefix}-{i:05d}",
        "customerId": f"C{i}",
        "eventType": "ET_ALERT",
        "producedAt": None if i % 7 == 0 else WHEN + timedelta(seconds=i, microseconds=123_000),
        "riskRating": (None, "LOW", "MEDIUM", "HIGH")[i % 4],
        "payload": None
        if i % 11 == 0
        else {
            "name": f"Customer {i}",
            "country": "GB",
            "amount": Decimal("0.10") if i % 5 == 0 else Decimal(f"{i}.50"),
            "openedAt": datetime(2020, 1, 1, 23, 30, tzinfo=timezone.utc) + timedelta(days=i),
            "birthDate": date(1990, 5, 17),
            "score": i / 10,
            "tags": ["kyc", "et"] if i % 2 else [],
            "address": {"line1": f"{i} High Street", "postcode": None},
            "note": None,
        },
        "loadedBy": "etl-batch-7",
    }


def expected_event(row: dict) -> dict:
    """What the consumer must receive for a good row: UTC timestamps with milliseconds, exact
    decimals, nested structs as objects, nulls kept inside the payload, extra columns dropped."""
    event = {
        "transactionId": row["transactionId"],
        "customerId": row["customerId"],
        "eventType": row["eventType"],
        "producedAt": STAMPED if row["producedAt"] is None else iso(row["producedAt"]),
    }
    if row["riskRating"] is not None:
        event["riskRating"] = row["riskRating"]
    if row["payload"] is not None:
        payload = dict(row["payload"])
        payload["openedAt"] = iso(payload["openedAt"])
        payload["birthDate"] = payload["birthDate"].isoformat()
        payload["score"] = Decimal(repr(payload["score"]))
        event["payload"] = payload
    return event


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Bad rows a typed table can hold, each with the reason the audit trail must show.
BAD_KINDS = [
    ({"transactionId": None}, "transactionId is missing"),
    ({"transactionId": "   "}, "transactionId is blank"),
    ({"transactionId": "#TXN-RESERVED"}, "transactionId starts with '#', which is reserved for the audit trail's own keys"),
    ({"transactionId": "TXN-\u0007-BELL"}, "transactionId contains a control character (U+0007 at character 5)"),
    ({"transactionId": "T" * 129}, "transactionId is 129 characters; at most 128 are allowed"),
    ({"customerId": None}, "customerId is missing"),
    ({"customerId": "C\u0000X"}, "customerId contains a control character (U+0000 at character 2)"),
    ({"eventType": ""}, "eventType must be a non-empty string, got a blank string"),
    ({"riskRating": "EXTREME"}, 'riskRating "EXTREME" is not one of LOW, MEDIUM, HIGH'),
    ({"payload": "nan"}, "payload.score is nan, a number JSON cannot carry"),
]


def bad_row(i: int, kind: int) -> dict:
    overrides, _ = BAD_KINDS[kind]
    row = good_row(i, prefix="BAD")
    if "payload" in overrides:
        row["payload"] = {**good_row(1)["payload"], "score": math.nan}
    else:
        row.update(overrides)
    return row


def create_table(spark, name: str, rows: list[dict], schema: str = SCHEMA) -> int:
    # The rows are built to fit the schema; checking each one again in Python only costs time.
    spark.createDataFrame(rows, schema, verifySchema=False).writeTo(name).using("iceberg").create()
    return current_snapshot(spark, name)


def append(spark, name: str, rows: list[dict], schema: str = SCHEMA) -> int:
    spark.createDataFrame(rows, schema, verifySchema=False).writeTo(name).append()
    return current_snapshot(spark, name)


def current_snapshot(spark, name: str) -> int:
    return int(spark.sql(f"SELECT snapshot_id FROM {name}.refs WHERE name = 'main'").collect()[0][0])


# --- one test's own AWS resources and job -----------------------------------------------------


def make_world(moto_endpoint: str, spark) -> types.SimpleNamespace:
    suffix = uuid.uuid4().hex[:10]
    clients = types.SimpleNamespace(**{s: emulator_client(moto_endpoint, s) for s in ("kinesis", "sqs", "dynamodb", "cloudwatch")})
    stream = f"tt-stream-{suffix}"
    clients.kinesis.create_stream(StreamName=stream, ShardCount=2)
    queue_url = clients.sqs.create_queue(QueueName=f"audit-{suffix}")["QueueUrl"]
    bookmark_table = f"audit-trail-{suffix}"
    clients.dynamodb.create_table(
        TableName=bookmark_table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "transactionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "transactionId", "KeyType": "HASH"}],
    )
    return types.SimpleNamespace(
        endpoint=moto_endpoint,
        spark=spark,
        clients=clients,
        stream=stream,
        queue_url=queue_url,
        bookmark_table=bookmark_table,
        table=f"glue_catalog.kyc_db.et_events_{suffix}",
        job_name=f"bbkyc-et-event-producer-{suffix}",
        namespace=f"bbkyc/et-event-producer-glue-publisher/{suffix}",
        runs=0,
        log=[],
    )


def config_for(world, **overrides) -> job.JobConfig:
    values = {
        "job_name": world.job_name,
        "stream_name": world.stream,
        "iceberg_table": world.table,
        "metric_namespace": f"{world.namespace}/run-{world.runs}",
        "environment": "sit",
        "audit_queue_url": world.queue_url,
        "partition_key_prefix": "bbkyc-tt-",
        "audit_component": "et-event-producer-glue",
        "bookmark_table": world.bookmark_table,
        "first_run": "all",
        "publish_partitions": 0,
        "region": REGION,
        "run_id": f"jr_{world.runs}",
    }
    values.update(overrides)
    return job.JobConfig(**values)


def run(world, publish=None, **overrides):
    """One job run as main() does it, with its own metric namespace: returns (summary, counts)."""
    world.runs += 1
    config = config_for(world, **overrides)
    deps = job.JobDeps(
        metrics=JobMetrics(world.clients.cloudwatch, config.metric_namespace, "sit"),
        bookmarks=BookmarkStore(world.clients.dynamodb, world.bookmark_table, world.job_name),
        logger=JsonLogger("test", write=world.log.append),
        region=REGION,
        endpoint_url=world.endpoint,
        now=lambda: WHEN,
        publish_overrides=publish or {},
    )
    summary = job.run_with_job_metrics(lambda: job.run_job(world.spark, config, deps), deps.metrics, deps.logger)
    return summary, counts(world, config.metric_namespace)


def counts(world, namespace: str) -> dict:
    return {name: metric_sum(world.clients.cloudwatch, namespace, name, "sit") for name in COUNTS}


def last_counts(world) -> dict:
    return counts(world, f"{world.namespace}/run-{world.runs}")


def published(world) -> list[dict]:
    return [json.loads(r["Data"], parse_float=Decimal) for r in read_stream(world.clients.kinesis, world.stream)]


def bookmark_of(world) -> int | None:
    item = world.clients.dynamodb.get_item(TableName=world.bookmark_table, Key={"transactionId": {"S": bookmark_key(world.job_name)}}).get("Item")
    return int(item["snapshotId"]["S"]) if item else None


