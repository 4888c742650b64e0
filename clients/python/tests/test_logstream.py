# SPDX-License-Identifier: Apache-2.0
"""A followed log keeps its byte offset and epoch across reads, characters and the placed-again line."""
import unittest

from hearth._logstream import LogStream


class LogStreamTest(unittest.TestCase):

    def test_offsets_count_bytes_and_split_characters_arrive_whole(self):
        log, data = LogStream(), "é€😀\n".encode("utf-8")
        text = "".join(log.feed(data[i:i + 1]) for i in range(len(data)))
        self.assertEqual(text, "é€😀\n")
        self.assertEqual(log.offset, len(data))

    def test_the_placed_again_line_switches_the_epoch_and_restarts_the_offset(self):
        log = LogStream()
        log.answered_epoch(1)
        text = log.feed(b"one\ntwo\n--- hearth: job placed")
        self.assertEqual(log.offset, 8, "a possible marker is held back")
        text += log.feed(b" again (epoch 2) ---\nthree\n")
        self.assertEqual(text, "one\ntwo\n--- hearth: job placed again (epoch 2) ---\nthree\n")
        self.assertEqual((log.epoch, log.offset), (2, len(b"three\n")))

    def test_a_held_line_is_dropped_on_reconnect_and_a_look_alike_passes(self):
        log = LogStream()
        text = log.feed(b"a\n--- hearth: job")
        log.reconnecting()
        text += log.feed(b"--- hearth: jobs are fine\n-x\n") + log.finish()
        self.assertEqual(text, "a\n--- hearth: jobs are fine\n-x\n")
        self.assertEqual((log.epoch, log.offset), (-1, len(text)))


if __name__ == "__main__":
    unittest.main()
