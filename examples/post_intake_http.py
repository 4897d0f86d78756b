"""POST intake records to the customer pool over HTTP (standard library only).

    INTAKE_URL=http://HOST:PORT/v1/customers INTAKE_TOKEN=... python post_intake_http.py customers.json

One request carries one record or an array of records (contracts/openapi.json). The
answer is 202 with one result per record (`created`, `updated`, `unchanged` or `rejected`
with its reason); 400 a body that is not JSON, 401 no or a wrong token, 403 a client that may
not write any of the records' sources, 413 a body too large. Exit status 0 on 202.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def post(url: str, token: str, records: list[dict] | dict, timeout: float = 60) -> tuple[int, dict]:
    """(HTTP status, JSON answer) of one POST."""
    request = urllib.request.Request(
        url, data=json.dumps(records, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:  # 4xx/5xx still answer JSON
        body = error.read()
        return error.code, json.loads(body) if body else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", help="a JSON file: one record or an array of records")
    parser.add_argument("--url", default=os.environ.get("INTAKE_URL"),
                        help="the intake's address (default: $INTAKE_URL)")
    parser.add_argument("--token", default=os.environ.get("INTAKE_TOKEN"),
                        help="your client's bearer token (default: $INTAKE_TOKEN)")
    args = parser.parse_args(argv)
    if not args.url or not args.token:
        parser.error("give --url and --token, or set INTAKE_URL and INTAKE_TOKEN")
    with open(args.file, encoding="utf-8") as handle:
        records = json.load(handle)
    status, answer = post(args.url, args.token, records)
    print(status, json.dumps(answer, ensure_ascii=False))
    return 0 if status == 202 else 1


if __name__ == "__main__":
    sys.exit(main())
