"""
Throughput of the Glue job's publishing with one Spark core versus two: the same 200,000-row
Iceberg table published by `run_job` under `local[1]` and under `local[2]` (one publisher per core),
rows per second of each and their ratio. Not a test: a measurement to report with its machine.

Kinesis is a small stand-in in its own process that accepts every PutRecords call after a fixed
delay (default 25 ms, about what an in-region call takes), so the numbers show the job's own
parallelism and not the emulator's one-request-at-a-time limit. The bookmark and metrics are kept in
memory. Each mode runs in a fresh Python process with its own SparkSession; a 2,000-row warm-up run
precedes the measured run so JVM start-up and JIT are not measured.

  .venv/bin/python bench/glue_publish_throughput.py [--rows 200000] [--latency-ms 25]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Process, Queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLUE_DIR = ROOT / "handlers" / "glue"
sys.path[:0] = [str(GLUE_DIR), str(GLUE_DIR / "tests")]


def kinesis_stand_in(port_queue: Queue, latency_s: float) -> None:
    received = {"records": 0, "calls": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/_count":
                answer = json.dumps(received).encode()
            else:
                records = json.loads(body)["Records"]
                time.sleep(latency_s)
                with lock:
                    received["records"] += len(records)
                    received["calls"] += 1
                answer = json.dumps({"FailedRecordCount": 0, "Records": [{"SequenceNumber": "1", "ShardId": "shardId-000000000000"} for _ in records]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_port)
    server.serve_forever()


def count(endpoint: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_count", data=b"{}", method="POST"), timeout=10) as answer:
        return json.loads(answer.read())


class MemoryBookmarks:
    key = "#glue-bookmark:bench"

    def __init__(self):
        self.value = None

    def read(self):
        return self.value

    def advance(self, previous, new):
        self.value = new


class NullCloudWatch:
    def put_metric_data(self, **_):
        return {}


def child(master: str, rows: int, endpoint: str) -> dict:
    """One mode in this process: a table, a warm-up run, the measured run."""
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-1"})
    import event_producer_job as job
    from helpers.json_log import JsonLogger
    from helpers.metrics import JobMetrics
    from spark_support import build_session, helpers_zip

    with tempfile.TemporaryDirectory(prefix="glue-bench-") as folder:
        spark = build_session(master, Path(folder) / "warehouse", "glue-bench")
        spark.sparkContext.addPyFile(str(helpers_zip(Path(folder))))

        def table(name: str, n: int) -> str:
            full = f"glue_catalog.bench.{name}"
            spark.range(n).selectExpr(
                "format_string('TXN-%09d', id) AS transactionId",
                "concat('C', id) AS customerId",
                "'ET_ALERT' AS eventType",
                "timestamp_seconds(1764144000 + id) AS producedAt",
                "element_at(array('LOW', 'MEDIUM', 'HIGH'), CAST(id % 3 + 1 AS INT)) AS riskRating",
                "named_struct('name', concat('Customer ', id), 'country', 'GB', 'amount', CAST(id % 100000 AS DECIMAL(18,2)) / 100) AS payload",
            ).writeTo(full).using("iceberg").create()
            return full

        def run(full: str) -> tuple[float, object]:
            config = job.JobConfig(
                job_name="bench", stream_name="bench-stream", iceberg_table=full, metric_namespace="bench", environment="bench",
                audit_queue_url=f"{endpoint}/queue/audit", partition_key_prefix="bbkyc-tt-", audit_component="bench",
                bookmark_table="bench", first_run="all", publish_partitions=0, region="eu-west-1",
            )
            deps = job.JobDeps(
                metrics=JobMetrics(NullCloudWatch(), "bench", "bench"), bookmarks=MemoryBookmarks(),  # type: ignore[arg-type]
                logger=JsonLogger("bench", level="ERROR"), region="eu-west-1", endpoint_url=endpoint,
            )
            started = time.perf_counter()
            summary = job.run_job(spark, config, deps)
            return time.perf_counter() - started, summary

        run(table("warmup", 2000))
        full = table("events", rows)
        seconds, summary = run(full)
        cores = spark.sparkContext.defaultParallelism
        spark.stop()
    return {"master": master, "cores": cores, "rows": summary.read, "published": summary.succeeded, "seconds": round(seconds, 2), "rowsPerSecond": round(summary.succeeded / seconds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.rows < 1 or options.latency_ms < 0:
        print("--rows must be at least 1 and --latency-ms not negative", file=sys.stderr)
        return 2
    if options.child:
        print(json.dumps(child(options.child, options.rows, options.endpoint)))
        return 0

    print(f"publishing {options.rows:,} rows with local[1], then local[2]; Kinesis stand-in answers after {options.latency_ms:g} ms", file=sys.stderr)
    ports: Queue = Queue()
    stand_in = Process(target=kinesis_stand_in, args=(ports, options.latency_ms / 1000), daemon=True)
    stand_in.start()
    endpoint = f"http://127.0.0.1:{ports.get(timeout=10)}"
    results = []
    try:
        for master in ("local[1]", "local[2]"):
            before = count(endpoint)["records"]
            print(f"  {master} …", file=sys.stderr)
            done = subprocess.run([sys.executable, __file__, "--child", master, "--rows", str(options.rows), "--endpoint", endpoint], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr[-3000:], file=sys.stderr)
                print(f"FAILED: the {master} run exited with {done.returncode}", file=sys.stderr)
                return 1
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["standInReceived"] = count(endpoint)["records"] - before - 2000  # minus the warm-up run
            results.append(result)
            print(f"  {master}: {result['published']:,} rows in {result['seconds']} s = {result['rowsPerSecond']:,} rows/s", file=sys.stderr)
    finally:
        stand_in.terminate()
    one, two = results
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
        "python": platform.python_version(),
        "latencyMs": options.latency_ms,
        "results": results,
        "ratio": round(two["rowsPerSecond"] / one["rowsPerSecond"], 2),
    }
    print(json.dumps(report, indent=2))
    complete = all(r["published"] == options.rows == r["standInReceived"] for r in results)
    print(f"{'OK' if complete else 'INCOMPLETE'}: local[2] / local[1] = {report['ratio']}x", file=sys.stderr)
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
