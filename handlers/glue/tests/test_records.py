from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from helpers.records import KINESIS_MAX_RECORD_BYTES, is_iso_time, to_event

FIXED_NOW = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)


def convert(row, position=1, prefix="bbkyc-tt-"):
    return to_event(row, source="glue_catalog.kyc_db.et_events", position=position, partition_key_prefix=prefix, now=lambda: FIXED_NOW)


def valid_row(**overrides):
    row = {
        "transactionId": "TXN-000123",
        "customerId": "C00123",
        "eventType": "KYC_REVIEW",
        "producedAt": "2026-11-26T07:59:00Z",
        "riskRating": "HIGH",
        "payload": {"name": "Ada", "country": "GB"},
    }
    row.update(overrides)
    return row


def test_a_valid_row_becomes_the_platform_record_with_a_prefixed_partition_key():
    outcome = convert(valid_row())

    assert outcome.ok
    assert outcome.audit_id == "TXN-000123"
    assert outcome.partition_key == "bbkyc-tt-TXN-000123"
    assert json.loads(outcome.data) == valid_row()


def test_extra_columns_are_not_published():
    outcome = convert(valid_row(internal_load_id=7, _etl_ts="x"))

    assert set(json.loads(outcome.data)) == {"transactionId", "customerId", "eventType", "producedAt", "riskRating", "payload"}


def test_missing_produced_at_is_stamped_and_optional_nulls_are_left_out():
    outcome = convert(valid_row(producedAt=None, riskRating=None, payload=None))

    event = json.loads(outcome.data)
    assert event["producedAt"] == "2026-11-26T08:00:00.000Z"
    assert "riskRating" not in event and "payload" not in event


def test_spark_values_are_written_as_json_without_losing_digits():
    row = valid_row(producedAt=datetime(2026, 1, 2, 3, 4, 5), payload={"amount": Decimal("1234567890.123456789"), "day": datetime(2026, 1, 2).date()})

    event = json.loads(convert(row).data)

    assert event["producedAt"] == "2026-01-02T03:04:05.000Z"
    assert event["payload"] == {"amount": "1234567890.123456789", "day": "2026-01-02"}


def test_a_payload_stored_as_a_json_string_column_is_parsed_when_it_is_an_object():
    assert json.loads(convert(valid_row(payload='{"country": "GB"}')).data)["payload"] == {"country": "GB"}
    assert convert(valid_row(payload="[1, 2]")).reason == "payload must be an object, got JSON array"
    assert convert(valid_row(payload="not json")).reason == "payload is a string that is not JSON"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"customerId": None}, "customerId is missing"),
        ({"customerId": "   "}, "customerId is blank"),
        ({"eventType": 5}, "eventType must be a string, got number"),
        ({"riskRating": "CRITICAL"}, "riskRating must be one of LOW, MEDIUM, HIGH, got 'CRITICAL'"),
        ({"riskRating": "low"}, "riskRating must be one of LOW, MEDIUM, HIGH, got 'low'"),
        ({"producedAt": "yesterday"}, "producedAt is not an ISO-8601 time: 'yesterday'"),
        ({"producedAt": 1764144000}, "producedAt must be an ISO-8601 string, got number"),
        ({"payload": [1, 2]}, "payload must be an object, got array"),
        ({"payload": {"blob": b"\x00"}}, "payload cannot be written as JSON: bytes is not a JSON value"),
    ],
)
def test_invalid_values_are_rejected_with_a_reason_under_the_transaction_id(overrides, reason):
    outcome = convert(valid_row(**overrides))

    assert not outcome.ok
    assert outcome.data is None
    assert outcome.audit_id == "TXN-000123"
    assert outcome.reason == reason


@pytest.mark.parametrize(
    ("transaction_id", "reason"),
    [
        (None, "transactionId is missing"),
        ("", "transactionId is blank"),
        (123, "transactionId must be a string, got number"),
        ("T" * 129, "transactionId is longer than 128 characters"),
    ],
)
def test_a_row_without_a_usable_transaction_id_is_audited_under_table_and_row_number(transaction_id, reason):
    outcome = convert(valid_row(transactionId=transaction_id), position=42)

    assert outcome.audit_id == "glue_catalog.kyc_db.et_events#42"
    assert outcome.reason == reason


def test_an_event_over_the_kinesis_record_limit_is_rejected_not_sent():
    outcome = convert(valid_row(payload={"text": "x" * KINESIS_MAX_RECORD_BYTES}))

    assert outcome.reason is not None and outcome.reason.startswith("event is ")
    assert "Kinesis accepts at most 1048576" in outcome.reason


def test_a_row_that_is_not_a_mapping_is_rejected():
    assert convert(["TXN-1"], position=3).reason == "row is not a record of named columns"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2026-11-26T08:00:00Z", True),
        ("2026-11-26T08:00:00.123456789+01:00", True),
        ("2026-11-26 08:00", True),
        ("2026-11-26", True),
        ("2026-11-26T08:00:00+0100", True),
        ("2026-13-26T08:00:00Z", False),
        ("26/11/2026", False),
        ("2026-11-26T25:00:00Z", False),
    ],
)
def test_iso_times_are_checked_the_same_on_python_3_10_and_later(text, ok):
    assert is_iso_time(text) is ok
