"""gdemu: a local Amazon GuardDuty (investigation API) emulator for the secops.guardduty tests.

Wire format, routing and validation are derived from botocore's service model (see model.py).
"""
from __future__ import annotations

from .server import Emulator
from .state import ApiError

__all__ = ['Emulator', 'ApiError']
