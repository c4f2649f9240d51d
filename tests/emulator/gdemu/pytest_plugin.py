"""pytest plugin: ``pytest_plugins = ["gdemu.pytest_plugin"]`` (with tests/emulator on sys.path)."""
from __future__ import annotations

import pytest

from . import scenarios
from .server import Emulator


@pytest.fixture
def guardduty_emulator():
    """A started Emulator with scenarios.basic(); stopped after the test."""
    emulator = Emulator(scenarios.basic())
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
