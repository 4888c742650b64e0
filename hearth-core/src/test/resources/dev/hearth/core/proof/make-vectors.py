#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Computes the proof-hash test vectors independently of Hearth, with Python's own json and hashlib.

Run: python3 make-vectors.py > vectors.json  (the output is checked in; the Java test reads it).
The serialisation is the Hypernode agent's: json.dumps(doc, sort_keys=True) with Python's defaults.
"""
import hashlib
import json

CASES = [
    ("job-1", "hello done\n", 0, "completed", "2026-01-30T10:00:00.123456Z"),
    ("job-2", "", -1, "error", "2026-01-30T10:00:00.000000Z"),
    ("b1946ac9-2f1e-4b7e-9c8d-1f2e3d4c5b6a", 'quote " backslash \\ tab\t cr\r ff\f bs\b nul\x00 del\x7f', 1, "failed",
     "2026-11-23T09:00:00.999999Z"),
    ("job-ü", "naïve café 日本語 emoji \U0001F600 check \u2705\n", 0, "completed", "2026-11-23T09:00:01.000001Z"),
    ("job-5", "x" * 10000 + "\n[hearth: log truncated]", 137, "oom", "2026-11-23T09:00:02.500000Z"),
    ("job-6", "\ufffd replacement and \u2028 line separator", 124, "timeout", "2026-11-23T09:00:03.000000Z"),
]

vectors = []
for job_id, logs, exit_code, status, ts in CASES:
    doc = {"jobId": job_id, "logs": logs, "result": {"exitCode": exit_code, "status": status}, "timestamp": ts}
    text = json.dumps(doc, sort_keys=True)
    vectors.append({
        "jobId": job_id, "logs": logs, "exitCode": exit_code, "status": status, "timestamp": ts,
        "document": text,
        "logsHash": hashlib.sha256(logs.encode("utf-8")).hexdigest(),
        "executionHash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    })
print(json.dumps(vectors, indent=1, ensure_ascii=True))
