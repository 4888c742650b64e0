# SPDX-License-Identifier: Apache-2.0
"""The Python verifier against hearth-core's receipt test vectors (made with Python and RFC 8032's first key)."""
import copy
import json
import os
import unittest

from hearth import VerificationError
from hearth import receipt as receipts

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "..", "..", "hearth-core", "src", "test", "resources", "dev", "hearth", "core",
                       "receipt")


def load(name):
    with open(os.path.join(VECTORS, name), encoding="utf-8") as f:
        return json.load(f)


class ReceiptTest(unittest.TestCase):

    def setUp(self):
        self.vectors = load("receipt-vectors.json")
        self.receipt = load("sample-receipt.json")
        self.receipt["nodeKeyFingerprint"] = self.vectors["fingerprint"]
        self.document = {"receipt": self.receipt, "signature": self.vectors["signature"]}
        self.key = receipts.public_key(self.vectors["publicKey"])

    def test_canonical_text_is_the_java_verifiers(self):
        self.assertEqual(receipts.canonical(self.receipt), self.vectors["canonical"])
        self.assertEqual(receipts.fingerprint(self.key), self.vectors["fingerprint"])

    def test_a_signed_receipt_verifies_whatever_its_spelling(self):
        spelled = json.loads(json.dumps(self.document, indent=3))
        spelled["receipt"]["extra"] = "ignored: not a field of hearth-receipt/1"
        self.assertEqual(receipts.verify(self.receipt["jobId"], spelled, self.key)["jobId"], self.receipt["jobId"])

    def test_a_changed_receipt_does_not_verify(self):
        changed = copy.deepcopy(self.document)
        changed["receipt"]["exitCode"] = 1 if self.receipt.get("exitCode") != 1 else 2
        with self.assertRaisesRegex(VerificationError, "signature"):
            receipts.verify(self.receipt["jobId"], changed, self.key)

    def test_another_jobs_receipt_is_refused(self):
        with self.assertRaisesRegex(VerificationError, "is the receipt of job"):
            receipts.verify("another-job", self.document, self.key)

    def test_another_key_is_refused(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        other = Ed25519PrivateKey.generate().public_key()
        with self.assertRaisesRegex(VerificationError, "names key"):
            receipts.verify(self.receipt["jobId"], self.document, other)


if __name__ == "__main__":
    unittest.main()
