#!/usr/bin/env bash
# The Glue job's pytest suite (helpers against moto, the job on a real local SparkSession with
# Iceberg): a step of `npm test` of its own, after vitest. Its requirements are installed here,
# before any test starts and only when missing (CI's .ci/run installs them beforehand), never
# during a test. Writes out/pytest-report.xml, which .ci/run adds to the test counts.
# Also checks what the old vitest case asserted: more than 100 tests passed, none skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
venv="${KYC_VENV_DIR:-.venv}"
python="$venv/bin/python"

[ -x "$python" ] || { echo "creating $venv for the Glue job's tests" >&2; python3 -m venv "$venv" || exit 1; }
if ! "$python" -c "import pytest, pyspark" 2>/dev/null; then
  echo "installing the Glue job's test requirements into $venv (handlers/glue/requirements-test.txt)" >&2
  "$python" -m pip install --quiet --disable-pip-version-check -r handlers/glue/requirements-test.txt || exit 1
fi
java -version >/dev/null 2>&1 || { echo "the Glue job's Spark tests need Java 17 on the PATH (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

mkdir -p out
PYTHONDONTWRITEBYTECODE=1 AWS_ENDPOINT_URL="" "$python" -m pytest handlers/glue/tests -q -p no:cacheprovider \
  --junitxml=out/pytest-report.xml "$@"
status=$?
[ $status -eq 0 ] || exit $status
"$python" - <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse("out/pytest-report.xml").getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
if skipped or tests <= 100:
    sys.exit(f"pytest: {tests} tests, {skipped} skipped; expected more than 100 and none skipped")
PY
