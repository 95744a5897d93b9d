"""
A real local SparkSession for the job's tests and benchmark, as close to Glue 5.0 as a laptop gets:
Spark 3.5 (pyspark from requirements-test.txt), the Iceberg 1.7.1 runtime Glue 5.0 ships, and an
Iceberg catalog named `glue_catalog` like the job's (a Hadoop catalog in a temporary folder here,
the Glue Data Catalog in AWS). The helpers reach the executors as a zip added with `addPyFile`, the
way Glue ships `--extra-py-files`, so a module missing from the zip fails here as it would there.

The Iceberg runtime jar comes from Maven Central through Spark's own resolver (`spark.jars.packages`)
into an Ivy cache inside the virtual environment (git-ignored); only the first session downloads it.
`python spark_support.py --warm` fills that cache (CI does it once, outside the test timings).
"""
from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path
from typing import Any

ICEBERG_RUNTIME = "org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.7.1"
CATALOG = "glue_catalog"
GLUE_DIR = Path(__file__).resolve().parent.parent
HELPERS_DIR = GLUE_DIR / "helpers"


def ivy_dir() -> Path:
    return Path(os.environ.get("KYC_IVY_DIR") or Path(sys.prefix) / "ivy")


def helpers_zip(destination: Path) -> Path:
    """Only the helpers folder's Python files, under `helpers/` (what the GlueJob component uploads)."""
    archive = destination / "helpers.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for source in sorted(HELPERS_DIR.glob("*.py")):
            zipped.write(source, f"helpers/{source.name}")
    return archive


def build_session(master: str, warehouse: Path, app_name: str = "glue-job-tests", extra: dict[str, str] | None = None) -> Any:
    # Executors run this interpreter (pyspark's default would be whatever `python3` is on PATH).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.jars.packages", ICEBERG_RUNTIME)
        .config("spark.jars.ivy", str(ivy_dir()))
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config(f"spark.sql.catalog.{CATALOG}", "org.apache.iceberg.spark.SparkCatalog")
        .config(f"spark.sql.catalog.{CATALOG}.type", "hadoop")
        .config(f"spark.sql.catalog.{CATALOG}.warehouse", str(warehouse))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Small data on a small machine: few shuffle partitions, and a JVM that compiles less (C1 only)
        # and collects garbage on one thread — a short-lived test JVM spends its time starting up.
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        # Compiling generated Java for every query costs more than running tiny queries interpreted.
        .config("spark.sql.codegen.wholeStage", "false")
    )
    for key, value in (extra or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


if __name__ == "__main__":
    if sys.argv[1:] != ["--warm"]:
        print("usage: python spark_support.py --warm   (downloads the Iceberg runtime into the Ivy cache)", file=sys.stderr)
        sys.exit(2)
    import tempfile

    print(f"resolving {ICEBERG_RUNTIME} into {ivy_dir()} …", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        spark = build_session("local[1]", Path(folder), "warm-ivy-cache")
        spark.stop()
    print("Iceberg runtime ready", file=sys.stderr)
