# SPDX-License-Identifier: Apache-2.0
"""Receipt verification, by the rules of hearth-core's ReceiptVerifier (docs/protocol.md, Receipts).

The signed bytes are b"hearth-receipt\\n" and the receipt's canonical JSON: every field of hearth-receipt/1 present
(null when unknown, lists never null), keys sorted, no whitespace, ASCII with \\uXXXX escapes, which is exactly
json.dumps(receipt, sort_keys=True, separators=(",", ":")). A receipt is trusted only when its format, job,
key fingerprint and Ed25519 signature all hold.
"""
import base64
import binascii
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import VerificationError

FORMAT = "hearth-receipt/1"
SIGNING_PREFIX = b"hearth-receipt\n"

_FIELDS = ("format", "jobId", "epoch", "nodeId", "nodeKeyFingerprint", "image", "imageDigest", "command", "limits",
           "gpus", "startedAt", "finishedAt", "timestamp", "exitCode", "status", "usage", "logBytes",
           "logsTruncated", "logsHash", "executionHash", "outputs")
_LISTS = ("command", "gpus", "outputs")
_LIMITS = ("memory", "cpus", "pids", "network", "timeoutSeconds")
_USAGE = ("cpuMillis", "peakMemoryBytes", "gpuMillis")
_OUTPUT = ("path", "bytes", "sha256")


def _pick(d, keys):
    return None if d is None else {k: d.get(k) for k in keys}


def canonical(receipt):
    """The canonical JSON text of a receipt (a dict as served), as the node signed it."""
    r = {k: receipt.get(k) for k in _FIELDS}
    for k in _LISTS:
        r[k] = r[k] or []
    r["limits"] = _pick(r["limits"], _LIMITS)
    r["usage"] = _pick(r["usage"], _USAGE)
    r["outputs"] = [_pick(o, _OUTPUT) for o in r["outputs"]]
    return json.dumps(r, sort_keys=True, separators=(",", ":"))


def signing_input(receipt):
    return SIGNING_PREFIX + canonical(receipt).encode("utf-8")


def public_key(base64_x509):
    """An Ed25519 public key from base64 of its X.509 (SubjectPublicKeyInfo) encoding, as node.pub holds it."""
    try:
        key = serialization.load_der_public_key(base64.b64decode("".join(base64_x509.split())))
    except (ValueError, binascii.Error) as e:
        raise VerificationError(f"not base64 of an Ed25519 public key (X.509), as node.pub holds: {e}") from e
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError("the node's key is not an Ed25519 key")
    return key


def fingerprint(key):
    """sha256: and the SHA-256 (hex) of the key's X.509 encoding."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def verify(job_id, document, key):
    """Checks a served receipt document {"receipt": {...}, "signature": "..."} with the node's key.

    Returns the receipt (a dict) when format, job, key fingerprint and signature hold; raises VerificationError
    naming what does not.
    """
    r = document.get("receipt") if isinstance(document, dict) else None
    sig = document.get("signature") if isinstance(document, dict) else None
    if not isinstance(r, dict) or not isinstance(sig, str):
        raise VerificationError(f"the receipt of job {job_id} is not a receipt document "
                                "{\"receipt\": {...}, \"signature\": \"...\"}")
    if r.get("format") != FORMAT:
        raise VerificationError(f"the receipt of job {job_id} has format {r.get('format')}; this client reads {FORMAT}")
    if r.get("jobId") != job_id:
        raise VerificationError(f"the receipt served for job {job_id} is the receipt of job {r.get('jobId')}")
    fp = fingerprint(key)
    if r.get("nodeKeyFingerprint") != fp:
        raise VerificationError(f"the receipt of job {job_id} names key {r.get('nodeKeyFingerprint')}; "
                                f"the node's key is {fp}")
    try:
        key.verify(base64.b64decode(sig.strip()), signing_input(r))
    except (InvalidSignature, ValueError, binascii.Error):
        raise VerificationError(f"the Ed25519 signature of the receipt of job {job_id} does not verify with key "
                                f"{fp}: it was changed or signed by another key") from None
    return r


def output_sha256(receipt, path):
    """The SHA-256 the receipt names for an output (path relative to /job/out, or absolute), or None."""
    absolute = path if path.startswith("/") else "/job/out/" + path
    for o in receipt.get("outputs") or []:
        if o.get("path") == absolute:
            return o.get("sha256")
    return None
