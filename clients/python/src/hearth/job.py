# SPDX-License-Identifier: Apache-2.0
"""hearth.Job: submit a job and follow it."""
import hashlib
import http.client
import json
import os
import tempfile
import time
import uuid

from . import _transport, receipt as receipts
from ._logstream import LogStream
from .errors import ApiError, VerificationError

FINAL = ("completed", "failed", "cancelled")
MAX_DROPS = 5


class Job:
    """One job on the coordinator, by id. Each call asks the coordinator; a handle may be kept and shared."""

    def __init__(self, client, job_id, submitted=None, replayed=False):
        self.client = client
        self.id = job_id
        self.submitted = submitted
        self.replayed = replayed

    def __repr__(self):
        return f"hearth.Job({self.id!r})"

    @classmethod
    def submit(cls, client, command=None, doc=None, inputs=None, idempotency_key=None, **fields):
        """Submits a job: ``command`` (argv) or a whole job document ``doc`` (a dict), more document fields as
        keywords (``memory="64m"``), and ``inputs`` ({job path: local file}) uploaded as blobs first.

        One ``Idempotency-Key`` (``idempotency_key``, else a fresh UUID) goes with every try: a try that fails on
        the way (no answer, a 5xx, a 409 with Retry-After) is sent again and the coordinator makes one job.
        """
        if (command is None) == (doc is None):
            raise ValueError("give command=[...] or doc={...}, not both or neither")
        document = dict(doc) if doc is not None else {"command": list(command)}
        document.update(fields)
        if inputs:
            files = list(document.get("files") or [])
            for job_path, local in inputs.items():
                digest, _ = client.upload_blob(local)
                files.append({"path": job_path, "blob": digest})
            document["files"] = files
        key = idempotency_key or str(uuid.uuid4())
        body = json.dumps(document).encode("utf-8")

        def post():
            return client._http.call("submit_job", body=body, headers={"Content-Type": "application/json",
                                                                      "Idempotency-Key": key})

        status, headers, data = _transport.with_retries(client.retries, post)
        made = json.loads(data.decode("utf-8"))
        return cls(client, made["id"], made, (headers.get("Idempotent-Replayed") or "").lower() == "true")

    @classmethod
    def submit_all(cls, client, docs, idempotency_key=None):
        """Submits up to 1,000 job documents (dicts) in one call (``POST /v1/jobs/batch``): the coordinator queues
        all of them or none, and a refusal's ``field`` names the document (``jobs[3].memory``). Retried with one
        ``Idempotency-Key`` as :meth:`submit` is. Returns the jobs in the order given."""
        docs = list(docs)
        if not 1 <= len(docs) <= 1000:
            raise ValueError(f"a batch holds 1 to 1000 jobs; got {len(docs)}")
        key = idempotency_key or str(uuid.uuid4())
        body = json.dumps({"jobs": [dict(d) for d in docs]}).encode("utf-8")

        def post():
            return client._http.call("submit_jobs", body=body, headers={"Content-Type": "application/json",
                                                                       "Idempotency-Key": key})

        status, headers, data = _transport.with_retries(client.retries, post)
        replayed = (headers.get("Idempotent-Replayed") or "").lower() == "true"
        return [cls(client, made["id"], made, replayed) for made in json.loads(data.decode("utf-8"))["jobs"]]

    def status(self):
        """The job now (a dict: id, state, nodeId, result, verdict...)."""
        return self.client._http.json("get_job", (self.id,))

    def wait(self, timeout=None, poll=0.5):
        """Waits until the job is final and returns it; TimeoutError (saying where it stands) after ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.1
        while True:
            now = self.status()
            if now.get("state") in FINAL:
                return now
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {self.id} is not final after {timeout} s: it is {now.get('state')}"
                                   + (f" on node {now['nodeId']}" if now.get("nodeId") else "")
                                   + "; wait longer, or cancel it")
            time.sleep(pause)
            pause = min(pause * 2, poll)

    def cancel(self):
        """Cancels the job; ApiError ``already_final`` (409) when it had ended."""
        return self.client._http.json("cancel_job", (self.id,))

    def logs(self, offset=0, follow=False):
        """The job's output as an iterator of text pieces (offsets are UTF-8 bytes).

        Without ``follow``: its logs from byte ``offset`` as they are now (one piece). With ``follow``: pieces as
        they come (``?follow=1``) until the job's log is complete; a stream the coordinator ends, a dropped
        connection or a long wait for the first bytes is opened again from the byte offset and lease epoch reached,
        and where the job was placed again the line ``--- hearth: job placed again (epoch N) ---`` comes first and
        the new lease's output follows it.
        """
        if not follow:
            _, headers, data = self.client._http.call("job_logs", (self.id,), query={"offset": offset})
            yield data.decode("utf-8", "replace")
            return
        log = LogStream()
        poll, dropped = 0.5, 0
        while True:
            log.reconnecting()
            query = {"follow": 1, "offset": log.offset}
            if log.epoch >= 0:
                query["epoch"] = log.epoch
            opened = time.monotonic()
            try:
                response = self.client._http.open("job_logs", (self.id,), query=query,
                                                  timeout=self.client.transfer_timeout)
            except ApiError as e:
                if e.status != 429:
                    raise
                time.sleep(e.retry_after if e.retry_after is not None else poll)  # too many open follows
                continue
            except (OSError, http.client.HTTPException):
                dropped += 1
                if dropped > MAX_DROPS:
                    raise
                time.sleep(poll * dropped)
                continue
            dropped = 0
            before = log.offset
            with response:
                log.answered_epoch(int(response.headers.get("Hearth-Log-Epoch") or 0))
                complete = (response.headers.get("Hearth-Log-Complete") or "").lower() == "true"
                try:
                    while True:
                        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
                        if not chunk:
                            break
                        text = log.feed(chunk)
                        if text:
                            yield text
                except (OSError, http.client.HTTPException):
                    continue  # dropped mid-stream: again from what was handed on
            if complete:
                rest = log.finish()
                if rest:
                    yield rest
                return
            held = time.monotonic() - opened
            if log.offset == before and held < poll:
                time.sleep(poll - held)  # a coordinator that answers at once rather than holding the stream: poll

    def receipt(self, public_key=None):
        """The job's receipt (a dict), verified here: format, job, key fingerprint and Ed25519 signature.

        The node's key is the one given as ``public_key`` (base64 X.509, as node.pub holds it), else the one the
        coordinator serves with the receipt (``Hearth-Node-Key``, the key the node registered), else asked of
        ``GET /v1/nodes/{id}`` (an admin or operator token). The receipt's key fingerprint must match it either way.
        Raises VerificationError when it does not hold.
        """
        _, headers, data = self.client._http.call("job_receipt", (self.id,))
        if public_key is None and headers is not None:
            public_key = headers.get("Hearth-Node-Key")
        try:
            document = json.loads(data.decode("utf-8"))
        except ValueError:
            raise VerificationError(f"the receipt of job {self.id} is not JSON") from None
        if public_key is None:
            node_id = (document.get("receipt") or {}).get("nodeId")
            if not node_id:
                raise VerificationError(f"the receipt of job {self.id} names no node, so no key can verify it")
            node = self.client._http.json("get_node", (node_id,))
            public_key = node.get("publicKey")
            if not public_key:
                raise VerificationError(f"node {node_id} registered no Ed25519 key (a Hypernode v2.0 node), so the "
                                        f"receipt of job {self.id} cannot be verified")
        return receipts.verify(self.id, document, receipts.public_key(public_key))

    def outputs(self):
        """The files the job left in /job/out: dicts {path, size, sha256, stored}."""
        return self.client._http.json("job_outputs", (self.id,)).get("outputs", [])

    def download_outputs(self, directory, receipt=None):
        """Downloads every stored output below ``directory``, each checked against the SHA-256 the verified receipt
        names for it (a file that does not match is deleted and raises VerificationError). Returns the paths
        written."""
        verified = receipt if receipt is not None else self.receipt()
        base = os.path.realpath(directory)
        os.makedirs(base, exist_ok=True)
        written = []
        for output in self.outputs():
            if not output.get("stored", True):
                continue
            path = output["path"]
            relative = path[len("/job/out/"):] if path.startswith("/job/out/") else path.lstrip("/")
            target = os.path.realpath(os.path.join(base, relative))
            if not target.startswith(base + os.sep):
                raise VerificationError(f"output path {path} would be written outside {base}; it was refused")
            expected = receipts.output_sha256(verified, path)
            if expected is None:
                raise VerificationError(f"the verified receipt of job {self.id} names no output {path}, so its "
                                        "content cannot be checked")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fd, partial = tempfile.mkstemp(prefix=".hearth-", suffix=".part", dir=os.path.dirname(target))
            try:
                sha = hashlib.sha256()
                deadline = time.monotonic() + self.client.transfer_timeout
                with os.fdopen(fd, "wb") as out, self.client._http.open(
                        "job_output", (self.id, relative), timeout=self.client.transfer_timeout) as r:
                    for chunk in iter(lambda: r.read(1 << 16), b""):
                        sha.update(chunk)
                        out.write(chunk)
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"output {path} of job {self.id} did not arrive within "
                                               f"{self.client.transfer_timeout} s")
                if sha.hexdigest() != expected:
                    raise VerificationError(f"output {path} of job {self.id} has SHA-256 {sha.hexdigest()} but the "
                                            f"node's signed receipt names {expected}; it was not kept")
                os.replace(partial, target)
                written.append(target)
            finally:
                if os.path.exists(partial):
                    os.unlink(partial)
        return written
