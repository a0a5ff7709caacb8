"""Pass 2's read-ahead: the producer thread's items arrive in order, its
errors reach the consumer, and leaving early stops it (no thread left behind)."""

from __future__ import annotations

import threading
import time

import pytest

from crm.importing.readahead import read_ahead


def _live_read_ahead_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "crm-import-read-ahead"]


def test_items_arrive_in_order_and_the_producer_runs_ahead_by_at_most_depth():
    produced: list[int] = []

    def numbers():
        for number in range(50):
            produced.append(number)
            yield number

    received = []
    with read_ahead(numbers(), depth=2) as ahead:
        for number in ahead:
            time.sleep(0.001)
            # the producer may hold `depth` items in the queue and one in hand
            assert len(produced) - len(received) <= 4
            received.append(number)
    assert received == list(range(50))
    assert not _live_read_ahead_threads()


def test_an_error_in_the_producer_is_raised_in_the_consumer_after_the_items_before_it():
    def failing():
        yield 1
        yield 2
        raise ValueError("staged file unreadable")

    received = []
    with pytest.raises(ValueError, match="staged file unreadable"), read_ahead(failing()) as ahead:
        for number in ahead:
            received.append(number)
    assert received == [1, 2]
    assert not _live_read_ahead_threads()


def test_leaving_early_stops_the_producer_and_closes_its_generator():
    closed = threading.Event()

    def endless():
        try:
            number = 0
            while True:
                number += 1
                yield number
        finally:
            closed.set()

    with read_ahead(endless(), depth=1) as ahead:
        for number in ahead:
            if number == 3:
                break
    assert closed.is_set()
    assert not _live_read_ahead_threads()


def test_an_error_in_the_consumer_stops_the_producer():
    def slow():
        yield from range(1000)

    with pytest.raises(RuntimeError), read_ahead(slow(), depth=1) as ahead:
        for number in ahead:
            if number == 5:
                raise RuntimeError("the chunk failed")
    assert not _live_read_ahead_threads()


def test_the_switch_interval_is_short_while_reading_ahead_and_restored_after():
    import sys

    before = sys.getswitchinterval()
    with read_ahead(iter(range(3))) as ahead:
        assert sys.getswitchinterval() <= 0.0005
        assert list(ahead) == [0, 1, 2]
    assert sys.getswitchinterval() == before


def test_overlapping_read_aheads_restore_the_interval_only_when_the_last_one_ends():
    import sys

    before = sys.getswitchinterval()
    first = read_ahead(iter(range(2)))
    second = read_ahead(iter(range(2)))
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the first to start ends first
    assert sys.getswitchinterval() <= 0.0005  # the second is still running
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before
