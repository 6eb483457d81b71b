"""``batched``: Python 3.12's ``itertools.batched`` (as lists) for the 3.11 floor."""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(iterable)
    while chunk := list(islice(it, size)):
        yield chunk
