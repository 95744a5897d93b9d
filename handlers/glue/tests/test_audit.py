from __future__ import annotations

import json
from datetime import datetime, timezone

from conftest import receive_all
from helpers.audit import MAX_REASON_LENGTH, AuditSender, failed_event, validate_audit_event

WHEN = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)


def event(i: int, reason: str = "customerId is missing") -> dict:
    return failed_event(f"TXN-{i}", reason, component="et-event-producer-glue", occurred_at=WHEN, attributes={"row": i})


class CountingSqs:
    def __init__(self, real, fail_ids_first_call: set[str] | None = None):
        self.real = real
        self.sizes: list[int] = []
        self.fail_ids_first_call = fail_ids_first_call or set()

    def send_message_batch(self, QueueUrl, Entries):
        self.sizes.append(len(Entries))
        if len(self.sizes) == 1 and self.fail_ids_first_call:
            keep = [e for e in Entries if e["Id"] not in self.fail_ids_first_call]
            answer = self.real.send_message_batch(QueueUrl=QueueUrl, Entries=keep)
            failed = [{"Id": i, "Code": "InternalError", "Message": "try again", "SenderFault": False} for i in self.fail_ids_first_call]
            return {"Successful": answer.get("Successful", []), "Failed": failed}
        return self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)


def test_failed_events_keep_the_audit_contract():
    e = event(1)

    assert validate_audit_event(e) is None
    assert e == {
        "transactionId": "TXN-1",
        "status": "FAILED",
        "reason": "customerId is missing",
        "component": "et-event-producer-glue",
        "occurredAt": "2026-11-26T08:00:00.000Z",
        "attributes": {"row": 1},
    }


def test_long_reasons_are_cut_to_the_contract_limit_keeping_their_start():
    e = event(1, reason="Kinesis said: " + "x" * 5000)

    assert len(e["reason"]) == MAX_REASON_LENGTH
    assert e["reason"].startswith("Kinesis said: ") and e["reason"].endswith("…")


def test_23_events_go_out_10_per_call_and_arrive_as_json(sqs):
    queue_url = sqs.create_queue(QueueName="bbkyc-audit-queue-sit")["QueueUrl"]
    spy = CountingSqs(sqs)

    result = AuditSender(spy, queue_url).send([event(i) for i in range(23)])

    assert spy.sizes == [10, 10, 3]
    assert (result.sent, result.failed, result.calls) == (23, [], 3)
    bodies = [json.loads(b) for b in receive_all(sqs, queue_url)]
    assert sorted(b["transactionId"] for b in bodies) == sorted(f"TXN-{i}" for i in range(23))
    assert all(validate_audit_event(b) is None and b["status"] == "FAILED" for b in bodies)


def test_only_entries_sqs_refused_are_sent_again(sqs):
    queue_url = sqs.create_queue(QueueName="audit-retry")["QueueUrl"]
    spy = CountingSqs(sqs, fail_ids_first_call={"2", "5"})
    waits: list[float] = []

    result = AuditSender(spy, queue_url, sleep=waits.append, random=lambda: 0.5).send([event(i) for i in range(8)])

    assert spy.sizes == [8, 2]
    assert waits == [0.05]
    assert result.sent == 8 and result.failed == []
    assert len(receive_all(sqs, queue_url)) == 8


def test_undeliverable_and_contract_breaking_events_are_returned_not_dropped(sqs):
    broken = {**event(1), "reason": ""}

    result = AuditSender(sqs, "https://sqs.eu-west-1.amazonaws.com/123456789012/missing", max_attempts=2, sleep=lambda _: None).send(
        [broken, event(2)]
    )

    reasons = dict((e["transactionId"], r) for e, r in result.failed)
    assert reasons["TXN-1"] == "audit event breaks the contract: a FAILED event needs a reason"
    assert reasons["TXN-2"].startswith("audit queue did not accept the event: ")
    assert result.sent == 0 and result.calls == 2


def test_validation_rules_match_the_typescript_contract():
    assert validate_audit_event([]) == "audit event is not a JSON object"
    assert validate_audit_event({**event(1), "status": "DONE"}) == 'status must be one of RECEIVED, PUBLISHED, PROCESSED, FAILED, got "DONE"'
    assert validate_audit_event({**event(1), "transactionId": "x" * 1101}) == "transactionId is longer than 1100 characters"
    assert validate_audit_event({**event(1), "component": ""}) == "component is missing or blank"
    assert validate_audit_event({**event(1), "occurredAt": "soon"}) == "occurredAt is not an ISO-8601 time"
    assert validate_audit_event({**event(1), "attributes": {"a": [1]}}) == "attribute a must be a string, number or boolean"
