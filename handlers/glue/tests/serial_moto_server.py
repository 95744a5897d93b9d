"""
The moto AWS emulator served ONE REQUEST AT A TIME, in a process of its own, for the Spark tests.

Why: the job publishes from several Spark tasks at once, and moto loses or duplicates records under
concurrent PutRecords. The job's code stays parallel (each task its own clients, as in AWS); only
this emulator queues the requests (a non-threaded WSGI server: the next connection waits in the
listen backlog). Its own process also keeps its state apart from the in-process `mock_aws` of the
other tests.

One test-only control, for "the stream is deleted in the middle of a run":
  POST /_test/delete-stream-after  {"stream": NAME, "calls": K}
deletes that stream right after the K-th successful PutRecords call to it.

Run: python serial_moto_server.py  → prints `PORT <n>` once it listens on 127.0.0.1; exits when its
stdin closes.
"""
from __future__ import annotations

import io
import json
import os
import sys
import threading
from typing import Any, Callable, Iterable

from moto.core import DEFAULT_ACCOUNT_ID
from moto.kinesis.models import kinesis_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

CONTROL_PATH = "/_test/delete-stream-after"


class DeleteStreamAfter:
    """WSGI middleware carrying out the test control above."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.plan: dict[str, Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            self.plan = {**json.loads(self._body(environ) or b"{}"), "seen": 0}
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if self.plan is None or not target.endswith(".PutRecords"):
            return self.app(environ, start_response)
        body = self._body(environ)
        status: list[str] = []

        def capture(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code)
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        response = list(self.app(environ, capture))
        plan = self.plan
        if status and status[0].startswith("200") and json.loads(body).get("StreamName") == plan["stream"]:
            plan["seen"] += 1
            if plan["seen"] >= plan["calls"]:
                region = _region_of(environ)
                kinesis_backends[DEFAULT_ACCOUNT_ID][region].delete_stream(stream_arn=None, stream_name=plan["stream"])
                self.plan = None
        return response

    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        return body


def _region_of(environ: dict[str, Any]) -> str:
    # SigV4: Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ...
    credential = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1].split(",")[0]
    parts = credential.split("/")
    return parts[2] if len(parts) > 3 else "us-east-1"


def exit_when_parent_goes() -> None:
    """The test session holds our stdin; when it ends in any way (even killed, with no teardown), the
    pipe closes and this server goes too instead of living on as an orphan."""
    sys.stdin.read()
    os._exit(0)


def main() -> None:
    app = DeleteStreamAfter(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=False, processes=1, request_handler=MotoRequestHandler)
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
