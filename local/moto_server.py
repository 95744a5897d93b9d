"""The moto server, with thirteen emulator inefficiencies removed (no change to what any API answers).

moto serves the local run and the tests. Several of its costs grow with the data a run makes — SQS
walking the whole queue per receive and per delete, DynamoDB sorting the whole table per Scan page,
CloudWatch filtering every stored sample per read — so a 50,000-record run spent most of its time
inside moto. Each fix replaces one such path with one that gives the same answer, with the reasoning
and the measurement beside it:

- `moto_fixes/server.py`: request handling for every service (package listing, method names);
- `moto_fixes/sqs.py`: attribute maps, the clock, receives and deletes;
- `moto_fixes/dynamodb.py`: item size, the AttributeValue serializer, Scan's sort and projection;
- `moto_fixes/cloudwatch.py`: GetMetricStatistics and ListMetrics by metric name.

test/moto-speed-fixes.test.ts, test/moto-sqs-speed-fixes.test.ts and
test/moto-cloudwatch-speed-fixes.test.ts send the same requests here and to plain `moto_server` and
require the same answers.

Run as `python local/moto_server.py -H 127.0.0.1 -p PORT` (the arguments of `moto_server`).
"""
import sys

import moto_fixes.cloudwatch  # noqa: F401  (each import applies its module's fixes)
import moto_fixes.dynamodb  # noqa: F401
import moto_fixes.server  # noqa: F401
import moto_fixes.sqs  # noqa: F401
from moto.server import main

if __name__ == "__main__":
    sys.exit(main())
