# SPDX-License-Identifier: Apache-2.0
"""The errors the client raises."""


class ApiError(Exception):
    """The coordinator refused a call: its RFC 9457 problem document as fields.

    ``code`` is the stable code to branch on (``invalid_input``, ``unknown_job``, ``quota_exceeded``...), ``field``
    the input at fault (or None), ``status`` the HTTP status, ``detail`` what was wrong and what is accepted,
    ``retry_after`` the seconds the coordinator asked to wait (or None), ``operation`` the call ("POST /v1/jobs").
    """

    def __init__(self, code, field, status, detail, operation="", retry_after=None):
        self.code = code
        self.field = field
        self.status = status
        self.detail = detail
        self.operation = operation
        self.retry_after = retry_after
        where = f", field {field}" if field else ""
        super().__init__(f"{operation} failed ({status} {code}{where})" + (f": {detail}" if detail else ""))


class VerificationError(Exception):
    """A receipt whose signature, key or job does not hold, or an output whose SHA-256 differs from the receipt's."""
