#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Makes receipt-vectors.json: the canonical text and Ed25519 signature of sample-receipt.json, computed
independently of Hearth's Java code (Python's json module and the 'cryptography' package).

The key is RFC 8032's test 1 key, so anyone can check the vector with any Ed25519 implementation."""
import base64, hashlib, json, os
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")

key = Ed25519PrivateKey.from_private_bytes(SEED)
x509 = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
fingerprint = "sha256:" + hashlib.sha256(x509).hexdigest()

with open(os.path.join(HERE, "sample-receipt.json"), encoding="utf-8") as f:
    receipt = json.load(f)
receipt["nodeKeyFingerprint"] = fingerprint
canonical = json.dumps(receipt, sort_keys=True, separators=(",", ":"))
signature = key.sign(b"hearth-receipt\n" + canonical.encode("utf-8"))

with open(os.path.join(HERE, "receipt-vectors.json"), "w", encoding="utf-8") as f:
    json.dump({"seedHex": SEED.hex(), "publicKey": base64.b64encode(x509).decode(), "fingerprint": fingerprint,
               "canonical": canonical, "signature": base64.b64encode(signature).decode()}, f, indent=2)
    f.write("\n")
