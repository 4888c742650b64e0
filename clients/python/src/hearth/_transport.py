# SPDX-License-Identifier: Apache-2.0
"""One HTTP exchange with the coordinator: the bearer token, a deadline, problem documents turned into ApiError.

ENDPOINTS is every operation the client calls (method, path template): the only place a path is written, so a
test can hold it against docs/openapi.yaml.
"""
import ipaddress
import json
import socket
import time
import http.client
import urllib.error
import urllib.parse
import urllib.request

from .errors import ApiError

ENDPOINTS = {
    "submit_job": ("POST", "/v1/jobs"),
    "submit_jobs": ("POST", "/v1/jobs/batch"),
    "list_jobs": ("GET", "/v1/jobs"),
    "get_job": ("GET", "/v1/jobs/{id}"),
    "job_logs": ("GET", "/v1/jobs/{id}/logs"),
    "job_receipt": ("GET", "/v1/jobs/{id}/receipt"),
    "cancel_job": ("POST", "/v1/jobs/{id}/cancel"),
    "job_outputs": ("GET", "/v1/jobs/{id}/outputs"),
    "job_output": ("GET", "/v1/jobs/{id}/outputs/{path}"),
    "get_node": ("GET", "/v1/nodes/{id}"),
    "blob_exists": ("HEAD", "/v1/blobs/{digest}"),
    "put_blob": ("PUT", "/v1/blobs/{digest}"),
}


def loopback(host):
    """Whether a URL's host is this machine's loopback: localhost or a loopback address literal (never resolved)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def path(endpoint, *params):
    """The endpoint's path with its parameters percent-encoded ({path} keeps its slashes)."""
    method, template = ENDPOINTS[endpoint]
    out = template
    for value in params:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1:end]
        if not value:
            raise ValueError(f"{name} must not be empty")
        safe = "/" if name == "path" else ""
        out = out[:start] + urllib.parse.quote(str(value), safe=safe) + out[end + 1:]
    return method, out


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the token elsewhere: never followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Transport:
    """Sends requests to one coordinator with one token. Thread-safe (no state changes after construction)."""

    def __init__(self, url, token, timeout, ssl_context=None):
        self.base = url.rstrip("/")
        self._token = token
        self.timeout = timeout
        handlers = [_NoRedirect()]
        if ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
        self._opener = urllib.request.build_opener(*handlers)

    def open(self, endpoint, params=(), query=None, body=None, headers=None, timeout=None):
        """Opens a call; returns the response (the caller reads and closes it). Refusals raise ApiError."""
        method, p = path(endpoint, *params)
        url = self.base + p + ("?" + urllib.parse.urlencode(query) if query else "")
        req = urllib.request.Request(url, data=body, method=method)
        req.add_header("Authorization", "Bearer " + self._token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            return self._opener.open(req, timeout=timeout or self.timeout)
        except urllib.error.HTTPError as e:
            raise _problem(f"{method} {urllib.parse.urlsplit(url).path}", e) from None

    def call(self, endpoint, params=(), query=None, body=None, headers=None, timeout=None):
        """A call's whole answer: (status, headers, body bytes), read within the deadline."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with self.open(endpoint, params, query, body, headers, timeout) as r:
            chunks = []
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{ENDPOINTS[endpoint][0]} {ENDPOINTS[endpoint][1]} gave no complete answer "
                                       f"within {timeout or self.timeout} s: retry, or raise the client's timeout")
                chunk = r.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return r.status, r.headers, b"".join(chunks)

    def json(self, endpoint, params=(), query=None, body=None, headers=None):
        status, hdrs, data = self.call(endpoint, params, query, body, headers)
        return json.loads(data.decode("utf-8")) if data.strip() else {}


def _problem(operation, e):
    raw = b""
    try:
        raw = e.read(65536)
    except (OSError, http.client.HTTPException):
        pass
    text = raw.decode("utf-8", "replace")
    code, field, detail = f"http_{e.code}", None, (text.strip()[:200] or None)
    try:
        p = json.loads(text)
        if isinstance(p, dict):
            code = p.get("code") or p.get("error") or code
            field = p.get("field")
            detail = p.get("detail") or p.get("message") or detail
    except ValueError:
        pass
    retry_after = None
    ra = e.headers.get("Retry-After") if e.headers else None
    if ra and ra.strip().isdigit():
        retry_after = int(ra.strip())
    return ApiError(code, field, e.code, detail, operation, retry_after)


def retryable(error):
    """Whether a failed create may be tried again: a transport error, a 5xx, or a 409 naming a Retry-After."""
    if isinstance(error, ApiError):
        return error.status >= 500 or (error.status == 409 and error.retry_after is not None)
    return isinstance(error, (OSError, http.client.HTTPException, socket.timeout))


def with_retries(attempts, call, first_delay=0.25, max_delay=5.0):
    """Runs call() up to attempts times while it fails retryably; the last error when all fail."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as e:  # noqa: BLE001 - judged by retryable(); others are raised at once
            if attempt >= attempts or not retryable(e):
                raise
            if isinstance(e, ApiError) and e.retry_after is not None:
                delay = min(e.retry_after, max_delay)
            else:
                delay = min(first_delay * (2 ** (attempt - 1)), max_delay)
            time.sleep(delay)
