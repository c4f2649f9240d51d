# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which botocore the unit tests run with (scripts/test-matrix also runs them on the botocore floor, 1.43.35)."""

from __future__ import annotations

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least

# A test that stubs what only the botocore >= 1.44.2 model has (filters, ListInvestigationRecords, SummaryFormat,
# Scope) cannot run against an older model: there those options are refused by design, before any call. That path
# is unit-tested with a patched version check on every botocore, and end to end by tests/integration/test_compat.py.
needs_botocore_1_44_2 = pytest.mark.skipif(
    not botocore_at_least("1.44.2"),
    reason="stubs the botocore >= 1.44.2 GuardDuty model; older botocore refuses these options (tests/integration/test_compat.py)",
)
