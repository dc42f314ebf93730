"""How many sends the outbox sender keeps in flight: enough for the target rate at the measured
round trip, and no more.

A Bot API call takes a round trip (150-250 ms from Vietnam to api.telegram.org); one call at a
time sends at most 1/RTT messages a second. To send ``rate`` messages a second the sender needs
about ``rate × RTT`` calls in flight (Little's law). :class:`SendWindow` keeps a smoothed round
trip and its variation (as TCP does, RFC 6298: SRTT and RTTVAR) from the calls' own timings and
sizes the window to ``rate × (SRTT + 4·RTTVAR) + 2``: a round trip that grows (a congested
link) grows the window at once, one that shrinks lets it shrink. Until the first answer it
assumes :data:`INITIAL_RTT`.

``cap`` (``delivery.concurrency`` when set) bounds the window; without one it is bounded by
``ceil(rate × MAX_RTT) + 2`` (full speed up to 2 s round trips) and :data:`MAX_IN_FLIGHT`, which
is also the size of the sender's HTTP connection pool, so a send never waits for a connection.
"""

from __future__ import annotations

import math

INITIAL_RTT = 0.5  # seconds, until a call was timed
MAX_RTT = 2.0  # round trips up to this long still allow the full rate without a cap
MAX_IN_FLIGHT = 512  # open connections at most (file descriptors, Telegram's patience)
EXTRA = 2  # sends in flight beyond rate × round trip
_ALPHA, _BETA = 1 / 8, 1 / 4  # RFC 6298 gains


class SendWindow:
    """The number of sends that may be in flight (see the module docstring)."""

    def __init__(self, rate: float, cap: int | None = None, initial_rtt: float = INITIAL_RTT) -> None:
        self.rate = rate
        self.limit = cap if cap else min(MAX_IN_FLIGHT, math.ceil(rate * MAX_RTT) + EXTRA)
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.initial_rtt = initial_rtt

    def observe(self, seconds: float) -> None:
        """A call was answered after ``seconds``."""
        if self.srtt is None:
            self.srtt, self.rttvar = seconds, seconds / 2
            return
        self.rttvar = (1 - _BETA) * self.rttvar + _BETA * abs(self.srtt - seconds)
        self.srtt = (1 - _ALPHA) * self.srtt + _ALPHA * seconds

    @property
    def rtt(self) -> float:
        """The round trip the window is sized for."""
        return self.initial_rtt if self.srtt is None else self.srtt + 4 * self.rttvar

    @property
    def size(self) -> int:
        return max(1, min(self.limit, math.ceil(self.rate * self.rtt) + EXTRA))


__all__ = ["EXTRA", "INITIAL_RTT", "MAX_IN_FLIGHT", "MAX_RTT", "SendWindow"]
