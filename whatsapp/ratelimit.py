"""The per-phone-number send rate, shared by every worker.

Fixed windows of 100 ms per WhatsApp phone number id, counted with an atomic
`incr` in the shared cache (Redis in production: `add` creates the slot with
SET NX, `incr` is INCRBY), so any number of worker processes together never
start more than the number's rate. Each second's budget is spread over its
ten slots (for 80/s: 8 per slot; for 25/s: 2,3,2,3,… — always exactly the
rate per clock second), which keeps bursts at a second's boundary to one slot
instead of a whole second's worth.

A worker may take several tokens at once (`acquire(n)`) to save round trips;
tokens it takes but does not use are lost for that slot (the limit errs on the
safe side). Slots follow each host's clock: keep worker clocks in sync (NTP).

The rate is the account's `messages_per_second` or
WHATSAPP_RATE_LIMIT_PER_SECOND (Meta's default Cloud API throughput is 80
messages per second per number). Over it Meta answers 130429, which the sender
also treats as "wait and retry".
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

SLOTS_PER_SECOND = 10
SLOT_TTL_SECONDS = 5


def limit_for(account) -> int:
    return int(account.messages_per_second or settings.WHATSAPP_RATE_LIMIT_PER_SECOND)


class NumberRateLimiter:
    def __init__(
        self,
        phone_number_id: str,
        per_second: int,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.key = f"whatsapp:rate:{phone_number_id}"
        self.per_second = max(1, int(per_second))
        self._clock = clock
        self._sleep = sleep

    def slot_quota(self, slot: int) -> int:
        """Tokens of slot `slot` (an absolute slot number): the second's budget
        split evenly, remainders spread so the ten slots sum to the rate."""
        index = slot % SLOTS_PER_SECOND
        rate = self.per_second
        return rate * (index + 1) // SLOTS_PER_SECOND - rate * index // SLOTS_PER_SECOND

    def try_acquire(self, want: int = 1) -> tuple[int, float]:
        """Take up to `want` tokens from the current slot. Returns (granted,
        seconds until the next slot) — granted may be 0."""
        now = self._clock()
        slot = int(now * SLOTS_PER_SECOND)
        wait = (slot + 1) / SLOTS_PER_SECOND - now
        quota = self.slot_quota(slot)
        if quota <= 0:
            return 0, wait
        key = f"{self.key}:{slot}"
        if cache.add(key, want, SLOT_TTL_SECONDS):
            count = want
        else:
            try:
                count = cache.incr(key, want)
            except ValueError:  # the key expired between add and incr
                cache.add(key, want, SLOT_TTL_SECONDS)
                count = want
        return max(0, min(want, quota - (count - want))), wait

    def acquire(self, want: int = 1, *, deadline: float | None = None) -> int:
        """Block until at least one token is granted; return how many (≤ want).
        Returns 0 only if `deadline` (a clock value) passes first."""
        want = max(1, min(want, self.per_second))
        while True:
            granted, wait = self.try_acquire(want)
            if granted:
                return granted
            if deadline is not None and self._clock() + wait > deadline:
                return 0
            self._sleep(wait + 0.0005)
