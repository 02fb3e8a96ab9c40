"""How long a command that loses optimistic-concurrency races keeps trying, and how long it pauses.

Exponential backoff with full jitter: writers that lost the same race spread out instead of colliding
again in step (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
"""

from __future__ import annotations

import random

from ledger.core.errors import Contended

#: How long a command (or batch) keeps retrying after losing optimistic-concurrency races before it is
#: refused as :class:`~ledger.core.errors.Contended` (HTTP 503 with ``Retry-After``): long enough for
#: 16 clients posting to one account at once to take turns (issue 12), short of an HTTP client's timeout.
MAX_CONTENTION_WAIT_S = 10.0
#: The pause after the first lost race, and the longest pause, of the exponential backoff.
FIRST_BACKOFF_S, MAX_BACKOFF_S = 0.002, 0.25


def pause_after_race(jitter: random.Random, races: int, now: float, deadline: float) -> float:
    """Seconds to sleep before the next attempt; :class:`Contended` if that would pass ``deadline``."""
    pause = jitter.uniform(0, min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** min(races, 16)))
    if now + pause > deadline:
        raise Contended(f"the records this command changes were changed by others {races} times while "
                        f"it waited {MAX_CONTENTION_WAIT_S:.0f} s; nothing was written: send it again",
                        retry_after_s=1)
    return pause
