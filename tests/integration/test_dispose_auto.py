# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""dispose_mode=auto (graded autonomy, as contain_auto_apply) in real ansible-playbook runs against the emulator: without
a person, only the actions dispose_auto_apply lists, and only at or above its confidence; a second run changes nothing;
without a policy, auto fails with one message and calls nothing. The auto_investigate rulebook's disposition is proved
in test_dispose_eda.py."""

from __future__ import annotations

import json

from gdemu import scenarios as sc
from test_dispose import ACTION
from test_dispose import BENIGN
from test_dispose import BENIGN_IDS
from test_dispose import both
from test_dispose import changed_tasks
from test_dispose import dispose  # noqa: F401  pylint: disable=unused-import
from test_dispose import failures
from test_dispose import guardduty
from test_dispose import hub
from test_dispose import reasons
from test_dispose import rule_name
from test_dispose import shown
from test_dispose import snapshot
from test_dispose import statuses
from test_dispose import writes

RULE = rule_name(sc.LOW_FINDING_TYPE, "Instance", sc.INSTANCE_ID, sc.ACCOUNT_ID)


def with_confidence(confidence):
    """The dispose scenario, its benign investigation (Low risk) of ``confidence``: benign from Medium up."""
    scenario = sc.dispose()
    (entry,) = [e for e in scenario["investigations"] if e["investigation"]["InvestigationId"] == BENIGN]
    entry["investigation"]["Confidence"] = confidence
    return scenario


def test_auto_applies_only_the_listed_actions(dispose, guardduty_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    guardduty_emulator.load(sc.dispose())
    policy = {"actions": ["archive", "securityhub"], "confidence": "High"}
    # no approval: auto needs none; a suppression rule and the feedback are not in the policy
    result, outcome = dispose(mode="auto", auto_apply=policy, suppress=True)
    assert result.rc == 0, failures(result)
    assert outcome["auto_apply"] == policy and outcome["gate"] is None and outcome["blocked"] == []
    assert {k: v for k, v in statuses(outcome).items() if k[0] != "guardduty_filter"} == both(BENIGN_IDS, "done")
    assert statuses(outcome)[("guardduty_filter", RULE)] == "skipped"
    assert reasons(outcome)[("guardduty_filter", RULE)] == "needs a person: dispose_auto_apply does not allow suppress"
    for fid in BENIGN_IDS:
        assert reasons(outcome)[("guardduty_finding", fid)] == "archive it (it is active, feedback none)"
        assert guardduty(guardduty_emulator, fid) == {"archived": True, "feedback": None}  # the feedback is a person's
        assert hub(guardduty_emulator, fid)["workflow"] == "SUPPRESSED" and hub(guardduty_emulator, fid)["verification"] == "BENIGN_POSITIVE"
    assert guardduty_emulator.filters() == {} and guardduty_emulator.count("UpdateFindingsFeedback") == 0
    record = json.loads((tmp_path / "records" / f"{BENIGN}.json").read_text())
    assert {(r["type"], r["id"]): r["status"] for r in record["resources"]} == both(BENIGN_IDS, "applied")

    # a second auto run changes nothing
    guardduty_emulator.reset_log()
    result, outcome = dispose(mode="auto", auto_apply=policy, suppress=True)
    assert result.rc == 0 and changed_tasks(result) == [] and writes(guardduty_emulator) == []

    # a person rolls it back from the record
    result, outcome = dispose(mode="rollback", approved=True)
    assert result.rc == 0, failures(result)
    assert all(guardduty(guardduty_emulator, fid)["archived"] is False for fid in BENIGN_IDS)
    assert all(hub(guardduty_emulator, fid)["workflow"] == "NEW" for fid in BENIGN_IDS)

    # archive alone: Security Hub needs a person
    guardduty_emulator.load(sc.dispose())
    result, outcome = dispose(mode="auto", auto_apply={"actions": "archive"}, record_dir=str(tmp_path / "records-2"))
    assert result.rc == 0, failures(result)
    for fid in BENIGN_IDS:
        assert statuses(outcome)[("securityhub_finding", fid)] == "skipped"
        assert reasons(outcome)[("securityhub_finding", fid)] == "needs a person: dispose_auto_apply does not allow securityhub"
        assert guardduty(guardduty_emulator, fid)["archived"] is True and hub(guardduty_emulator, fid)["workflow"] == "NEW"
    assert guardduty_emulator.count("securityhub:BatchUpdateFindings") == 0


def test_auto_acts_at_or_above_the_confidence_only(dispose, guardduty_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    policy = {"actions": ["archive", "feedback", "securityhub", "suppress"], "confidence": "High"}
    guardduty_emulator.load(with_confidence("Medium"))  # still benign, but below the policy's confidence
    before = snapshot(guardduty_emulator, BENIGN_IDS)
    result, outcome = dispose(mode="auto", auto_apply=policy, suppress=True)
    assert result.rc == 0, failures(result)
    gate = ("the confidence is Medium, below dispose_auto_apply.confidence=High: nothing is applied without a person; review the plan "
            "and apply it with approval")
    assert outcome["verdict"] == "benign" and outcome["gate"] == gate
    assert set(statuses(outcome).values()) == {"skipped"} and set(reasons(outcome).values()) == {gate}
    assert changed_tasks(result) == [] and writes(guardduty_emulator) == [] and snapshot(guardduty_emulator, BENIGN_IDS) == before
    assert f"nothing is applied without a person: {gate}" in shown(result)
    assert not (tmp_path / "records" / f"{BENIGN}.json").exists()

    # at the confidence: applied
    result, outcome = dispose(mode="auto", auto_apply=dict(policy, confidence="Medium"), suppress=True)
    assert result.rc == 0, failures(result)
    assert outcome["gate"] is None and statuses(outcome)[("guardduty_filter", RULE)] == "done"
    assert all(guardduty(guardduty_emulator, fid) == {"archived": True, "feedback": "NOT_USEFUL"} for fid in BENIGN_IDS)
    assert list(guardduty_emulator.filters()) == [RULE]


def test_auto_without_a_policy_fails_with_one_message_calling_nothing(dispose, guardduty_emulator):  # pylint: disable=redefined-outer-name
    guardduty_emulator.load(sc.dispose())
    guardduty_emulator.reset_log()
    result, outcome = dispose(mode="auto")
    assert result.rc != 0 and outcome is None
    assert [t["task"] for t in result.tasks if t["status"] == "failed"] == [ACTION]
    assert result.result(ACTION)["msg"] == (
        "dispose_mode=auto needs dispose_auto_apply: the actions that may be applied without a person (any of archive, feedback, "
        "securityhub, suppress) and the confidence an investigation must reach, for example {actions: [archive, securityhub], "
        "confidence: High}")
    assert guardduty_emulator.count() == 0
    # a policy that names an action there is not: one message too
    result, outcome = dispose(mode="auto", auto_apply={"actions": ["archive", "delete_everything"]})
    assert result.rc != 0 and "dispose_auto_apply.actions must list one or more of archive, feedback, securityhub, suppress" in \
        result.result(ACTION)["msg"]
    assert guardduty_emulator.count() == 0
