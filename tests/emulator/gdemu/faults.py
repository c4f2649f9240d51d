"""Fault injection for data-plane calls (latency, throttling, 500s, dropped connections, slow answers)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from .model import operation_names

FAULT_KEYS = ('latency_ms', 'throttle_every', 'fail_first', 'drop_first', 'drop_every', 'slow_first')

DROP = 'drop'
THROTTLE = 'throttle'
FAIL = 'fail'


@dataclass
class Decision:
    """What to do with one call: sleep ``delay`` seconds, then ``action`` (None = answer normally)."""

    delay: float = 0.0
    action: str | None = None


def _check_operations(mapping, key, allowed_extra=()):
    if not isinstance(mapping, dict):
        raise ValueError(f'{key} must be a mapping of operation name to count')
    names = operation_names()
    for name, value in mapping.items():
        if name in allowed_extra:
            continue
        if name not in names:
            raise ValueError(f'{key}: unknown operation {name!r}')
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f'{key}[{name!r}] must be a non-negative number')


def normalize(faults):
    """Validate a faults mapping; raises ValueError with a clear message."""
    unknown = sorted(set(faults) - set(FAULT_KEYS))
    if unknown:
        raise ValueError(f'unknown fault(s): {", ".join(unknown)}; valid: {", ".join(FAULT_KEYS)}')
    out = {key: value for key, value in faults.items() if value is not None}
    latency = out.get('latency_ms', 0)
    if isinstance(latency, dict):
        _check_operations(latency, 'latency_ms', allowed_extra=('*',))
    elif not isinstance(latency, (int, float)) or latency < 0:
        raise ValueError('latency_ms must be a number of milliseconds or a mapping {operation|"*": ms}')
    for key in ('throttle_every', 'drop_every'):
        if not isinstance(out.get(key, 0), int) or out.get(key, 0) < 0:
            raise ValueError(f'{key} must be a non-negative integer (0 = off)')
    for key in ('fail_first', 'drop_first'):
        _check_operations(out.get(key, {}), key)
    slow = out.get('slow_first', {})
    _check_operations(slow, 'slow_first', allowed_extra=('seconds',))
    if not isinstance(slow.get('seconds', 5), (int, float)):
        raise ValueError('slow_first.seconds must be a number')
    return out


class Faults:
    """Thread-safe fault configuration plus the counters it needs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._config = {}
        self._total = 0
        self._per_op = {}

    def configure(self, faults):
        config = normalize(dict(faults or {}))
        with self._lock:
            self._config = config
            self._total = 0
            self._per_op = {}

    @property
    def config(self):
        with self._lock:
            return dict(self._config)

    def decide(self, operation):
        with self._lock:
            cfg = self._config
            self._total += 1
            nth = self._per_op[operation] = self._per_op.get(operation, 0) + 1
            latency = cfg.get('latency_ms', 0)
            if isinstance(latency, dict):
                latency = latency.get(operation, latency.get('*', 0))
            decision = Decision(delay=latency / 1000.0)
            slow = cfg.get('slow_first', {})
            if nth <= slow.get(operation, 0):
                decision.delay += slow.get('seconds', 5)
            drop_every = cfg.get('drop_every', 0)
            throttle_every = cfg.get('throttle_every', 0)
            if nth <= cfg.get('drop_first', {}).get(operation, 0) or (drop_every and self._total % drop_every == 0):
                decision.action = DROP
            elif throttle_every and self._total % throttle_every == 0:
                decision.action = THROTTLE
            elif nth <= cfg.get('fail_first', {}).get(operation, 0):
                decision.action = FAIL
            return decision
