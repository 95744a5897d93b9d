"""
Helpers of the Glue publisher jobs, shipped to Glue as the job's only extra Python library
(`--extra-py-files`). Nothing here imports Spark or awsglue, so every helper runs and is tested
without a Spark installation; the job script wires them to Spark.

- `records`: a table row becomes a validated event (the platform's record shape).
- `kinesis_publisher`: PutRecords in batches of at most 500 records / 5 MiB, retrying only failed entries.
- `audit`: FAILED audit events (the audit-event contract) sent with SendMessageBatch, 10 per call.
- `metrics`: the job's counts collected in memory and sent with one PutMetricData call.
- `json_log`: structured JSON log lines with secret-looking keys redacted.
"""
