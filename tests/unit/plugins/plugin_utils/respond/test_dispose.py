# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The disposition's decisions (respond/dispose.py): the verdict classes, dispose_policy and dispose_auto_apply
checked whole, which findings an investigation names (structured fields only), the note, and the plan of each class
and mode from a plain state. The types' steps are in types/test_guardduty_finding.py and its neighbours; the role's
runs against the emulator in tests/integration/test_dispose*.py."""

from __future__ import annotations

import json

import pytest

from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import CUT_MARKER
from ansible_collections.secops.guardduty.plugins.module_utils.securityhub import MAX_NOTE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import dispose
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import new_record
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import write_record_file
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import dispose_samples as d


@pytest.mark.parametrize("risk, confidence, klass", [
    ("Info", "High", "benign"), ("Low", "Medium", "benign"), ("Low", "Low", "uncertain"), ("Medium", "High", "uncertain"),
    ("High", "High", "true_positive"), ("Critical", "Medium", "true_positive"), ("Critical", "Low", "uncertain"),
    ("High", None, "uncertain"), (None, None, "uncertain"),
])
def test_the_verdict_class_comes_from_risk_and_confidence(risk, confidence, klass):
    assert dispose.verdict_class(risk, confidence) == klass


# ---------------------------------------------------------------- settings


def test_the_policy_overrides_the_defaults_per_setting_and_takes_json_text():
    policy = dispose.check_policy({"benign": {"archived": False, "feedback": None}})
    assert policy["benign"] == dict(dispose.DEFAULT_POLICY["benign"], archived=False, feedback=None)
    assert policy["true_positive"] == dispose.DEFAULT_POLICY["true_positive"]
    assert dispose.check_policy(json.dumps({"uncertain": {"note": False}}))["uncertain"]["note"] is False
    assert dispose.check_policy(None) == dispose.DEFAULT_POLICY and dispose.check_policy("") == dispose.DEFAULT_POLICY
    dispose.check_policy({})["benign"]["archived"] = "changed"
    assert dispose.DEFAULT_POLICY["benign"]["archived"] is True  # the defaults are never changed through a result


def test_everything_wrong_with_a_policy_is_said_at_once():
    with pytest.raises(ContainError) as e:
        dispose.check_policy({"malicious": {}, "benign": {"archived": "yes", "colour": "red"}, "uncertain": []})
    assert str(e.value) == (
        "dispose_policy is not valid, nothing was read or changed: 'malicious' is not a verdict class (benign, true_positive, uncertain); "
        "benign.archived must be one of True, False, null; got 'yes'; benign.colour is not a setting (archived, feedback, workflow_status, "
        "verification_state, note, suppress, resolved_when_contained); uncertain must be a dict; got list")
    with pytest.raises(ContainError, match=r"dispose_policy is not valid JSON .*: give a dict"):
        dispose.check_policy("{benign")
    with pytest.raises(ContainError, match="dispose_policy must be a dict of verdict classes"):
        dispose.check_policy(["benign"])


def test_auto_needs_a_policy_of_known_actions_and_a_confidence():
    with pytest.raises(ContainError, match="dispose_mode=auto needs dispose_auto_apply: the actions that may be applied without a person"):
        dispose.check_auto({}, "auto")
    assert dispose.check_auto({"actions": [], "confidence": ""}, "plan") is None
    assert dispose.check_auto({"actions": "archive"}, "auto") == {"actions": ["archive"], "confidence": "High"}
    assert dispose.check_auto('{"actions": ["securityhub", "archive", "archive"], "confidence": "medium"}', "auto") == {
        "actions": ["securityhub", "archive"], "confidence": "Medium"}
    for bad, message in (({"actions": ["delete_everything"]}, "dispose_auto_apply.actions must list one or more of archive, feedback, "),
                         ({"actions": ["archive"], "confidence": "Unknown"}, "dispose_auto_apply.confidence must be one of Low, Medium, High"),
                         ({"actions": ["archive"], "risk": "Low"}, "dispose_auto_apply has unknown keys (risk)"),
                         (["archive"], "dispose_auto_apply must be a dict with actions and confidence")):
        with pytest.raises(ContainError) as e:
            dispose.check_auto(bad, "auto")
        assert str(e.value).startswith(message)


@pytest.mark.parametrize("change, message", [
    ({"mode": "delete"}, "dispose_mode must be one of plan, apply, rollback, auto; got 'delete'"),
    ({"max_filters": -1}, "dispose_max_filters must be a whole number of 0 or more; got -1"),
    ({"max_filters": "many"}, "dispose_max_filters must be a whole number of 0 or more; got 'many'"),
    ({"record_dir": "records"}, "dispose_record_dir must be an absolute path on the controller (or start with ~/); got 'records'"),
    ({"time": "yesterday"}, "The disposition time must be a UTC ISO-8601 time; got 'yesterday'"),
])
def test_a_bad_setting_is_refused_before_anything_is_read(change, message):
    with pytest.raises(ContainError) as e:
        d.plan(d.found(d.FINDING), d.settings(**change), None)
    assert str(e.value) == message


# ---------------------------------------------------------------- which findings


def test_the_findings_come_from_the_structured_fields_only_each_checked():
    inv = d.investigation(named=(d.RELATED, d.arn(d.RELATED), d.arn("f" * 32, d.OTHER_ACCOUNT), d.arn("e" * 32, region="eu-west-1"),
                                 "not-a-finding; touch /tmp/pwned", "A" * 32))
    observation = {"finding_detail": {"finding_id": 42}, "malware_scan": {"trigger_finding_id": "d" * 32}}
    inv["records"].append({"supporting_data": {"observation": observation}})
    resources, unrecognised = dispose.named_findings(inv, d.ACCOUNT, d.REGION)
    assert [r["id"] for r in resources] == [d.FINDING, d.RELATED, "a" * 32, "d" * 32]
    by_id = {r["id"]: r for r in resources}
    assert by_id[d.FINDING]["sources"] == ["scope.finding_id", "summary_data.threat_assessment.attack_progression[0].attacks[0].findings[0].uid"]
    assert by_id[d.RELATED]["sources"] == ["records[0].supporting_data.observation.representative_resources[0].finding_id",
                                           "records[0].supporting_data.observation.representative_resources[1].finding_id"]
    assert by_id["d" * 32]["sources"] == ["records[1].supporting_data.observation.malware_scan.trigger_finding_id"]
    assert "c" * 32 not in by_id  # the narrative names it: free text is never taken
    assert [(u["id"], u["reason"]) for u in unrecognised] == [
        ("f" * 32, f"in account {d.OTHER_ACCOUNT} and Region us-east-1, not the investigation's"),
        ("e" * 32, f"in account {d.ACCOUNT} and Region eu-west-1, not the investigation's"),
        ("not-a-finding; touch /tmp/pwned", "not a GuardDuty finding id (32 hexadecimal characters) or a GuardDuty finding ARN"),
        ("(int)", "not a GuardDuty finding id (32 hexadecimal characters) or a GuardDuty finding ARN"),
    ]


def test_an_unprintable_or_long_malformed_id_is_not_repeated():
    inv = d.investigation(named=("\x1b[31m" + "x" * 10, "y" * 200))
    _resources, unrecognised = dispose.named_findings(inv, d.ACCOUNT, d.REGION)
    assert [u["id"] for u in unrecognised] == ["(str)", "(str)"]


# ---------------------------------------------------------------- the note


def test_the_note_says_the_verdict_and_links_the_finding_from_ids():
    (note, cut) = dispose.note_of(d.investigation(), "benign", d.FINDING, False)
    assert not cut and note["UpdatedBy"] == "secops.guardduty"
    assert note["Text"] == (f"GuardDuty investigation {d.INV_ID}: benign (risk Low, confidence High). Port probes from a known scanner. "
                            f"https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId={d.FINDING}")
    assert "true positive, contained (risk High" in dispose.note_of(d.investigation(risk="High"), "true_positive", d.FINDING, True)[0]["Text"]
    assert "uncertain: a person must decide" in dispose.note_of(d.investigation(), "uncertain", None, False)[0]["Text"]


def test_hostile_text_in_the_note_is_cleaned_and_a_long_one_cut_with_the_marker():
    hostile = "{{ lookup('pipe', 'id') }} <script>alert(1)</script> \x1b[31mRED\x1b[0m \u202eevil"
    note, cut = dispose.note_of(d.investigation(title=hostile + " " + "x" * 2000), "benign", d.FINDING, False)
    assert cut and len(note["Text"]) <= MAX_NOTE and CUT_MARKER + ". https://us-east-1.console.aws.amazon.com/" in note["Text"]
    assert note["Text"].endswith(f"&fId={d.FINDING}")  # the title is cut, the link stays whole
    assert "{{" not in note["Text"] and "<script>" not in note["Text"]
    assert "\x1b" not in note["Text"] and "\u202e" not in note["Text"]
    note, _cut = dispose.note_of(d.investigation(title="Beacon to https://evil.example/x, mail ops@evil.example"), "benign", d.FINDING, False)
    assert "Beacon to hxxps[:]//evil[.]example/x, mail ops\uff20evil[.]example." in note["Text"]  # never a link or an address
    # a region that is not one gives no link at all
    inv = d.investigation(cloud={"account": d.ACCOUNT, "region": "https://evil.example/"})
    assert "https://" not in dispose.note_of(inv, "benign", d.FINDING, False)[0]["Text"]


# ---------------------------------------------------------------- the plan of each class


def test_benign_findings_are_archived_with_feedback_and_suppressed_in_security_hub():
    plan = d.plan(d.found(d.FINDING, d.RELATED), d.settings(), d.state(d.finding(d.FINDING), d.finding(d.RELATED, archived=True)))
    assert plan["verdict"] == "benign" and plan["mode"] == "plan" and plan["policy"] == dispose.DEFAULT_POLICY["benign"]
    got = d.entries(plan)
    wanted = {"archived": True, "feedback": "not_useful", "previous_archived": False, "previous_feedback": None}
    assert got[("guardduty_finding", d.FINDING)]["changes"] == wanted
    assert got[("guardduty_finding", d.RELATED)]["changes"]["archived"] is None  # archived already: only the feedback
    hub = got[("securityhub_finding", d.FINDING)]
    assert hub["status"] == "planned" and hub["changes"]["update"]["Workflow"] == {"Status": "SUPPRESSED"}
    assert hub["changes"]["update"]["VerificationState"] == "BENIGN_POSITIVE" and hub["changes"]["update"]["Note"]["UpdatedBy"] == "secops.guardduty"
    assert hub["changes"]["previous"] == {"workflow_status": "NEW", "verification_state": None, "note": None}
    assert plan["counts"]["planned"] == 4 and not plan["needs_person"] and plan["decide"] is None


def test_a_true_positive_stays_active_with_useful_feedback_and_is_resolved_once_contained():
    found = d.found(d.FINDING, risk="High")
    plan = d.plan(found, d.settings(), d.state(d.finding(d.FINDING)))
    got = d.entries(plan)
    assert got[("guardduty_finding", d.FINDING)]["changes"]["archived"] is None
    assert got[("guardduty_finding", d.FINDING)]["changes"]["feedback"] == "useful"
    assert got[("securityhub_finding", d.FINDING)]["changes"]["update"]["Workflow"] == {"Status": "NOTIFIED"}
    assert got[("securityhub_finding", d.FINDING)]["changes"]["update"]["VerificationState"] == "TRUE_POSITIVE"
    plan = d.plan(found, d.settings(contained=True), d.state(d.finding(d.FINDING)))
    assert d.entries(plan)[("securityhub_finding", d.FINDING)]["changes"]["update"]["Workflow"] == {"Status": "RESOLVED"} and plan["contained"]
    policy = {"true_positive": {"resolved_when_contained": False}}
    plan = d.plan(found, d.settings(contained=True, policy=policy), d.state(d.finding(d.FINDING)))
    assert d.entries(plan)[("securityhub_finding", d.FINDING)]["changes"]["update"]["Workflow"] == {"Status": "NOTIFIED"}


def test_an_uncertain_verdict_only_writes_a_note_and_asks_a_person():
    plan = d.plan(d.found(d.FINDING, risk="Medium", confidence="Low"), d.settings(), d.state(d.finding(d.FINDING)))
    got = d.entries(plan)
    assert got[("guardduty_finding", d.FINDING)]["status"] == "unchanged"
    assert "the policy changes nothing in GuardDuty" in got[("guardduty_finding", d.FINDING)]["reason"]
    assert set(got[("securityhub_finding", d.FINDING)]["changes"]["update"]) == {"Note"}
    assert plan["needs_person"] and "a person must decide" in plan["decide"]
    plan = d.plan(d.found(d.FINDING, risk="Medium", confidence="Low"), d.settings(policy={"uncertain": {"note": False}}),
                  d.state(d.finding(d.FINDING)))
    assert d.entries(plan)[("securityhub_finding", d.FINDING)]["reason"] == "the policy sets nothing in Security Hub for this verdict"


def test_findings_the_detector_does_not_hold_or_of_another_account_are_skipped():
    plan = d.plan(d.found(d.FINDING, d.RELATED), d.settings(), d.state(d.finding(d.RELATED, account=d.OTHER_ACCOUNT)))
    got = d.entries(plan)
    assert got[("guardduty_finding", d.FINDING)]["status"] == "skipped"
    assert got[("guardduty_finding", d.FINDING)]["reason"].startswith(f"detector {d.DETECTOR} holds no such finding")
    assert got[("guardduty_finding", d.RELATED)]["reason"] == f"in account {d.OTHER_ACCOUNT}, not the investigation's account {d.ACCOUNT}"
    assert got[("securityhub_finding", d.RELATED)]["status"] == "skipped"


def test_security_hub_off_or_without_the_finding_skips_only_the_security_hub_side():
    plan = d.plan(d.found(d.FINDING), d.settings(), d.state(d.finding(d.FINDING), unavailable="Security Hub is not enabled"))
    got = d.entries(plan)
    assert got[("guardduty_finding", d.FINDING)]["status"] == "planned"
    assert got[("securityhub_finding", d.FINDING)]["status"] == "skipped"
    assert got[("securityhub_finding", d.FINDING)]["reason"] == "not in Security Hub: Security Hub is not enabled"
    plan = d.plan(d.found(d.FINDING), d.settings(), d.state(d.finding(d.FINDING), hubs=[]))
    assert d.entries(plan)[("securityhub_finding", d.FINDING)]["reason"].startswith("Security Hub does not hold this finding")


def test_a_finding_that_already_has_its_disposition_is_unchanged():
    note, _cut = dispose.note_of(d.investigation(), "benign", d.FINDING, False)
    hub = d.hub(d.FINDING, "SUPPRESSED", "BENIGN_POSITIVE", {"text": note["Text"], "updated_by": note["UpdatedBy"], "updated_at": TIME_})
    plan = d.plan(d.found(d.FINDING), d.settings(mode="apply"), d.state(d.finding(d.FINDING, True, "not_useful"), hubs=[hub]))
    assert {e["status"] for e in plan["resources"]} == {"unchanged"} and plan["counts"]["planned"] == 0


TIME_ = "2026-12-07T02:00:00.000Z"


# ---------------------------------------------------------------- suppression rules


def test_a_suppression_rule_is_built_from_structured_fields_under_a_deterministic_name():
    found, state = d.found(d.FINDING, d.RELATED), d.state(d.finding(d.FINDING), d.finding(d.RELATED))
    plan = d.plan(found, d.settings(suppress=True), state)
    rules = [e for e in plan["resources"] if e["type"] == "guardduty_filter"]
    assert len(rules) == 1  # both findings: the same type on the same instance
    (rule,) = rules
    assert rule["id"].startswith("secops-guardduty-") and len(rule["id"]) == len("secops-guardduty-") + 16
    assert rule["changes"]["filter"]["FindingCriteria"] == {"Criterion": {
        "type": {"Equals": [d.PORTSCAN]}, "accountId": {"Equals": [d.ACCOUNT]}, "resource.instanceDetails.instanceId": {"Equals": [d.INSTANCE]}}}
    assert rule["changes"]["filter"]["Action"] == "ARCHIVE" and d.INV_ID in rule["changes"]["filter"]["Description"]
    assert d.plan(found, d.settings(suppress=True), state)["resources"][-1]["id"] == rule["id"]
    # not for a true positive, and never beyond dispose_max_filters
    assert not [e for e in d.plan(d.found(d.FINDING, risk="High"), d.settings(suppress=True), state)["resources"] if e["type"] == "guardduty_filter"]
    (skipped,) = [e for e in d.plan(found, d.settings(suppress=True, max_filters=0), state)["resources"] if e["type"] == "guardduty_filter"]
    assert skipped["status"] == "skipped" and "dispose_max_filters=0" in skipped["reason"]
    (full,) = [e for e in d.plan(found, d.settings(suppress=True), dict(state, filter_count=[{"count": 100}]))["resources"]
               if e["type"] == "guardduty_filter"]
    assert full["status"] == "skipped" and "the most GuardDuty keeps (100)" in full["reason"]


def test_a_finding_whose_resource_has_no_single_identifier_gets_no_rule():
    state = d.state(d.finding(d.FINDING, resource_type="EKSCluster", resource_id=None))
    (rule,) = [e for e in d.plan(d.found(d.FINDING), d.settings(suppress=True), state)["resources"] if e["type"] == "guardduty_filter"]
    assert rule["status"] == "skipped" and "names no single identifier" in rule["reason"]


# ---------------------------------------------------------------- modes


def test_apply_and_rollback_need_approval_and_rollback_a_record():
    state = d.state(d.finding(d.FINDING))
    plan = d.plan(d.found(d.FINDING), d.settings(mode="apply", approved=False), state)
    assert plan["blocked"] == ["dispose_mode=apply needs dispose_approved=true (in AWX: the approval node)"]
    plan = d.plan(d.found(d.FINDING), d.settings(mode="rollback", record_file=None), state)
    assert plan["blocked"][0].startswith(f"there is no disposition record of investigation {d.INV_ID}")


def test_auto_applies_only_what_the_policy_lists_at_or_above_its_confidence():
    state = d.state(d.finding(d.FINDING))
    auto = {"actions": ["archive"], "confidence": "High"}
    plan = d.plan(d.found(d.FINDING), d.settings(mode="auto", auto_apply=auto), state)
    got = d.entries(plan)
    assert got[("guardduty_finding", d.FINDING)]["changes"]["archived"] is True
    assert got[("guardduty_finding", d.FINDING)]["changes"]["feedback"] is None  # feedback is not listed
    assert got[("securityhub_finding", d.FINDING)]["reason"] == "needs a person: dispose_auto_apply does not allow securityhub"
    plan = d.plan(d.found(d.FINDING, confidence="Medium"), d.settings(mode="auto", auto_apply=auto), state)
    assert {e["status"] for e in plan["resources"]} == {"skipped"} and "below dispose_auto_apply.confidence=High" in plan["gate"]
    (rule,) = [e for e in d.plan(d.found(d.FINDING), d.settings(mode="auto", auto_apply=auto, suppress=True), state)["resources"]
               if e["type"] == "guardduty_filter"]
    assert rule["reason"] == "needs a person: dispose_auto_apply does not allow suppress"


def test_apply_writes_the_record_first_and_marks_it_applied(tmp_path):
    settings = d.settings(mode="apply", record_dir=str(tmp_path), record_file=None, done=True)
    plan = d.plan(d.found(d.FINDING), settings, d.state(d.finding(d.FINDING)))
    before, after = plan["record_before"], plan["record"]
    assert [(r["type"], r["status"]) for r in before["resources"]] == [("guardduty_finding", "pending"), ("securityhub_finding", "pending")]
    assert [r["status"] for r in after["resources"]] == ["applied", "applied"]
    assert before["resources"][1]["previous"] == {"workflow_status": "NEW", "verification_state": None, "note": None}
    assert {e["status"] for e in plan["resources"]} == {"done"}


def _applied_record(tmp_path):
    settings = d.settings(mode="apply", record_dir=str(tmp_path), record_file=None, done=True, suppress=True)
    record = d.plan(d.found(d.FINDING), settings, d.state(d.finding(d.FINDING)))["record"]
    path = dispose.record_path(str(tmp_path), d.INV_ID)
    write_record_file(path, record, kind=dispose.DISPOSITION)
    return record


def test_rollback_gives_back_what_the_record_holds(tmp_path):
    record = _applied_record(tmp_path)
    rule = [r for r in record["resources"] if r["type"] == "guardduty_filter"][0]
    note, _cut = dispose.note_of(d.investigation(), "benign", d.FINDING, False)
    now = d.state(d.finding(d.FINDING, True, "not_useful"),
                  hubs=[d.hub(d.FINDING, "SUPPRESSED", "BENIGN_POSITIVE", {"text": note["Text"], "updated_by": "secops.guardduty", "updated_at": TIME_})],
                  filters=[{"name": rule["id"], "action": "ARCHIVE", "criteria": rule["criteria"], "description": "ours"}])
    plan = d.plan(d.found(d.FINDING), d.settings(mode="rollback", record_file=record), now)
    got = d.entries(plan)
    assert got[("guardduty_finding", d.FINDING)]["changes"] == {"archived": False}
    assert "its feedback stays" in got[("guardduty_finding", d.FINDING)]["reason"]
    update = got[("securityhub_finding", d.FINDING)]["changes"]["update"]
    assert update["Workflow"] == {"Status": "NEW"} and update["VerificationState"] == "UNKNOWN"
    assert update["Note"]["Text"].startswith(f"secops.guardduty: the disposition of investigation {d.INV_ID} was rolled back")
    assert got[("guardduty_filter", rule["id"])]["changes"] == {"delete": True}
    assert {e["record_status"] for e in plan["resources"]} == {"rolled_back"}


def test_rollback_leaves_what_someone_changed_since(tmp_path):
    record = _applied_record(tmp_path)
    rule = [r for r in record["resources"] if r["type"] == "guardduty_filter"][0]
    now = d.state(d.finding(d.FINDING, False, "not_useful"), hubs=[d.hub(d.FINDING, "RESOLVED", "BENIGN_POSITIVE")],
                  filters=[{"name": rule["id"], "action": "NOOP", "criteria": rule["criteria"], "description": "changed"}])
    got = d.entries(d.plan(d.found(d.FINDING), d.settings(mode="rollback", record_file=record), now))
    assert got[("guardduty_finding", d.FINDING)]["status"] == "unchanged"
    assert got[("securityhub_finding", d.FINDING)]["reason"].startswith("changed in Security Hub since the disposition (it is workflow RESOLVED")
    rule_entry = got[("guardduty_filter", rule["id"])]
    assert rule_entry["status"] == "skipped" and "changed since the disposition made it" in rule_entry["reason"]


def test_a_record_of_another_investigation_or_not_ours_is_refused(tmp_path):
    record = _applied_record(tmp_path)
    with pytest.raises(ContainError, match="dispose_record"):
        d.plan(d.found(d.FINDING), d.settings(mode="rollback", record=dict(record, investigation_id="0" * 8 + "-0000-4000-8000-" + "0" * 12)),
               d.state(d.finding(d.FINDING)))
    bad = json.loads(json.dumps(record))
    bad["resources"][0]["previous_archived"] = "maybe"
    with pytest.raises(ContainError, match="previous_archived"):
        d.plan(d.found(d.FINDING), d.settings(mode="rollback", record=bad), d.state(d.finding(d.FINDING)))
    bad = json.loads(json.dumps(record))
    bad["resources"][1]["previous"]["workflow_status"] = "DELETED"
    with pytest.raises(ContainError, match="workflow status Security Hub does not know"):
        d.plan(d.found(d.FINDING), d.settings(mode="rollback", record=bad), d.state(d.finding(d.FINDING)))
    bad = json.loads(json.dumps(record))
    bad["resources"][2]["criteria"] = {"Criterion": {"severity": {"Gte": 0}}}
    with pytest.raises(ContainError, match="criteria this collection does not make"):
        d.plan(d.found(d.FINDING), d.settings(mode="rollback", record=bad), d.state(d.finding(d.FINDING)))


# ---------------------------------------------------------------- what a person reads


@pytest.mark.parametrize("found, settings, state, status, resolved", [
    (d.found(d.FINDING), d.settings(), d.state(d.finding(d.FINDING)), "planned", False),
    (d.found(d.FINDING), d.settings(mode="apply", done=True), d.state(d.finding(d.FINDING)), "closed as benign", True),
    (d.found(d.FINDING, risk="High"), d.settings(mode="apply", done=True), d.state(d.finding(d.FINDING)), "confirmed, open", False),
    (d.found(d.FINDING, risk="High"), d.settings(mode="apply", done=True, contained=True), d.state(d.finding(d.FINDING)), "resolved", True),
    (d.found(d.FINDING, risk="Medium"), d.settings(mode="apply", done=True), d.state(d.finding(d.FINDING)), "needs a person", False),
    (d.found(d.FINDING), d.settings(mode="apply", approved=False), d.state(d.finding(d.FINDING)), "refused", False),
])
def test_the_status_says_what_became_of_the_verdict(found, settings, state, status, resolved):
    plan = d.plan(found, settings, state)
    plan["counts"].setdefault("failed", 0)
    assert dispose.status_of(plan)["status"] == status and dispose.status_of(plan)["resolved"] is resolved


def test_the_containment_record_decides_resolved(tmp_path):
    from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import CONTAINMENT  # pylint: disable=import-outside-toplevel

    found = d.found(d.FINDING, risk="High")
    record = dict(new_record(d.INV_ID, d.ACCOUNT, d.REGION, d.TIME, "0.3.0"), resources=[
        {"type": "s3_bucket", "id": "customer-exports", "status": "applied", "time": d.TIME, "previous_public_access_block": None}])
    assert dispose._contained({"containment": {"record": record}}, found)  # pylint: disable=protected-access
    assert dispose._contained({"containment": record}, found)  # pylint: disable=protected-access
    pending = dict(record, resources=[dict(record["resources"][0], status="pending")])
    assert not dispose._contained({"containment": pending}, found)  # pylint: disable=protected-access
    write_record_file(dispose.record_path(str(tmp_path), d.INV_ID), record, kind=CONTAINMENT)
    assert dispose._contained({"containment_record_dir": str(tmp_path)}, found)  # pylint: disable=protected-access
    assert not dispose._contained({"containment_record_dir": str(tmp_path / "none")}, found)  # pylint: disable=protected-access
