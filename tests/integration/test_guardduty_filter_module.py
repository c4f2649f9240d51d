# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""guardduty_filter in real ansible-playbook runs against the emulator: a suppression rule created, left alone,
updated where it differs and deleted, with check and diff modes; the rule then archives the new findings it matches;
criteria with unknown fields or operators are refused with one message before any call."""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task

MODULE = "secops.guardduty.guardduty_filter"
NAME = "suppress-scanner-portscan"
RULE = {"name": NAME, "action": "archive", "rank": 1, "description": "The nightly vulnerability scan",
        "criteria": {"type": {"equals": sc.LOW_FINDING_TYPE}, "resource.instanceDetails.instanceId": {"eq": [sc.INSTANCE_ID]},
                     "severity": {"less_than": 4}}}


def test_create_leave_update_delete_with_check_and_diff(play, guardduty_emulator):
    same_in_api_form = {"name": NAME, "criteria": {"Criterion": {
        "severity": {"LessThan": 4}, "type": {"Equals": [sc.LOW_FINDING_TYPE]},
        "resource.instanceDetails.instanceId": {"Equals": [sc.INSTANCE_ID]}}}}
    result = play(playbook(
        task("plan", MODULE, RULE, check_mode=True)
        + task("create", MODULE, RULE, diff=True, register="created")
        + task("created diff", "ansible.builtin.set_fact", {"shown": "{{ created.diff }}"})
        + task("again", MODULE, RULE)
        + task("same rule in the API's form", MODULE, same_in_api_form)
        + task("move it", MODULE, {"name": NAME, "rank": 2, "description": "moved"})
        + task("plan delete", MODULE, {"name": NAME, "state": "absent"}, check_mode=True)
        + task("delete", MODULE, {"name": NAME, "state": "absent"})
        + task("delete again", MODULE, {"name": NAME, "state": "absent"})
    ))
    assert result.rc == 0, result
    expected = {"name": NAME, "action": "ARCHIVE", "rank": 1, "description": "The nightly vulnerability scan",
                "criteria": {"type": {"equals": [sc.LOW_FINDING_TYPE]}, "resource.instanceDetails.instanceId": {"equals": [sc.INSTANCE_ID]},
                             "severity": {"less_than": 4}}}
    assert result.result("plan")["changed"] is True and result.result("plan")["filter"] == expected
    assert result.result("create")["changed"] is True and result.result("create")["filter"] == expected
    assert result.result("created diff")["ansible_facts"]["shown"] == {"before": {}, "after": expected}
    assert result.result("again")["changed"] is False and result.result("same rule in the API's form")["changed"] is False
    moved = result.result("move it")
    assert moved["changed"] is True and moved["before"]["rank"] == 1 and moved["filter"] == dict(expected, rank=2, description="moved")
    assert result.result("plan delete")["changed"] is True and result.result("delete")["changed"] is True
    assert result.result("delete again")["changed"] is False and result.result("delete again")["filter"] is None
    # check mode created and deleted nothing; only the second run's changes were made
    assert [guardduty_emulator.count(op) for op in ("CreateFilter", "UpdateFilter", "DeleteFilter")] == [1, 1, 1]
    assert guardduty_emulator.filters() == {}


def test_the_rule_archives_the_new_findings_it_matches(play, guardduty_emulator):
    result = play(playbook(task("create", MODULE, RULE)))
    assert result.rc == 0, result
    scan, other = "a" * 32, "b" * 32
    guardduty_emulator.put_findings([sc.finding(scan, 2.0, sc.LOW_FINDING_TYPE), sc.finding(other, 8.0)])
    assert guardduty_emulator.finding(scan)["Service"]["Archived"] is True
    assert guardduty_emulator.finding(other)["Service"]["Archived"] is False
    assert guardduty_emulator.filters()[NAME]["FindingCriteria"]["Criterion"]["resource.instanceDetails.instanceId"] == {"Equals": [sc.INSTANCE_ID]}


def test_unknown_fields_and_operators_are_refused_with_one_message_before_any_call(play, guardduty_emulator):
    guardduty_emulator.reset_log()
    bad = {"name": NAME, "action": "archive", "criteria": {"resource.instanceDetails.instanceid": {"equals": "i-1"}, "type": {"like": "Recon*"}}}
    result = play(playbook(task("bad", MODULE, bad, ignore_errors=True)
                           + task("bad name", MODULE, {"name": "rule with spaces", "criteria": {"type": {"eq": "x"}}}, ignore_errors=True)))
    assert result.task("bad")["status"] == "failed"
    message = result.result("bad")["msg"]
    assert message.startswith("Invalid criteria, nothing was called: unknown criterion field 'resource.instanceDetails.instanceid' "
                              "(did you mean 'resource.instanceDetails.instanceId'?); type: unknown operator 'like'; valid operators: ")
    assert result.result("bad name")["msg"].startswith("Invalid filter name 'rule with spaces'")
    assert guardduty_emulator.count() == 0


def test_a_detector_this_account_does_not_own_gets_a_clear_message(play, guardduty_emulator):
    result = play(playbook(task("wrong detector", MODULE, dict(RULE, detector_id="f" * 32), ignore_errors=True)))
    message = result.result("wrong detector")["msg"]
    assert result.task("wrong detector")["status"] == "failed"
    assert message.startswith(f"Failed to call GetFilter on filter {NAME} of detector {'f' * 32} (BadRequestException: ")
    assert "not owned by the current account" in message
