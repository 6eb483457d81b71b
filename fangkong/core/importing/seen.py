"""Finding duplicate keys within one file in bounded memory.

A million-row file would need ~100 MB as a ``dict`` of keys; this open-addressing table keeps
a 64-bit hash of each key and the row it was first seen on in two flat arrays (12 bytes a
slot: the row number in 32 bits, as no sheet has 4 billion rows; at most half full), 24 MB
for a million rows. Two different keys share a 64-bit hash
with a chance of about 1 in 10^7 per million-row file.
"""

from __future__ import annotations

from array import array

_MASK64 = (1 << 64) - 1


class SeenKeys:
    def __init__(self, expected: int = 0):
        size = 1 << max(12, (max(expected, 1) * 2).bit_length())
        self._alloc(size)
        self.count = 0

    def _alloc(self, size: int) -> None:
        self.hashes = array("Q", bytes(8 * size))
        self.rows = array("I", bytes(4 * size))
        self.mask = size - 1

    def first_row(self, key, row: int) -> int | None:
        """Remember ``key`` at ``row``; if it was seen before, return that earlier row."""
        h = (hash(key) & _MASK64) or 1
        hashes, mask = self.hashes, self.mask
        i = h & mask
        while True:
            slot = hashes[i]
            if slot == 0:
                break
            if slot == h:
                return self.rows[i]
            i = (i + 1) & mask
        hashes[i] = h
        self.rows[i] = row
        self.count += 1
        if self.count * 2 > mask:
            self._grow()
        return None

    def reserve(self, expected: int) -> None:
        """Room for ``expected`` keys in all, allocated now (one rehash of those seen)."""
        size = 1 << max(12, (max(expected, 1) * 2).bit_length())
        if size > self.mask + 1:
            self._grow(size)

    def _grow(self, size: int = 0) -> None:
        old_h, old_r = self.hashes, self.rows
        self._alloc(size or (self.mask + 1) * 2)
        hashes, rows, mask = self.hashes, self.rows, self.mask
        for h, r in zip(old_h, old_r, strict=True):
            if h:
                i = h & mask
                while hashes[i]:
                    i = (i + 1) & mask
                hashes[i] = h
                rows[i] = r
