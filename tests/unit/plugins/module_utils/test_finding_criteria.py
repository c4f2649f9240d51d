# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""finding_criteria.py is the list GuardDuty documents for CreateFilter's FindingCriteria, in the installed botocore."""

from __future__ import annotations

import re

import botocore.session

from ansible_collections.secops.guardduty.plugins.module_utils.finding_criteria import CRITERION_FIELDS
from ansible_collections.secops.guardduty.plugins.module_utils.finding_criteria import TIMESTAMP_FIELDS


def documentation():
    model = botocore.session.get_session().get_service_model("guardduty")
    return model.operation_model("CreateFilter").input_shape.members["FindingCriteria"].documentation


def test_the_fields_are_the_documented_ones():
    documented = {item.strip() for item in re.findall(r"<li>\s*<p>([^<]+)</p>", documentation())}
    new = sorted(documented - CRITERION_FIELDS)
    assert not new, f"GuardDuty documents fields this collection does not know yet: add them to finding_criteria.py: {new}"
    assert not CRITERION_FIELDS - documented, f"finding_criteria.py has fields GuardDuty no longer documents: {sorted(CRITERION_FIELDS - documented)}"


def test_the_time_fields_are_those_documented_as_epoch_milliseconds():
    documented = {item.strip() for item in re.findall(r"<li>\s*<p>([^<]+)</p>\s*<p>Type: Timestamp in Unix Epoch millisecond", documentation())}
    assert TIMESTAMP_FIELDS == documented and TIMESTAMP_FIELDS <= CRITERION_FIELDS
    assert {"updatedAt", "createdAt", "service.eventLastSeen"} <= TIMESTAMP_FIELDS
