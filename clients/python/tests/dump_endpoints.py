# SPDX-License-Identifier: Apache-2.0
"""Prints the operations the client calls as one JSON line (hearth-client's OpenApiContractTest reads it)."""
import json
import unittest

from hearth import _transport


class DumpEndpoints(unittest.TestCase):

    def test_dump(self):
        print(json.dumps(sorted(_transport.ENDPOINTS.values())), flush=True)


if __name__ == "__main__":
    unittest.main()
