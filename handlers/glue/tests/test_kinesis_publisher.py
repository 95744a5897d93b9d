from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from conftest import FlakyKinesis, create_stream, read_stream
from helpers.kinesis_publisher import MAX_BYTES_PER_CALL, KinesisPublisher, OutgoingRecord, StreamUnavailableError, batches


def record(i: int, size: int = 0) -> OutgoingRecord:
    body = {"transactionId": f"TXN-{i:06d}", "pad": "x" * size}
    return OutgoingRecord(f"TXN-{i:06d}", json.dumps(body).encode(), f"bbkyc-tt-TXN-{i:06d}")


class CountingKinesis:
    def __init__(self, real):
        self.real = real
        self.sizes: list[int] = []

    def put_records(self, **kwargs):
        self.sizes.append(len(kwargs["Records"]))
        return self.real.put_records(**kwargs)


def test_1201_records_go_out_in_calls_of_at_most_500_and_all_land_on_the_stream(kinesis):
    stream = create_stream(kinesis, "bbkyc-tt-event-stream-sit", shards=4)
    spy = CountingKinesis(kinesis)

    result = KinesisPublisher(spy, stream).publish([record(i) for i in range(1201)])

    assert spy.sizes == [500, 500, 201]
    assert (result.succeeded, result.failed, result.calls) == (1201, [], 3)
    landed = read_stream(kinesis, stream)
    assert len(landed) == 1201
    assert {r["PartitionKey"] for r in landed} == {f"bbkyc-tt-TXN-{i:06d}" for i in range(1201)}
    # The prefixed transaction id spreads the records over every shard.
    assert len({r["shard"] for r in landed}) == 4


def test_calls_are_also_cut_at_5_mib():
    big = [record(i, size=1_100_000) for i in range(11)]

    sizes = [len(b) for b in batches(big)]

    assert sizes == [4, 4, 3]
    assert all(sum(r.size for r in b) <= MAX_BYTES_PER_CALL for b in batches(big))


def test_only_the_rejected_entries_are_retried_with_backoff(kinesis):
    stream = create_stream(kinesis, "retry-stream")
    flaky = FlakyKinesis(kinesis, reject_keys={"bbkyc-tt-TXN-000003", "bbkyc-tt-TXN-000007"}, fail_calls=2)
    waits: list[float] = []

    result = KinesisPublisher(flaky, stream, sleep=waits.append, random=lambda: 1.0).publish([record(i) for i in range(10)])

    assert flaky.calls == [10, 2, 2]
    assert waits == [0.1, 0.2]
    assert (result.succeeded, result.retried_ok, result.failed) == (10, 2, [])
    # Nothing is published twice.
    assert len(read_stream(kinesis, stream)) == 10


def test_entries_still_rejected_after_every_attempt_come_back_with_the_reason(kinesis):
    stream = create_stream(kinesis, "exhausted-stream")
    flaky = FlakyKinesis(kinesis, reject_keys={"bbkyc-tt-TXN-000001"}, fail_calls=99)

    result = KinesisPublisher(flaky, stream, max_attempts=3, sleep=lambda _: None).publish([record(i) for i in range(3)])

    assert result.succeeded == 2
    assert [(r.audit_id, reason) for r, reason in result.failed] == [
        ("TXN-000001", "ProvisionedThroughputExceededException: Rate exceeded for shard")
    ]
    assert len(flaky.calls) == 3


def test_a_call_no_retry_can_fix_stops_at_once_and_names_the_error_instead_of_failing_the_records(kinesis):
    # The stream does not exist: ResourceNotFoundException. Before, the records came back as FAILED
    # (and were audited so) although Kinesis never looked at them; now the run fails and retries later.
    publisher = KinesisPublisher(kinesis, "no-such-stream", max_attempts=3, sleep=lambda _: None)

    with pytest.raises(StreamUnavailableError, match="PutRecords to no-such-stream failed: ResourceNotFoundException: .* not found") as raised:
        publisher.publish([record(1), record(2)])

    assert raised.value.code == "ResourceNotFoundException"
    assert raised.value.partial is not None and raised.value.partial.calls == 1


class ThrottledCalls:
    """Raises a whole-call throttling error for the first `failures` calls, then delegates."""

    def __init__(self, real, failures: int) -> None:
        self.real = real
        self.failures = failures
        self.calls = 0

    def put_records(self, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            raise ClientError({"Error": {"Code": "LimitExceededException", "Message": "Rate exceeded"}}, "PutRecords")
        return self.real.put_records(**kwargs)


def test_a_throttled_call_is_retried_whole_with_backoff(kinesis):
    stream = create_stream(kinesis, "throttled-stream")
    throttled = ThrottledCalls(kinesis, failures=2)
    waits: list[float] = []

    result = KinesisPublisher(throttled, stream, sleep=waits.append, random=lambda: 1.0).publish([record(i) for i in range(5)])

    assert (throttled.calls, waits, result.succeeded, result.failed) == (3, [0.1, 0.2], 5, [])
    assert len(read_stream(kinesis, stream)) == 5


def test_what_got_in_before_the_stream_stopped_answering_is_still_reported(kinesis):
    stream = create_stream(kinesis, "half-stream")

    class FailsAfterFirstCall(ThrottledCalls):
        def put_records(self, **kwargs):
            self.calls += 1
            if self.calls > 1:
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutRecords")
            return self.real.put_records(**kwargs)

    publisher = KinesisPublisher(FailsAfterFirstCall(kinesis, 0), stream, max_attempts=2, sleep=lambda _: None)

    with pytest.raises(StreamUnavailableError, match="failed after 2 attempts") as raised:
        publisher.publish([record(i) for i in range(501)])

    assert raised.value.partial is not None and raised.value.partial.succeeded == 500
    assert len(read_stream(kinesis, stream)) == 500
