"""
Shared fixtures: the helpers and the job script are imported the way Glue sees them (the
`handlers/glue` folder on the path, `helpers` as a package), and AWS is moto — in-process for the
unit tests, a one-request-at-a-time moto server for the Spark tests — with fake credentials, so no
test can reach a real account.

The whole session runs in a time zone that is not UTC (India, +05:30, no daylight saving): PySpark
hands TIMESTAMP values out in the local time of the process, and a conversion that assumed UTC would
be off by 5 h 30 min here instead of passing by luck.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

sys.dont_write_bytecode = True
GLUE_DIR = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent
if str(GLUE_DIR) not in sys.path:
    sys.path.insert(0, str(GLUE_DIR))

REGION = "eu-west-1"
SESSION_TIME_ZONE = "Asia/Kolkata"

# Before any JVM or Python worker starts: they inherit this environment.
os.environ["TZ"] = SESSION_TIME_ZONE
time.tzset()
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_SECURITY_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION})


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server of the session's own that serves one request at a time (serial_moto_server.py)."""
    server = subprocess.Popen(
        [sys.executable, str(TESTS_DIR / "serial_moto_server.py")],
        stdin=subprocess.PIPE,  # its lifeline: closed when this session ends, however it ends
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"the serial moto server did not start (exit code {server.poll()})")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def spark():
    """ONE local SparkSession for the whole test session (a JVM start costs seconds), two cores."""
    from spark_support import build_session, helpers_zip

    with tempfile.TemporaryDirectory(prefix="glue-job-tests-") as folder:
        session = build_session("local[2]", Path(folder) / "warehouse")
        session.sparkContext.addPyFile(str(helpers_zip(Path(folder))))
        try:
            yield session
        finally:
            session.stop()


@pytest.fixture
def world(moto_endpoint, spark):
    """One Spark test's own stream, queue, bookmark table, metric namespace and Iceberg table name."""
    from spark_world import make_world

    return make_world(moto_endpoint, spark)


def emulator_client(endpoint: str, service: str):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


@pytest.fixture
def kinesis(aws):
    return boto3.client("kinesis", region_name=REGION)


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def cloudwatch(aws):
    return boto3.client("cloudwatch", region_name=REGION)


def create_stream(kinesis, name: str, shards: int = 2) -> str:
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return name


def read_stream(kinesis, name: str) -> list[dict]:
    """Every record in the stream, all shards, oldest first per shard."""
    records = []
    for shard in kinesis.list_shards(StreamName=name)["Shards"]:
        iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")[
            "ShardIterator"
        ]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
            records.extend({"shard": shard["ShardId"], **r} for r in page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records


def receive_all(sqs, queue_url: str) -> list[str]:
    bodies = []
    while True:
        page = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        messages = page.get("Messages", [])
        if not messages:
            return bodies
        bodies.extend(m["Body"] for m in messages)


def metric_sum(cloudwatch, namespace: str, name: str, environment: str) -> float | None:
    """Sum of one metric over the last day, or None when it was never sent."""
    now = datetime.now(timezone.utc)
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": "Environment", "Value": environment}],
        StartTime=now - timedelta(days=1),
        EndTime=now + timedelta(minutes=5),
        Period=86400,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points) if points else None


class FlakyKinesis:
    """Wraps a real (moto) client; the first `fail_calls` PutRecords calls reject the entries whose
    partition key is in `reject_keys` (as a throttled shard would), the rest go through for real."""

    def __init__(self, real, reject_keys: set[str], fail_calls: int) -> None:
        self.real = real
        self.reject_keys = reject_keys
        self.fail_calls = fail_calls
        self.calls: list[int] = []

    def put_records(self, StreamName: str, Records: list[dict]) -> dict:
        self.calls.append(len(Records))
        if len(self.calls) > self.fail_calls:
            return self.real.put_records(StreamName=StreamName, Records=Records)
        accepted = [r for r in Records if r["PartitionKey"] not in self.reject_keys]
        answer = iter(self.real.put_records(StreamName=StreamName, Records=accepted)["Records"] if accepted else [])
        entries = []
        for r in Records:
            if r["PartitionKey"] in self.reject_keys:
                entries.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded for shard"})
            else:
                entries.append(next(answer))
        return {"FailedRecordCount": sum(1 for e in entries if "ErrorCode" in e), "Records": entries}
