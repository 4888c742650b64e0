# SPDX-License-Identifier: Apache-2.0
"""Hearth's Python client: submit jobs to a coordinator, stream their logs, fetch their outputs, and verify their
signed receipts locally. Standard library plus ``cryptography`` (Ed25519).

    client = hearth.Client("https://coordinator:7070", token)
    job = hearth.Job.submit(client, command=["echo", "hi"])
    job.wait(timeout=300)
"""
from .client import Client
from .errors import ApiError, VerificationError
from .job import Job

__all__ = ["Client", "Job", "ApiError", "VerificationError"]
__version__ = "0.1.0"
