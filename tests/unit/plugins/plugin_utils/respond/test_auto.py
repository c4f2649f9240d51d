# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""containment_plan in contain_mode=auto (graded autonomy): only what contain_auto_apply allows, only at or above its
risk level and confidence, never an instance, never deny-all, recorded like apply; the policy is checked in every mode."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import investigation_resources
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

KEY = s.resource(s.KEY, "IAM_ACCESS_KEY")
ROLE = s.resource("web-role", "IAM_ROLE")
EC2 = s.resource(s.INSTANCE, "EC2_INSTANCE")
USER = s.resource("alice", "IAM_USER")
VOLUME = s.resource("vol-0123456789abcdef0", "EBS_VOLUME")
KEYS_AND_SESSIONS = {"actions": ["deactivate_access_key", "revoke_role_sessions"], "risk_level": "High", "confidence": "High"}
STATE = {"access_keys": [{"access_key_id": s.KEY, "user_name": "alice", "status": "Active"}],
         "users": [{"user_name": "alice", "tags": {}}], "user_policies": {"alice": []}, "role_policies": {"web-role": []}}
REVOKE = "secops-guardduty-revoke-" + s.INV_ID


def found(*resources, risk="High", confidence="High"):
    return investigation_resources(s.investigation([s.action(list(resources))], risk=risk, confidence=confidence))


def auto(policy=None, **extra):
    """Settings of contain_mode=auto: no approval, the policy, the run's time."""
    return dict({"mode": "auto", "caller_account": s.ACCOUNT, "auto_apply": KEYS_AND_SESSIONS if policy is None else policy,
                 "time": s.TIME}, **extra)


def by_id(plan):
    return {r["id"]: r for r in plan["resources"]}


def test_auto_applies_only_the_allowed_actions_without_approval():
    plan = containment_plan(found(EC2, KEY, USER, ROLE), auto(done=True), STATE)
    assert plan["blocked"] == [] and plan["gate"] is None  # no approval asked: the policy is the person's decision
    assert plan["mode"] == "auto" and plan["auto_apply"] == KEYS_AND_SESSIONS and plan["confidence"] == "High"
    got = by_id(plan)
    assert got[s.KEY]["status"] == "done" and got["web-role"]["status"] == "done"
    assert got["web-role"]["changes"]["policy_name"] == REVOKE and got["web-role"]["changes"]["revoked_before"] == s.TIME
    for other in (s.INSTANCE, "alice"):
        assert got[other]["status"] == "skipped"
        assert got[other]["reason"].startswith("needs a person: contain_auto_apply allows only deactivate_access_key, revoke_role_sessions")
        assert "changes" not in got[other] or not got[other]["changes"]
    # no derived role of the instance, no network limits: the instance is not contained
    assert sorted(r["id"] for r in plan["resources"]) == sorted([s.INSTANCE, s.KEY, "alice", "web-role"])
    assert plan["limits"] == []
    # the record holds exactly what auto changes, written before it acts
    assert sorted(r["id"] for r in plan["record_before"]["resources"]) == [s.KEY, "web-role"]
    assert {r["status"] for r in plan["record_before"]["resources"]} == {"pending"}
    assert {r["status"] for r in plan["record"]["resources"]} == {"applied"}


@pytest.mark.parametrize("risk,confidence,words", [
    ("Medium", "High", "the risk level is Medium, below contain_auto_apply.risk_level=High"),
    ("High", "Medium", "the confidence is Medium, below contain_auto_apply.confidence=High"),
    ("Critical", "Unknown", "the confidence is Unknown, below contain_auto_apply.confidence=High"),
    ("High", None, "the confidence is not assessed, below"),
    (None, "High", "the risk level is not assessed, below"),
])
def test_below_either_threshold_nothing_is_applied(risk, confidence, words):
    plan = containment_plan(found(KEY, ROLE, risk=risk, confidence=confidence), auto(done=True), STATE)
    assert plan["gate"].startswith(words) and "nothing is applied without a person" in plan["gate"]
    assert {r["status"] for r in plan["resources"]} == {"skipped"}
    assert plan["record_before"] is None and plan["counts"]["done"] == 0


def test_thresholds_are_the_lowest_acted_on():
    policy = {"actions": ["deactivate_access_key"], "risk_level": "Medium", "confidence": "Low"}
    assert by_id(containment_plan(found(KEY, risk="Medium", confidence="Low"), auto(policy), STATE))[s.KEY]["status"] == "planned"
    assert containment_plan(found(KEY, risk="Low", confidence="High"), auto(policy), STATE)["gate"].startswith("the risk level is Low")
    critical = {"actions": ["deactivate_access_key"], "risk_level": "critical"}  # case as a person may type it; confidence High
    gate = containment_plan(found(KEY, risk="High"), auto(critical), STATE)["gate"]
    assert gate.startswith("the risk level is High, below contain_auto_apply.risk_level=Critical")
    assert containment_plan(found(KEY, risk="Critical"), auto(critical), STATE)["gate"] is None


def test_deny_all_is_never_applied_without_a_person():
    plan = containment_plan(found(ROLE), auto(role_action="deny_all"), STATE)
    assert by_id(plan)["web-role"]["status"] == "skipped"
    assert "contain_role_action=deny_all is never applied without a person" in by_id(plan)["web-role"]["reason"]


def test_a_volume_snapshot_is_allowed_on_its_own():
    policy = {"actions": ["snapshot_volume"]}  # risk level and confidence default to High
    plan = containment_plan(found(VOLUME, KEY), auto(policy))
    assert by_id(plan)["vol-0123456789abcdef0"]["status"] == "pending"  # read next, then snapshot
    assert by_id(plan)[s.KEY]["reason"].startswith("needs a person: contain_auto_apply allows only snapshot_volume")
    assert plan["auto_apply"] == {"actions": ["snapshot_volume"], "risk_level": "High", "confidence": "High"}


def test_the_resource_limit_still_holds_in_auto():
    many = [s.resource(f"AKIAIOSFODNN7EXAMP{i:02d}", "IAM_ACCESS_KEY") for i in range(21)]
    assert containment_plan(found(*many), auto())["blocked"][0].startswith("21 resources are within reach")


def test_the_policy_can_be_json_text_as_an_awx_survey_gives_it():
    plan = containment_plan(found(KEY), auto('{"actions": ["deactivate_access_key"], "confidence": "medium"}'), STATE)
    assert plan["auto_apply"] == {"actions": ["deactivate_access_key"], "risk_level": "High", "confidence": "Medium"}


@pytest.mark.parametrize("policy,words", [
    ({}, "contain_mode=auto needs contain_auto_apply"),
    ("", "contain_mode=auto needs contain_auto_apply"),
    ({"actions": []}, "contain_mode=auto needs contain_auto_apply"),
    ({"actions": ["quarantine_instance"]}, "contain_auto_apply.actions must list one or more of deactivate_access_key, revoke_role_sessions, snapshot_volume"),
    ({"actions": ["deactivate_access_key"], "risk_level": "Low"}, "contain_auto_apply.risk_level must be one of Medium, High, Critical"),
    ({"actions": ["deactivate_access_key"], "confidence": "Unknown"}, "contain_auto_apply.confidence must be one of Low, Medium, High"),
    ({"actions": ["deactivate_access_key"], "approve": True}, r"contain_auto_apply has unknown keys \(approve\)"),
    (["deactivate_access_key"], "contain_auto_apply must be a dict"),
    ("{not json", "contain_auto_apply is not valid JSON"),
])
def test_a_wrong_policy_is_refused_with_what_to_give(policy, words):
    with pytest.raises(ContainError, match=words):
        containment_plan(found(KEY), auto(policy))


def test_the_policy_is_checked_in_every_mode_and_ignored_outside_auto():
    with pytest.raises(ContainError, match="contain_auto_apply.actions"):
        containment_plan(found(KEY), s.settings("plan", auto_apply={"actions": ["everything"]}))
    plan = containment_plan(found(EC2, KEY), s.settings("plan", auto_apply=KEYS_AND_SESSIONS))
    assert plan["auto_apply"] is None and {r["status"] for r in plan["resources"]} == {"pending"}
    # apply still needs approval, and acts on everything within reach, whatever the policy
    blocked = containment_plan(found(KEY), dict(s.settings(auto_apply=KEYS_AND_SESSIONS), approved=False))["blocked"]
    assert blocked == ["contain_mode=apply needs contain_approved=true (in AWX: the approval node)"]
