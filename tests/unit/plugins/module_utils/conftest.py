# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader

# The detector of the module_utils tests (the stubbed client is the `stubbed` fixture of tests/unit/conftest.py).
DETECTOR = "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"


@pytest.fixture
def virtual_time(monkeypatch):
    """Virtual time for waits: the readers' sleep advances their clock instead of blocking (one clock for every
    thread, so for every Region's reader too)."""
    now = {"t": 0.0}

    def pause(seconds):
        now["t"] += seconds

    monkeypatch.setattr(InvestigationReader, "clock", staticmethod(lambda: now["t"]))
    monkeypatch.setattr(InvestigationReader, "sleep", staticmethod(pause))
    return now
