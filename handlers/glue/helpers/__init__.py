"""
Helpers of the Glue publisher jobs, shipped to Glue as the job's only extra Python library
(`--extra-py-files`) and so present on the driver and on every executor. Nothing here imports Spark
or awsglue at import time (the driver passes its SparkSession in; `partition_publisher` imports
pyspark's TaskContext only when it runs in a task), so every helper is tested without Spark too.

- `records`: a table row becomes a validated event (the platform's record shape, SPEC §3b).
- `exact_json`: the event's JSON, numbers written with their exact digits.
- `kinesis_publisher`: PutRecords in batches of at most 500 records / 5 MiB, retrying only failed entries.
- `audit`: FAILED audit events (the audit-event contract) sent with SendMessageBatch, 10 per call.
- `partition_publisher`: what each Spark task runs for its partition, and its summary for the driver.
- `increment`: which snapshot range a run publishes (Iceberg incremental append reads).
- `bookmark`: the last published snapshot, one item of the audit table, advanced by compare-and-set.
- `metrics`: the job's counts collected on the driver and sent with one PutMetricData call.
- `json_log`: structured JSON log lines with secret-looking keys redacted.
"""
