# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""secops.guardduty.findings as ansible-rulebook runs it: loaded by path, main(queue, args)."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import FINDINGS

from .conftest import COLLECTIONS_ROOT
from .conftest import DETECTOR
from .conftest import check_documentation
from .conftest import load
from .conftest import load_outside_ansible
from .conftest import run_main
from .conftest import run_until

FINDING_ID = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"


def finding(updated, severity=8.0):
    return {
        "Id": FINDING_ID,
        "AccountId": "123456789012",
        "Arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/{DETECTOR}/finding/{FINDING_ID}",
        "CreatedAt": updated,
        "UpdatedAt": updated,
        "Region": "us-east-1",
        "Resource": {"ResourceType": "AccessKey", "AccessKeyDetails": {"UserName": "deploy"}},
        "SchemaVersion": "2.0",
        "Severity": severity,
        "Type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "Title": "Credentials used from outside AWS",
    }


def test_documentation_matches_the_options():
    check_documentation("findings", FINDINGS)
    assert asyncio.iscoroutinefunction(load("findings")["main"])


def test_imports_work_when_loaded_by_path_outside_ansible(tmp_path):
    assert load_outside_ansible(tmp_path, "findings", None) == "None"
    assert load_outside_ansible(tmp_path, "findings", COLLECTIONS_ROOT, copy=True) == "None"
    assert load_outside_ansible(tmp_path, "findings", None, copy=True).startswith("ModuleNotFoundError(")


def test_main_reports_new_and_updated_findings(stub_source):
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    first = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    later = now + datetime.timedelta(milliseconds=250)
    second = later.strftime("%Y-%m-%dT%H:%M:%S.") + f"{later.microsecond // 1000:03d}Z"
    stub_source.add_response("list_detectors", {"DetectorIds": [DETECTOR]}, {})
    stub_source.add_response("list_findings", {"FindingIds": [FINDING_ID]})
    stub_source.add_response("get_findings", {"Findings": [finding(first)]}, {"DetectorId": DETECTOR, "FindingIds": [FINDING_ID]})
    stub_source.add_response("list_findings", {"FindingIds": [FINDING_ID]})
    stub_source.add_response("get_findings", {"Findings": [finding(second, 8.5)]}, {"DetectorId": DETECTOR, "FindingIds": [FINDING_ID]})
    events = run_until("findings", {"interval": 0.01, "min_severity": "High"}, 2)
    assert [(event["type"], event["finding"]["id"], event["finding"]["updated_at"]) for event in events] == [
        ("finding", FINDING_ID, first),
        ("finding", FINDING_ID, second),
    ]
    assert events[1]["finding"]["severity"] == 8.5 and events[1]["finding"]["resource"]["access_key_details"] == {"user_name": "deploy"}
    assert events[0]["detector_id"] == DETECTOR and events[0]["region"] == "us-east-1"


@pytest.mark.parametrize(
    "args, message",
    [
        ({"min_severity": "urgent"}, "secops.guardduty.findings stopped: min_severity must be a number above 0 and at most 10"),
        ({"lookback": "yesterday"}, "secops.guardduty.findings stopped: argument 'lookback' is of type"),
        ({"filters": {"status": "RUNNING"}}, "secops.guardduty.findings stopped: unknown option(s) filters"),
    ],
)
def test_main_stops_with_one_message_on_a_bad_option(stub_source, args, message):
    with pytest.raises(GuardDutyError) as exc:
        run_main("findings", args)
    assert str(exc.value).startswith(message)


def test_main_stops_on_access_denied(stub_source):
    stub_source.add_client_error("list_findings", "AccessDeniedException", "User is not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        run_main("findings", {"detector_id": DETECTOR})
    assert str(exc.value) == (
        f"secops.guardduty.findings stopped: Access denied calling ListFindings for findings on detector {DETECTOR} in us-east-1: "
        f"the caller needs guardduty:ListFindings (on arn:aws:guardduty:<region>:<account>:detector/{DETECTOR} and .../*) "
        "(AccessDeniedException: User is not authorized)"
    )
