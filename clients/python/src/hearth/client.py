# SPDX-License-Identifier: Apache-2.0
"""hearth.Client: one coordinator, one token."""
import hashlib
import json
import os
import urllib.parse

from . import _transport
from .errors import ApiError


class Client:
    """A client of a Hearth coordinator's API.

    ``url`` is the coordinator (``https://host:7070``, or ``http://`` to loopback: a token goes over plain HTTP to
    another host only with ``allow_insecure_http=True``); ``token`` an API key. Every call has a deadline of
    ``timeout`` seconds (uploads and downloads ``transfer_timeout``); creates are tried ``retries`` times in all.
    Thread-safe.
    """

    def __init__(self, url, token, *, timeout=30.0, transfer_timeout=600.0, retries=5, ssl_context=None,
                 allow_insecure_http=False):
        parts = urllib.parse.urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must be the coordinator's address, e.g. https://coordinator.example:7070; got {url!r}")
        if not token or not str(token).strip():
            raise ValueError("token must be an API key of the coordinator ('hearth token create', or HEARTH_TOKEN)")
        if parts.scheme == "http" and not _transport.loopback(parts.hostname) and not allow_insecure_http:
            raise ValueError(f"refusing to send a key over plain HTTP to {parts.hostname}: use https:// (the "
                             "coordinator serves TLS), or allow_insecure_http=True to send it in the clear anyway")
        if retries < 1:
            raise ValueError(f"retries must be 1 or more; got {retries}")
        self.url = url.rstrip("/")
        self.retries = retries
        self.transfer_timeout = transfer_timeout
        self._http = _transport.Transport(url, str(token), timeout, ssl_context)

    def __repr__(self):
        return f"hearth.Client({self.url!r})"  # never the token

    def job(self, job_id):
        """A handle on an existing job."""
        from .job import Job
        if not job_id:
            raise ValueError("job id must not be empty")
        return Job(self, job_id)

    def jobs(self, state=None, page_size=100, limit=None):
        """The caller's jobs (dicts), newest first, following the ``next`` cursor page after page."""
        if not 1 <= page_size <= 500:
            raise ValueError(f"page_size must be 1 to 500; got {page_size}")
        seen, cursor, count = set(), None, 0
        while True:
            query = {"limit": page_size}
            if state:
                query["state"] = state
            if cursor:
                query["cursor"] = cursor
            page = self._http.json("list_jobs", query=query)
            for j in page.get("jobs", []):
                if limit is not None and count >= limit:
                    return
                count += 1
                yield j
            cursor = page.get("next")
            if not cursor or cursor in seen:
                return
            seen.add(cursor)

    def blob_exists(self, digest):
        """Whether the coordinator holds blob ``digest`` (``sha256:<hex>``)."""
        try:
            self._http.call("blob_exists", (digest,))
            return True
        except ApiError as e:
            if e.status == 404:
                return False
            raise

    def upload_blob(self, path):
        """Makes sure the coordinator holds a file's content (HEAD, then PUT when missing); returns (digest, size)."""
        if not os.path.isfile(path):
            raise ValueError(f"input {path} must be a readable regular file")
        sha = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 16), b""):
                sha.update(chunk)
        digest, size = "sha256:" + sha.hexdigest(), os.path.getsize(path)

        def put():
            if self.blob_exists(digest):
                return digest, size
            with open(path, "rb") as f:
                _, _, body = self._http.call("put_blob", (digest,), body=f, timeout=self.transfer_timeout,
                                             headers={"Content-Type": "application/octet-stream",
                                                      "Content-Length": str(size)})
            made = json.loads(body.decode("utf-8")) if body.strip() else {}
            if made.get("digest", digest) != digest:
                from .errors import VerificationError
                raise VerificationError(f"the coordinator stored {path} as {made.get('digest')} but its content "
                                        f"here is {digest}")
            return digest, made.get("size", size)

        return _transport.with_retries(self.retries, put)
