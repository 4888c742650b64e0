# SPDX-License-Identifier: Apache-2.0
"""A followed log's bytes turned into text, keeping the place to reconnect from (as hearth-client's LogStream).

``offset`` is the byte offset, in the current lease's log, of the first byte not yet handed on; ``epoch`` the lease
epoch it belongs to (-1 before an answer named one). A line ``--- hearth: job placed again (epoch N) ---`` at a line
start switches to epoch N, whose output starts after it at offset 0; a line that may be that marker is held back
until it is whole. UTF-8 is decoded across reads.
"""
import codecs
import re

PREFIX = b"--- hearth: job placed again (epoch "
MARKER = re.compile(rb"--- hearth: job placed again \(epoch ([0-9]{1,18})\) ---\n")
LONGEST_MARKER = 80


class LogStream:

    def __init__(self):
        self.offset = 0
        self.epoch = -1
        self._held = bytearray()
        self._line_start = True
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def answered_epoch(self, served):
        if self.epoch < 0:
            self.epoch = served

    def reconnecting(self):
        """A new connection starts at offset: a held line is sent again by the coordinator, so it is dropped."""
        if self._held:
            self._held.clear()
            self._line_start = True

    def feed(self, data):
        """Takes bytes of the log; returns the text to hand on."""
        out = []
        plain_from = 0
        for i, c in enumerate(data):
            if not self._held:
                if not (self._line_start and c == PREFIX[0]):
                    self._line_start = c == 0x0A
                    continue
                out.append(self._emit(data[plain_from:i]))
            self._held.append(c)
            plain_from = i + 1
            h = bytes(self._held)
            if c == 0x0A:
                self._held.clear()
                self._line_start = True
                out.append(self._emit(h))
                m = MARKER.fullmatch(h)
                if m:
                    self.epoch = int(m.group(1))
                    self.offset = 0  # the new lease's output starts after this line
            elif len(h) > LONGEST_MARKER or (len(h) <= len(PREFIX) and PREFIX[:len(h)] != h):
                self._held.clear()
                self._line_start = False
                out.append(self._emit(h))
        out.append(self._emit(data[plain_from:]))
        return "".join(out)

    def finish(self):
        """The log is complete: whatever is held is handed on."""
        h = bytes(self._held)
        self._held.clear()
        return self._emit(h) + self._decoder.decode(b"", final=True)

    def _emit(self, b):
        if not b:
            return ""
        self.offset += len(b)
        return self._decoder.decode(bytes(b))
