"""Simulated time. The only clock anything in the simulation may read."""

from __future__ import annotations

import datetime as _dt

__all__ = ["SimClock"]


class SimClock:
    """Milliseconds since the Unix epoch, moved only by :meth:`advance`."""

    def __init__(self, start_ms: int) -> None:
        self._now_ms = start_ms

    @property
    def now_ms(self) -> int:
        return self._now_ms

    @property
    def now_s(self) -> int:
        return self._now_ms // 1000

    def advance(self, ms: int) -> None:
        if ms < 0:
            raise ValueError("the simulated clock never goes backwards")
        self._now_ms += ms

    def datetime(self) -> _dt.datetime:
        """The current simulated instant as an aware UTC datetime."""
        return _dt.datetime.fromtimestamp(self._now_ms / 1000, tz=_dt.UTC)
