"""The record rules of `to_event`, row by row, without Spark (the Spark tests feed it real rows)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from helpers.records import KINESIS_MAX_RECORD_BYTES, parse_iso_timestamp, record_position_key, to_event

FIXED_NOW = datetime(2026, 11, 26, 8, 0, 0, tzinfo=timezone.utc)
TABLE = "glue_catalog.kyc_db.et_events"


def convert(row, position=1, prefix="bbkyc-tt-"):
    return to_event(row, source=TABLE, position=position, partition_key_prefix=prefix, now=lambda: FIXED_NOW)


def valid_row(**overrides):
    row = {
        "transactionId": "TXN-000123",
        "customerId": "C00123",
        "eventType": "KYC_REVIEW",
        "producedAt": "2026-11-26T07:59:00.000Z",
        "riskRating": "HIGH",
        "payload": {"name": "Ada", "country": "GB"},
    }
    row.update(overrides)
    return row


def event_of(outcome):
    assert outcome.ok, outcome.reason
    return json.loads(outcome.data, parse_float=Decimal)


def test_a_valid_row_becomes_the_platform_record_with_a_prefixed_partition_key():
    outcome = convert(valid_row())

    assert outcome.audit_id == "TXN-000123"
    assert outcome.partition_key == "bbkyc-tt-TXN-000123"
    assert event_of(outcome) == valid_row()


def test_extra_columns_and_icebergs_metadata_columns_are_not_published():
    outcome = convert(valid_row(internal_load_id=7, _etl_ts="x", _file="s3://lake/data/1.parquet", _pos=4))

    assert set(event_of(outcome)) == {"transactionId", "customerId", "eventType", "producedAt", "riskRating", "payload"}


def test_missing_produced_at_is_stamped_and_optional_nulls_are_left_out():
    event = event_of(convert(valid_row(producedAt=None, riskRating=None, payload=None)))

    assert event["producedAt"] == "2026-11-26T08:00:00.000Z"
    assert "riskRating" not in event and "payload" not in event


def test_produced_at_strings_are_normalised_to_utc_with_milliseconds():
    assert event_of(convert(valid_row(producedAt="2026-11-26T09:30:00+01:00")))["producedAt"] == "2026-11-26T08:30:00.000Z"
    assert event_of(convert(valid_row(producedAt="2026-11-26T08:00:00.123456789Z")))["producedAt"] == "2026-11-26T08:00:00.123Z"


def test_spark_timestamps_are_instants_in_the_local_time_of_the_process():
    # PySpark gives TIMESTAMP values as naive datetimes in the process's local time (+05:30 in these tests).
    local_naive = datetime(2026, 1, 2, 13, 34, 5)

    assert event_of(convert(valid_row(producedAt=local_naive)))["producedAt"] == "2026-01-02T08:04:05.000Z"
    aware = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))
    assert event_of(convert(valid_row(producedAt=aware)))["producedAt"] == "2026-01-02T08:04:05.000Z"


def test_numbers_are_passed_through_exactly_and_dates_written_as_iso():
    payload = {"amount": Decimal("1234567890.123456789"), "fee": Decimal("12.50"), "count": 3, "ratio": 0.1, "day": date(2026, 1, 2), "nested": {"list": [Decimal("1E+3"), None]}}

    outcome = convert(valid_row(payload=payload))

    assert b'"amount":1234567890.123456789' in outcome.data and b'"fee":12.50' in outcome.data and b'"ratio":0.1' in outcome.data
    assert event_of(outcome)["payload"] == {"amount": Decimal("1234567890.123456789"), "fee": Decimal("12.50"), "count": 3, "ratio": Decimal("0.1"), "day": "2026-01-02", "nested": {"list": [Decimal("1E+3"), None]}}


def test_a_payload_stored_as_a_json_string_column_is_parsed_when_it_is_an_object_keeping_its_digits():
    outcome = convert(valid_row(payload='{"country": "GB", "amount": 10.50}'))

    assert b'"amount":10.50' in outcome.data
    assert convert(valid_row(payload="[1, 2]")).reason == "payload must be a JSON object, got a JSON string holding an array"
    assert convert(valid_row(payload="not json")).reason == "payload is a string that is not JSON"


def test_a_128_code_point_id_of_multi_byte_characters_is_allowed():
    outcome = convert(valid_row(transactionId="é" * 128))

    assert outcome.ok and outcome.audit_id == "é" * 128


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"customerId": None}, "customerId is missing"),
        ({"customerId": "   "}, "customerId is blank"),
        ({"customerId": 42}, "customerId must be a non-empty string, got a number"),
        ({"customerId": "C\x1b[31m"}, "customerId contains a control character (U+001B at character 2)"),
        ({"customerId": "C\x85"}, "customerId contains a control character (U+0085 at character 2)"),
        ({"customerId": "C\ud800"}, "customerId is not well-formed Unicode (a lone surrogate at character 2)"),
        ({"eventType": 5}, "eventType must be a non-empty string, got a number"),
        ({"eventType": ""}, "eventType must be a non-empty string, got a blank string"),
        ({"eventType": "KYC\udfff"}, "eventType is not well-formed Unicode (a lone surrogate at character 4)"),
        ({"riskRating": "CRITICAL"}, 'riskRating "CRITICAL" is not one of LOW, MEDIUM, HIGH'),
        ({"riskRating": "low"}, 'riskRating "low" is not one of LOW, MEDIUM, HIGH'),
        ({"riskRating": 3}, "riskRating must be one of LOW, MEDIUM, HIGH, got a number"),
        ({"producedAt": "yesterday"}, 'producedAt "yesterday" is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)'),
        ({"producedAt": "2026-02-30T08:00:00Z"}, 'producedAt "2026-02-30T08:00:00Z" is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)'),
        ({"producedAt": "2026-11-26T08:00:00"}, 'producedAt "2026-11-26T08:00:00" is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)'),
        ({"producedAt": 1764144000}, "producedAt must be an ISO-8601 timestamp string, got a number"),
        ({"producedAt": date(2026, 11, 26)}, "producedAt must be an ISO-8601 timestamp, got a date without a time"),
        ({"payload": [1, 2]}, "payload must be a JSON object, got an array"),
        ({"payload": {"blob": b"\x00"}}, "payload.blob is of type bytes, which JSON has no type for"),
        ({"payload": {"score": float("inf")}}, "payload.score is inf, a number JSON cannot carry"),
        ({"payload": {"amount": Decimal("NaN")}}, "payload.amount is NaN, a number JSON cannot carry"),
        ({"payload": {1: "a"}}, "payload has a key of type int; JSON object keys are strings"),
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
        ("  ", "transactionId is blank"),
        (123, "transactionId must be a non-empty string, got a number"),
        (True, "transactionId must be a non-empty string, got a boolean"),
        ("T" * 129, "transactionId is 129 characters; at most 128 are allowed"),
        ("é" * 129, "transactionId is 129 characters; at most 128 are allowed"),
        ("#record:s3://b/k#1", "transactionId starts with '#', which is reserved for the audit trail's own keys"),
        ("TXN\t1", "transactionId contains a control character (U+0009 at character 4)"),
        ("TXN\x7f", "transactionId contains a control character (U+007F at character 4)"),
        ("TXN-\udc00", "transactionId is not well-formed Unicode (a lone surrogate at character 5)"),
    ],
)
def test_a_row_without_a_usable_transaction_id_is_audited_under_a_reserved_position_key(transaction_id, reason):
    outcome = convert(valid_row(transactionId=transaction_id), position=42)

    assert outcome.audit_id == f"#record:{TABLE}#42"
    assert outcome.reason == reason


def test_a_spark_row_without_a_usable_id_is_named_by_its_data_file_and_1_based_position():
    outcome = convert(valid_row(transactionId=None, _file="s3://lake/kyc_db/et_events/data/00001.parquet", _pos=0), position=42)

    assert outcome.audit_id == "#record:s3://lake/kyc_db/et_events/data/00001.parquet#1"
    assert record_position_key("s3://b/k", 3) == "#record:s3://b/k#3"


def test_an_event_over_the_kinesis_record_limit_is_rejected_not_sent():
    outcome = convert(valid_row(payload={"text": "x" * KINESIS_MAX_RECORD_BYTES}))

    assert outcome.reason is not None and outcome.reason.startswith("record is ")
    assert "Kinesis accepts at most 1048576 bytes per record" in outcome.reason


def test_a_partition_key_over_256_characters_is_rejected():
    assert convert(valid_row(transactionId="T" * 128), prefix="p" * 129).reason == "partition key is 257 characters; Kinesis allows at most 256"


def test_a_row_that_is_not_a_mapping_is_rejected():
    assert convert(["TXN-1"], position=3).reason == "row is not a record of named columns"


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-26T08:00:00Z", datetime(2026, 11, 26, 8, tzinfo=timezone.utc)),
        ("2026-11-26T08:00Z", datetime(2026, 11, 26, 8, tzinfo=timezone.utc)),
        ("2026-11-26T09:00:00.123456789+01:00", datetime(2026, 11, 26, 8, 0, 0, 123456, tzinfo=timezone.utc)),
        ("2026-11-26T09:00:00+0100", datetime(2026, 11, 26, 8, tzinfo=timezone.utc)),
        ("2028-02-29T00:00:00Z", datetime(2028, 2, 29, tzinfo=timezone.utc)),
        ("2026-11-26", None),
        ("2026-11-26 08:00:00Z", None),
        ("2026-11-26t08:00:00z", None),
        ("2026-02-29T00:00:00Z", None),
        ("2026-13-26T08:00:00Z", None),
        ("2026-11-26T24:00:00Z", None),
        ("2026-11-26T08:00:60Z", None),
        ("2026-11-26T08:00:00+25:00", None),
        ("26/11/2026", None),
    ],
)
def test_timestamps_need_a_zone_and_real_calendar_values(text, instant):
    assert parse_iso_timestamp(text) == instant
