# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""secops.guardduty.investigations as ansible-rulebook runs it: loaded by path, main(queue, args)."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import INVESTIGATIONS

from .conftest import COLLECTIONS_ROOT
from .conftest import DETECTOR
from .conftest import check_documentation
from .conftest import load
from .conftest import load_outside_ansible
from .conftest import run_main
from .conftest import run_until

INV = "d4e5f6a7-8901-23de-f012-ef4567890123"
LIST = {"DetectorId": DETECTOR, "SortCriteria": {"AttributeName": "START_TIME", "OrderBy": "DESC"}, "MaxResults": 50}


def test_documentation_matches_the_options():
    check_documentation("investigations", INVESTIGATIONS)
    assert asyncio.iscoroutinefunction(load("investigations")["main"])


def test_imports_work_when_loaded_by_path_outside_ansible(tmp_path):
    assert load_outside_ansible(tmp_path, "investigations", None) == "None"  # the file's own collections root
    assert load_outside_ansible(tmp_path, "investigations", COLLECTIONS_ROOT, copy=True) == "None"  # ANSIBLE_COLLECTIONS_PATH
    missing = load_outside_ansible(tmp_path, "investigations", None, copy=True)
    assert missing.startswith("ModuleNotFoundError(") and "ansible_collections" in missing


def test_main_reports_a_completion_from_a_running_start(stub_source):
    now = datetime.datetime.now(datetime.timezone.utc)
    running = {"InvestigationId": INV, "Status": "RUNNING", "TriggerPrompt": "Analyze findings in my account", "StartTime": now - datetime.timedelta(minutes=5)}
    done = dict(running, Status="COMPLETED", EndTime=now)
    stub_source.add_response("list_investigations", {"Investigations": [running]}, LIST)
    stub_source.add_response("list_investigations", {"Investigations": [done]}, LIST)
    stub_source.add_response(
        "get_investigation",
        {"Investigation": dict(done, TriggeredBy="123456789012", RiskLevel="Critical", Summary="{}")},
        {"DetectorId": DETECTOR, "InvestigationId": INV},
    )
    (event,) = run_until("investigations", {"detector_id": DETECTOR, "interval": 0.01}, 1)
    assert event["type"] == "investigation_completed" and event["detector_id"] == DETECTOR and event["region"] == "us-east-1"
    assert event["investigation"]["investigation_id"] == INV and event["investigation"]["risk_level"] == "Critical"
    assert event["investigation"]["end_time"] == now.isoformat()


@pytest.mark.parametrize(
    "args, message",
    [
        ({"interval": -5}, "secops.guardduty.investigations stopped: interval must be a positive number of seconds, got -5.0"),
        ({"detector": DETECTOR}, "secops.guardduty.investigations stopped: unknown option(s) detector; valid options are:"),
        ({"min_severity": 7}, "unknown option(s) min_severity"),
    ],
)
def test_main_stops_with_one_message_on_a_bad_option(stub_source, args, message):
    with pytest.raises(GuardDutyError) as exc:
        run_main("investigations", args)
    assert str(exc.value).startswith(message) or message in str(exc.value)


def test_main_stops_on_access_denied(stub_source):
    stub_source.add_client_error("list_investigations", "AccessDeniedException", "User is not authorized", 403)
    with pytest.raises(GuardDutyError) as exc:
        run_main("investigations", {"detector_id": DETECTOR})
    assert str(exc.value).startswith("secops.guardduty.investigations stopped: Access denied calling ListInvestigations")
    assert "guardduty:ListInvestigations" in str(exc.value)


def test_the_source_stops_with_a_clear_message_when_its_imports_fail(tmp_path):
    # a copy outside any collections root, without ANSIBLE_COLLECTIONS_PATH: its load fails saying what it needs
    # (load_outside_ansible checks the message: "secops.guardduty.investigations needs ansible-core, boto3 and botocore,
    # and amazon.aws in ANSIBLE_COLLECTIONS_PATH: <the import error>"); ansible-rulebook reports a failed load as it
    # reports a failed main()
    missing = load_outside_ansible(tmp_path, "investigations", None, copy=True)
    assert missing.startswith("ModuleNotFoundError(") and "No module named 'ansible_collections'" in missing
