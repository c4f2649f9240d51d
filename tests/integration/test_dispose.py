# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The dispose role in real ansible-playbook runs against the GuardDuty emulator, which holds the investigations, their
findings, the detector's suppression rules and, on the same endpoint, a Security Hub (scenario ``dispose``). Every
outcome is read back from the emulator: archived, feedback (and its comment), the Security Hub workflow status,
verification state and note, the filters.

plan changes nothing; apply needs approval; apply closes a benign verdict's findings (in as few calls as the APIs
allow), a second apply changes nothing, rollback restores from the disposition record what it can (feedback stays:
the API cannot withdraw it), a second rollback changes nothing; a finding of another account and a malformed id are
listed as not acted on and never sent; a true positive is confirmed, and RESOLVED once its containment applied;
uncertain gets a note only; Security Hub off or a finding it has not imported are skipped with the reason; a hostile,
huge AI title leaves a clean note within the limit; suppression rules; dispose_policy; every input form; module_defaults;
check and diff mode; a call that fails mid-apply.
"""

from __future__ import annotations

import hashlib
import json
import stat

import pytest

from aws_proxy import AwsProxy
from gdemu import scenarios as sc
from gdplay import replace_strings

BENIGN, TP, UNCERTAIN = sc.DISPOSE_BENIGN_INV_ID, sc.DISPOSE_TP_INV_ID, sc.DISPOSE_UNCERTAIN_INV_ID
BENIGN_IDS = [sc.DISPOSE_BENIGN_FINDING_ID, sc.DISPOSE_RELATED_FINDING_ID]
OTHER_IDS = [sc.DISPOSE_TP_FINDING_ID, sc.DISPOSE_UNCERTAIN_FINDING_ID]
WRITES = ("ArchiveFindings", "UnarchiveFindings", "UpdateFindingsFeedback", "CreateFilter", "UpdateFilter", "DeleteFilter",
          "securityhub:BatchUpdateFindings")
ACTION = "secops.guardduty.dispose : Dispose of the investigation's findings (read, plan, record, act)"
SHOW = "secops.guardduty.dispose : Show the outcome"
PUBLISH = "secops.guardduty.dispose : Publish the outcome for AWX workflows"
PUBLISH_RECORD = "secops.guardduty.dispose : Publish the disposition record for the rollback job (AWX workflows)"
FAIL = "secops.guardduty.dispose : Fail, naming the steps that failed (the others were carried out, and the record says which)"
FEEDBACK_FINAL = "feedback cannot be withdrawn in GuardDuty's API: rollback leaves it as it is"
CUT_MARKER = " [...cut]"

PLAY = """\
- name: {name}
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/secops.guardduty.guardduty:
      endpoint_url: "{{{{ gd_endpoint }}}}"
      region: "{{{{ gd_region }}}}"
  tasks:
    - name: Run the dispose role
      ansible.builtin.include_role:
        name: secops.guardduty.dispose
      vars:
        dispose_investigation_id: "{{{{ investigation_id }}}}"
"""
HEADER = PLAY.format(name="Dispose")


@pytest.fixture
def dispose(play, tmp_path):
    """dispose(investigation_id=BENIGN, check=False, diff=False, env=None, endpoint=None, **role_vars) -> (PlayResult,
    dispose_result or None); disposition records go to tmp_path/records unless record_dir is given, containment
    records are looked for in tmp_path/contain-records unless containment_record_dir is given."""

    def run(investigation_id=BENIGN, check=False, diff=False, env=None, endpoint=None, playbook=HEADER, **role_vars):
        extra = {"investigation_id": investigation_id, "dispose_record_dir": str(tmp_path / "records"),
                 "dispose_containment_record_dir": str(tmp_path / "contain-records")}
        if endpoint:
            extra["gd_endpoint"] = endpoint
        extra.update({f"dispose_{key}": value for key, value in role_vars.items()})
        result = play(playbook, extra_vars=extra, check=check, args=("--diff",) if diff else (), env=env)
        return result, result_of(result)

    return run


def result_of(result):
    """The last dispose_result the role kept, or None."""
    facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
    return facts[-1]["result"]["ansible_facts"]["dispose_result"] if facts else None


def failures(result):
    """What failed in a run, messages first (pytest shortens a long PlayResult in the middle)."""
    return [(t["task"], t["result"].get("msg")) for t in result.tasks if t["status"] == "failed"] or result


def statuses(outcome):
    return {(r["type"], r["id"]): r["status"] for r in outcome["resources"]}


def reasons(outcome):
    return {(r["type"], r["id"]): r["reason"] for r in outcome["resources"]}


def both(ids, status):
    """Each finding in GuardDuty and in Security Hub with ``status``."""
    return {(kind, fid): status for fid in ids for kind in ("guardduty_finding", "securityhub_finding")}


def shown(result):
    return result.task(SHOW)["result"]["msg"]


def changed_tasks(result):
    return [t["task"] for t in result.tasks if t["result"].get("changed") and t["result"].get("ansible_facts") is None]


def stats_of(result, task):
    return [t["result"]["ansible_stats"]["data"] for t in result.tasks if t["task"] == task and t["status"] == "ok"]


def writes(emulator):
    """The calls that change something, as (operation, status)."""
    return [(c["operation"], c["status"]) for c in emulator.calls() if c["operation"] in WRITES]


def guardduty(emulator, finding_id):
    service = emulator.finding(finding_id)["Service"]
    return {"archived": service["Archived"], "feedback": service.get("UserFeedback")}


def hub(emulator, finding_id):
    found = emulator.securityhub_finding(finding_id)
    return {"workflow": found["Workflow"]["Status"], "verification": found.get("VerificationState"), "note": (found.get("Note") or {}).get("Text")}


def snapshot(emulator, ids):
    """Everything the role may change: each finding in GuardDuty (and its last feedback comment) and Security Hub, the filters."""
    return {"findings": {fid: (guardduty(emulator, fid), emulator.feedback(fid), hub(emulator, fid)) for fid in ids},
            "filters": emulator.filters()}


def console(finding_id):
    return f"https://{sc.REGION}.console.aws.amazon.com/guardduty/home?region={sc.REGION}#/findings?macros=current&fId={finding_id}"


def containment_record(investigation_id, status):
    """A containment record as the contain role writes it, of one access key ``status`` (applied, or pending)."""
    time_ = "2026-01-02T03:04:05Z"
    return {"record_format": 1, "investigation_id": investigation_id, "account_id": sc.ACCOUNT_ID, "region": sc.REGION, "created": time_,
            "updated": time_, "role_version": "0.3.0", "resources": [
                {"type": "iam_access_key", "id": "AKIAEXAMPLECONTAIN01", "status": status, "time": time_, "user_name": "ci-deployer",
                 "previous_status": "Active"}]}


def rule_name(finding_type, resource_type, resource_id, account):
    """The suppression rule's name, as docs/disposition.md says it is made: from the structured fields only."""
    return "secops-guardduty-" + hashlib.sha256("\x00".join((finding_type, resource_type, resource_id, account)).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- plan, refusals, check and diff mode


def test_plan_changes_nothing_apply_needs_approval_check_and_diff_mode(dispose, guardduty_emulator, tmp_path):
    guardduty_emulator.load(sc.dispose())
    ids = BENIGN_IDS + OTHER_IDS
    before = snapshot(guardduty_emulator, ids)

    result, plan = dispose()
    assert result.rc == 0, failures(result)
    assert snapshot(guardduty_emulator, ids) == before and writes(guardduty_emulator) == [] and changed_tasks(result) == []
    assert statuses(plan) == both(BENIGN_IDS, "planned")
    assert (plan["verdict"], plan["status"], plan["resolved"], plan["mode"]) == ("benign", "planned", False, "plan")
    assert plan["summary"] == "benign verdict: 0 done, 4 planned, 0 unchanged, 0 skipped"
    why = reasons(plan)
    assert why[("guardduty_finding", sc.DISPOSE_BENIGN_FINDING_ID)].startswith(f"archive it; give the feedback not_useful ({FEEDBACK_FINAL})")
    assert why[("securityhub_finding", sc.DISPOSE_BENIGN_FINDING_ID)].startswith(
        "set its workflow status to SUPPRESSED, its verification state to BENIGN_POSITIVE, write the disposition's note")
    # named by an ARN of another account, and an id that is none (with a shell command): listed, never acted on
    unrecognised = {u["id"]: u["reason"] for u in plan["unrecognised"]}
    assert unrecognised == {
        sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID: f"in account {sc.OTHER_ACCOUNT_ID} and Region {sc.REGION}, not the investigation's",
        sc.DISPOSE_MALFORMED_ID: "not a GuardDuty finding id (32 hexadecimal characters) or a GuardDuty finding ARN"}
    lines = shown(result)
    assert lines[0].startswith(f"plan for investigation {BENIGN}: benign verdict (risk Low, confidence High), planned: ")
    assert f"not acted on | {sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID} | in account {sc.OTHER_ACCOUNT_ID}" in " ".join(lines)
    # the artifacts of a plan: no record (nothing was recorded)
    (stats,) = stats_of(result, PUBLISH)
    assert {k: stats[k] for k in ("guardduty_dispose_investigation_id", "guardduty_dispose_mode", "guardduty_dispose_verdict",
                                  "guardduty_dispose_status")} == {"guardduty_dispose_investigation_id": BENIGN, "guardduty_dispose_mode": "plan",
                                                                   "guardduty_dispose_verdict": "benign", "guardduty_dispose_status": "planned"}
    assert stats["guardduty_dispose_counts"]["planned"] == 4 and stats["guardduty_dispose_counts"]["unrecognised"] == 2
    assert {(r["type"], r["id"]): r["status"] for r in stats["guardduty_dispose_resources"]} == statuses(plan)
    assert all(set(r) == {"type", "id", "status", "reason"} for r in stats["guardduty_dispose_resources"])
    assert stats_of(result, PUBLISH_RECORD) == []

    # apply without approval: refused with one message, nothing changed
    result, outcome = dispose(mode="apply")
    assert result.rc != 0 and outcome is None
    assert result.result(ACTION)["msg"] == (f"dispose_mode=apply for investigation {BENIGN} is refused, nothing was changed: "
                                            "dispose_mode=apply needs dispose_approved=true (in AWX: the approval node)")
    assert "Traceback" not in result.stdout + result.stderr
    # rollback before any apply: there is no disposition record to restore from
    result, outcome = dispose(mode="rollback", approved=True)
    assert result.rc != 0 and outcome is None
    assert f"there is no disposition record of investigation {BENIGN}" in result.result(ACTION)["msg"]
    assert snapshot(guardduty_emulator, ids) == before and writes(guardduty_emulator) == []

    # apply in check mode and diff mode: changed (something would be), nothing changed, no record written, each change shown
    result, outcome = dispose(mode="apply", approved=True, check=True, diff=True)
    assert result.rc == 0, failures(result)
    action = result.result(ACTION)
    assert action["changed"] is True and statuses(outcome) == both(BENIGN_IDS, "planned")
    assert snapshot(guardduty_emulator, ids) == before and writes(guardduty_emulator) == []
    assert not (tmp_path / "records" / f"{BENIGN}.json").exists() and outcome["record"] is None
    # the diff, as ansible-playbook --diff shows it (the results callback keeps no diff below -vvv)
    for (kind, fid), reason in reasons(outcome).items():
        assert f"+ {kind} {fid}: planned: {reason}" in result.stdout, result.stdout
    assert "check mode: nothing was changed" in shown(result)
    # a plan in check mode has nothing it would change
    result, outcome = dispose(check=True)
    assert result.rc == 0 and result.result(ACTION)["changed"] is False


# ---------------------------------------------------------------- apply, again, rollback, again


def test_apply_again_rollback_twice_in_as_few_calls_as_the_apis_allow(dispose, guardduty_emulator, tmp_path):
    """62 findings (2 and dispose_extra_id(0..59)): 50 ids per ArchiveFindings, 100 findings per BatchUpdateFindings."""
    scenario = sc.dispose(extra=60)
    # the other account's finding, held by the same detector (an administrator's): were it acted on, it would show
    scenario["findings"].append(sc.finding(sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID, 2.0, sc.LOW_FINDING_TYPE, account_id=sc.OTHER_ACCOUNT_ID))
    guardduty_emulator.load(scenario)
    ids = BENIGN_IDS + [sc.dispose_extra_id(i) for i in range(60)]
    bystanders = OTHER_IDS + [sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID]
    untouched = snapshot(guardduty_emulator, bystanders)
    proxy = AwsProxy(guardduty_emulator.url, None)  # every request body, to prove what is never sent
    try:
        result, outcome = dispose(mode="apply", approved=True, endpoint=proxy.url)
        sent = b"\n".join(proxy.bodies)
    finally:
        proxy.close()
    assert result.rc == 0, failures(result)
    assert statuses(outcome) == both(ids, "done") and result.result(ACTION)["changed"] is True
    assert (outcome["status"], outcome["resolved"]) == ("closed as benign", True)
    assert outcome["summary"] == "benign verdict: 124 done, 0 planned, 0 unchanged, 0 skipped"
    comment = f"secops.guardduty: benign verdict of GuardDuty investigation {BENIGN}"
    note = (f"GuardDuty investigation {BENIGN}: benign (risk Low, confidence High). Port probes from the known scanner "
            f"{sc.DISPOSE_SCANNER_IP}. {console(sc.DISPOSE_BENIGN_FINDING_ID)}")
    for fid in ids:
        assert guardduty(guardduty_emulator, fid) == {"archived": True, "feedback": "NOT_USEFUL"}, fid
        assert guardduty_emulator.feedback(fid) == {"Feedback": "NOT_USEFUL", "Comments": comment}
        assert hub(guardduty_emulator, fid) == {"workflow": "SUPPRESSED", "verification": "BENIGN_POSITIVE", "note": note}, fid
    assert guardduty_emulator.securityhub_finding(ids[0])["Note"]["UpdatedBy"] == "secops.guardduty"
    # the investigations' other findings, and the other account's, as they were; the two never sent anywhere
    assert snapshot(guardduty_emulator, bystanders) == untouched
    assert sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID.encode() not in sent and b"not-a-finding" not in sent and b"pwned" not in sent
    # each kind of change in batches of the API's maximum
    assert guardduty_emulator.count("ArchiveFindings") == 2 and guardduty_emulator.count("UpdateFindingsFeedback") == 2
    assert guardduty_emulator.count("securityhub:BatchUpdateFindings") == 1
    assert {status for _op, status in writes(guardduty_emulator)} == {200}
    # the record: 0600 in a 0700 directory, every finding applied, published as the artifact
    path = tmp_path / "records" / f"{BENIGN}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    record = json.loads(path.read_text())
    assert (record["investigation_id"], record["account_id"], record["region"]) == (BENIGN, sc.ACCOUNT_ID, sc.REGION)
    assert {(r["type"], r["id"]): r["status"] for r in record["resources"]} == both(ids, "applied")
    by = {(r["type"], r["id"]): r for r in record["resources"]}
    first = by[("guardduty_finding", ids[0])]
    assert (first["archived"], first["feedback"], first["previous_archived"], first["previous_feedback"]) == (True, "not_useful", False, None)
    assert by[("securityhub_finding", ids[0])]["previous"] == {"workflow_status": "NEW", "verification_state": None, "note": None}
    assert {r["status"] for r in outcome["record_before"]["resources"]} == {"pending"}
    (artifact,) = stats_of(result, PUBLISH_RECORD)
    assert artifact["guardduty_dispose_record"] == record
    assert FEEDBACK_FINAL in shown(result)

    # a second apply changes nothing, and calls nothing that changes
    guardduty_emulator.reset_log()
    closed = snapshot(guardduty_emulator, ids)
    result, outcome = dispose(mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    assert changed_tasks(result) == [] and writes(guardduty_emulator) == []
    assert statuses(outcome) == both(ids, "unchanged") and outcome["status"] == "closed as benign"
    assert snapshot(guardduty_emulator, ids) == closed

    # rollback: unarchived, Security Hub as it was (a note cannot be removed: it says the disposition was rolled back);
    # the feedback stays, and the outcome says so
    result, outcome = dispose(mode="rollback", approved=True)
    assert result.rc == 0, failures(result)
    assert statuses(outcome) == both(ids, "done") and outcome["status"] == "rolled back"
    rolled_back = f"secops.guardduty: the disposition of investigation {BENIGN} was rolled back; this finding has no verdict from it."
    for fid in ids:
        assert guardduty(guardduty_emulator, fid) == {"archived": False, "feedback": "NOT_USEFUL"}, fid
        assert hub(guardduty_emulator, fid) == {"workflow": "NEW", "verification": "UNKNOWN", "note": rolled_back}, fid
    assert reasons(outcome)[("guardduty_finding", ids[0])] == (
        f"unarchive it (the record says the disposition archived it); its feedback stays ({FEEDBACK_FINAL})")
    assert guardduty_emulator.count("UnarchiveFindings") == 2 and guardduty_emulator.count("UpdateFindingsFeedback") == 0
    assert guardduty_emulator.count("securityhub:BatchUpdateFindings") == 1
    record = json.loads(path.read_text())
    assert {r["status"] for r in record["resources"]} == {"rolled_back"}
    assert FEEDBACK_FINAL in shown(result)
    assert snapshot(guardduty_emulator, bystanders) == untouched

    # a second rollback has nothing left to undo
    guardduty_emulator.reset_log()
    after = snapshot(guardduty_emulator, ids)
    result, outcome = dispose(mode="rollback", approved=True)
    assert result.rc == 0, failures(result)
    assert changed_tasks(result) == [] and writes(guardduty_emulator) == [] and snapshot(guardduty_emulator, ids) == after
    assert statuses(outcome) == both(ids, "unchanged")


# ---------------------------------------------------------------- the verdict classes


def test_true_positive_is_confirmed_then_resolved_once_its_containment_applied(dispose, guardduty_emulator, tmp_path):
    fid = sc.DISPOSE_TP_FINDING_ID
    guardduty_emulator.load(sc.dispose())
    result, outcome = dispose(investigation_id=TP, mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    assert outcome["verdict"] == "true_positive" and statuses(outcome) == both([fid], "done")
    assert (outcome["status"], outcome["resolved"], outcome["contained"]) == ("confirmed, open", False, False)
    assert guardduty(guardduty_emulator, fid) == {"archived": False, "feedback": "USEFUL"}  # stays active
    note = (f"GuardDuty investigation {TP}: true positive (risk High, confidence High). Instance credentials used from {sc.BAD_IP}. "
            f"{console(fid)}")
    assert hub(guardduty_emulator, fid) == {"workflow": "NOTIFIED", "verification": "TRUE_POSITIVE", "note": note}

    # the contain role's contain_result, whose record shows something applied: RESOLVED, and the note says contained
    result, outcome = dispose(investigation_id=TP, mode="apply", approved=True, containment={"record": containment_record(TP, "applied")})
    assert result.rc == 0, failures(result)
    assert (outcome["status"], outcome["resolved"], outcome["contained"]) == ("resolved", True, True)
    assert hub(guardduty_emulator, fid)["workflow"] == "RESOLVED" and "true positive, contained" in hub(guardduty_emulator, fid)["note"]
    assert guardduty(guardduty_emulator, fid) == {"archived": False, "feedback": "USEFUL"}

    # a containment that applied nothing yet (the record alone, pending) is no containment
    guardduty_emulator.load(sc.dispose())
    result, outcome = dispose(investigation_id=TP, mode="apply", approved=True, containment=containment_record(TP, "pending"),
                              record_dir=str(tmp_path / "records-2"))
    assert result.rc == 0, failures(result)
    assert outcome["contained"] is False and hub(guardduty_emulator, fid)["workflow"] == "NOTIFIED"

    # the containment record file the contain role wrote, in dispose_containment_record_dir
    guardduty_emulator.load(sc.dispose())
    contain_records = tmp_path / "contain-records"
    contain_records.mkdir()
    (contain_records / f"{TP}.json").write_text(json.dumps(containment_record(TP, "applied")))
    result, outcome = dispose(investigation_id=TP, mode="apply", approved=True, record_dir=str(tmp_path / "records-3"))
    assert result.rc == 0, failures(result)
    assert outcome["contained"] is True and hub(guardduty_emulator, fid)["workflow"] == "RESOLVED"
    # the containment record of another investigation is refused whole, with one message, nothing changed
    guardduty_emulator.load(sc.dispose())
    result, outcome = dispose(investigation_id=TP, mode="apply", approved=True, containment=containment_record(BENIGN, "applied"),
                              record_dir=str(tmp_path / "records-4"))
    assert result.rc != 0 and outcome is None
    assert f"it is the record of investigation {BENIGN}, not {TP}" in result.result(ACTION)["msg"]
    assert writes(guardduty_emulator) == [] and hub(guardduty_emulator, fid)["workflow"] == "NEW"


def test_uncertain_gets_a_note_only_and_a_person_must_decide(dispose, guardduty_emulator):
    fid = sc.DISPOSE_UNCERTAIN_FINDING_ID
    guardduty_emulator.load(sc.dispose())
    result, outcome = dispose(investigation_id=UNCERTAIN, mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    assert outcome["verdict"] == "uncertain" and outcome["needs_person"] is True and outcome["status"] == "needs a person"
    assert statuses(outcome) == {("guardduty_finding", fid): "unchanged", ("securityhub_finding", fid): "done"}
    assert reasons(outcome)[("guardduty_finding", fid)].startswith("the policy changes nothing in GuardDuty for this verdict")
    assert guardduty(guardduty_emulator, fid) == {"archived": False, "feedback": None}
    assert hub(guardduty_emulator, fid) == {"workflow": "NEW", "verification": None, "note": (
        f"GuardDuty investigation {UNCERTAIN}: uncertain: a person must decide (risk Medium, confidence Low). "
        f"Port probes from an address with no reputation. {console(fid)}")}
    assert "the verdict is uncertain: only a note is written; a person must decide what becomes of the findings" in shown(result)
    assert guardduty_emulator.count("ArchiveFindings") == 0 and guardduty_emulator.count("UpdateFindingsFeedback") == 0


# ---------------------------------------------------------------- Security Hub off, not imported, a hostile title


def test_security_hub_off_or_without_the_finding_is_skipped_with_the_reason(dispose, guardduty_emulator, tmp_path):
    guardduty_emulator.load(sc.dispose())
    guardduty_emulator.set_securityhub(enabled=False)
    result, outcome = dispose(mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    got = statuses(outcome)
    assert {k: v for k, v in got.items() if k[0] == "guardduty_finding"} == {("guardduty_finding", fid): "done" for fid in BENIGN_IDS}
    assert {k: v for k, v in got.items() if k[0] == "securityhub_finding"} == {("securityhub_finding", fid): "skipped" for fid in BENIGN_IDS}
    for fid in BENIGN_IDS:
        why = reasons(outcome)[("securityhub_finding", fid)]
        assert why.startswith("not in Security Hub: ") and "is not subscribed to AWS Security Hub" in why, why
        assert guardduty(guardduty_emulator, fid) == {"archived": True, "feedback": "NOT_USEFUL"}
    assert guardduty_emulator.count("securityhub:BatchUpdateFindings") == 0
    assert outcome["status"] == "closed as benign"

    # Security Hub on, but it has not imported one of the findings yet: that one is skipped, the other updated
    scenario = sc.dispose()
    scenario["securityhub"] = {"not_imported": [sc.DISPOSE_RELATED_FINDING_ID]}
    guardduty_emulator.load(scenario)
    result, outcome = dispose(mode="apply", approved=True, record_dir=str(tmp_path / "records-2"))
    assert result.rc == 0, failures(result)
    assert statuses(outcome)[("securityhub_finding", sc.DISPOSE_RELATED_FINDING_ID)] == "skipped"
    assert reasons(outcome)[("securityhub_finding", sc.DISPOSE_RELATED_FINDING_ID)].startswith("Security Hub does not hold this finding")
    assert statuses(outcome)[("securityhub_finding", sc.DISPOSE_BENIGN_FINDING_ID)] == "done"
    assert hub(guardduty_emulator, sc.DISPOSE_BENIGN_FINDING_ID)["workflow"] == "SUPPRESSED"
    assert guardduty(guardduty_emulator, sc.DISPOSE_RELATED_FINDING_ID)["archived"] is True


def test_a_hostile_huge_title_leaves_a_clean_note_within_the_limit(dispose, guardduty_emulator, tmp_path):
    marker = tmp_path / "pwned"
    guardduty_emulator.load(replace_strings(sc.dispose(hostile=True), sc.PWNED_PATH, str(marker)))
    result, outcome = dispose(mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    note = hub(guardduty_emulator, sc.DISPOSE_BENIGN_FINDING_ID)["note"]
    assert len(sc.dispose_hostile_title()) > 600 and len(note) <= 512
    assert note.startswith(f"GuardDuty investigation {BENIGN}: benign (risk Low, confidence High). ")
    assert CUT_MARKER in note and note.endswith(console(sc.DISPOSE_BENIGN_FINDING_ID)), note  # the link built from ids stays whole
    for payload in ("{{", "}}", "{%", "%}", "{#", "<script", "</", "\x1b", "{", "<"):
        assert payload not in note, (payload, note)
    assert all(ch.isprintable() for ch in note), note
    assert "Zugriff" in note  # text stays text
    assert not marker.exists()
    assert "cut to Security Hub's 512 characters" in reasons(outcome)[("securityhub_finding", sc.DISPOSE_BENIGN_FINDING_ID)]
    # the same note again: nothing to change
    result, outcome = dispose(mode="apply", approved=True)
    assert result.rc == 0 and changed_tasks(result) == [] and not marker.exists()


# ---------------------------------------------------------------- suppression rules


def test_suppression_rule_from_structured_fields_rolled_back_and_limited(dispose, guardduty_emulator, tmp_path):
    guardduty_emulator.load(sc.dispose())
    name = rule_name(sc.LOW_FINDING_TYPE, "Instance", sc.INSTANCE_ID, sc.ACCOUNT_ID)
    result, plan = dispose(suppress=True)
    assert result.rc == 0, failures(result)
    assert statuses(plan)[("guardduty_filter", name)] == "planned"  # both findings: one type on one instance, one rule
    assert [k for k in statuses(plan) if k[0] == "guardduty_filter"] == [("guardduty_filter", name)]
    assert reasons(plan)[("guardduty_filter", name)] == (f"create the suppression rule {name}: archive new findings of {sc.LOW_FINDING_TYPE} "
                                                         f"on Instance {sc.INSTANCE_ID} of account {sc.ACCOUNT_ID}")
    assert guardduty_emulator.filters() == {}

    result, outcome = dispose(mode="apply", approved=True, suppress=True)
    assert result.rc == 0, failures(result)
    assert statuses(outcome)[("guardduty_filter", name)] == "done"
    (made,) = guardduty_emulator.filters().values()
    assert made["Name"] == name and made["Action"] == "ARCHIVE"
    assert made["FindingCriteria"] == {"Criterion": {"type": {"Equals": [sc.LOW_FINDING_TYPE]}, "accountId": {"Equals": [sc.ACCOUNT_ID]},
                                                     "resource.instanceDetails.instanceId": {"Equals": [sc.INSTANCE_ID]}}}
    assert made["Description"].startswith(f"secops.guardduty: suppresses what investigation {BENIGN} judged benign")
    # it suppresses: the next such finding arrives archived
    guardduty_emulator.put_findings([sc.finding("be4d" + "0" * 28, 2.0, sc.LOW_FINDING_TYPE)])
    assert guardduty(guardduty_emulator, "be4d" + "0" * 28)["archived"] is True
    # again: the rule is there as it should be
    result, outcome = dispose(mode="apply", approved=True, suppress=True)
    assert result.rc == 0 and changed_tasks(result) == [] and statuses(outcome)[("guardduty_filter", name)] == "unchanged"

    result, outcome = dispose(mode="rollback", approved=True)
    assert result.rc == 0, failures(result)
    assert statuses(outcome)[("guardduty_filter", name)] == "done" and guardduty_emulator.filters() == {}
    assert guardduty_emulator.count("DeleteFilter") == 1

    # dispose_max_filters=0: no rule, and the reason; the findings are closed all the same
    guardduty_emulator.load(sc.dispose())
    result, outcome = dispose(mode="apply", approved=True, suppress=True, max_filters=0, record_dir=str(tmp_path / "records-2"))
    assert result.rc == 0, failures(result)
    assert statuses(outcome)[("guardduty_filter", name)] == "skipped"
    assert reasons(outcome)[("guardduty_filter", name)].startswith(
        "no suppression rule: the detector has 0 of this collection's rules, dispose_max_filters=0")
    assert guardduty_emulator.filters() == {} and guardduty_emulator.count("CreateFilter") == 0
    assert guardduty(guardduty_emulator, sc.DISPOSE_BENIGN_FINDING_ID)["archived"] is True


# ---------------------------------------------------------------- dispose_policy


def test_policy_override_and_an_invalid_policy(dispose, guardduty_emulator):
    guardduty_emulator.load(sc.dispose())
    # the benign class, told to leave GuardDuty alone and resolve in Security Hub (the survey's JSON text)
    override = {"benign": {"archived": None, "feedback": None, "workflow_status": "RESOLVED"}}
    result, outcome = dispose(mode="apply", approved=True, policy=json.dumps(override))
    assert result.rc == 0, failures(result)
    assert outcome["policy"] == {"archived": None, "feedback": None, "workflow_status": "RESOLVED", "verification_state": "BENIGN_POSITIVE",
                                 "note": True, "suppress": False}
    for fid in BENIGN_IDS:
        assert guardduty(guardduty_emulator, fid) == {"archived": False, "feedback": None}
        assert hub(guardduty_emulator, fid)["workflow"] == "RESOLVED" and hub(guardduty_emulator, fid)["verification"] == "BENIGN_POSITIVE"
    assert guardduty_emulator.count("ArchiveFindings") == 0 and guardduty_emulator.count("UpdateFindingsFeedback") == 0

    # everything wrong with a policy in one message, before anything is read
    guardduty_emulator.reset_log()
    result, outcome = dispose(mode="apply", approved=True, policy={"benign": {"archived": "maybe", "colour": "red"}, "malicious": {}})
    assert result.rc != 0 and outcome is None
    assert result.result(ACTION)["msg"] == (
        "dispose_policy is not valid, nothing was read or changed: benign.archived must be one of True, False, null; got 'maybe'; "
        "benign.colour is not a setting (archived, feedback, workflow_status, verification_state, note, suppress, resolved_when_contained); "
        "'malicious' is not a verdict class (benign, true_positive, uncertain)")
    assert [t["task"] for t in result.tasks if t["status"] == "failed"] == [ACTION]
    assert guardduty_emulator.count() == 0
    result, outcome = dispose(policy="archive everything")
    assert result.rc != 0 and result.result(ACTION)["msg"].startswith("dispose_policy is not valid JSON")
    assert guardduty_emulator.count() == 0


# ---------------------------------------------------------------- input forms, module_defaults


FORMS = """\
- name: Every input form of the dispose role
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/secops.guardduty.guardduty:
      endpoint_url: "{{ gd_endpoint }}"
      region: "{{ gd_region }}"
  tasks:
    - name: Get the investigation
      secops.guardduty.guardduty_investigation_info:
        investigation_id: "{{ investigation_id }}"
        summary_format: structured
        include_records: true
      register: got

    - name: The investigation itself
      ansible.builtin.include_role:
        name: secops.guardduty.dispose
      vars:
        dispose_investigation: "{{ got.investigation }}"

    - name: The registered result
      ansible.builtin.include_role:
        name: secops.guardduty.dispose
      vars:
        dispose_investigation: "{{ got }}"

    - name: An element of the lookup
      ansible.builtin.include_role:
        name: secops.guardduty.dispose
      vars:
        dispose_investigation: >-
          {{ lookup('secops.guardduty.guardduty_investigation', investigation_id, summary_format='structured', include_records=true,
                    endpoint_url=gd_endpoint, region=gd_region) }}

    - name: The id
      ansible.builtin.include_role:
        name: secops.guardduty.dispose
      vars:
        dispose_investigation_id: "{{ investigation_id }}"
"""


def test_every_input_form_gives_the_same_plan_and_exactly_one_is_needed(play, dispose, guardduty_emulator):
    guardduty_emulator.load(sc.dispose())
    result = play(FORMS, extra_vars={"investigation_id": BENIGN})
    assert result.rc == 0, failures(result)
    plans = [t["result"]["ansible_facts"]["dispose_result"] for t in result.tasks if t["task"].endswith("Keep the result")]
    assert len(plans) == 4
    for plan in plans:
        assert statuses(plan) == both(BENIGN_IDS, "planned") and plan["investigation_id"] == BENIGN and plan["verdict"] == "benign"
        assert {u["id"] for u in plan["unrecognised"]} == {sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID, sc.DISPOSE_MALFORMED_ID}

    # neither, or both: one message, nothing called
    guardduty_emulator.reset_log()
    expected = ("Give exactly one of dispose_investigation (an investigation as guardduty_investigation_info returns it) and "
                "dispose_investigation_id (dispose.yml: investigation_id); got {}.")
    result, outcome = dispose(investigation_id="")
    assert result.rc != 0 and outcome is None and result.result(ACTION)["msg"] == expected.format("neither")
    result, outcome = dispose(investigation={"investigation_id": BENIGN, "status": "COMPLETED"})
    assert result.rc != 0 and outcome is None and result.result(ACTION)["msg"] == expected.format("both")
    assert guardduty_emulator.count() == 0


GROUP = """\
- name: Dispose with the module defaults of {group} only
  hosts: localhost
  gather_facts: false
  module_defaults:
    {group}:
      endpoint_url: "{{{{ gd_endpoint }}}}"
      region: "{{{{ gd_region }}}}"
  tasks:
    - name: Dispose
      ansible.builtin.include_role:
        name: secops.guardduty.dispose
      vars:
        dispose_investigation_id: "{{{{ investigation_id }}}}"
"""


@pytest.mark.parametrize("group", ["group/aws", "group/secops.guardduty.guardduty"])
def test_module_defaults_alone_reach_every_call(group, dispose, guardduty_emulator):
    """No Region and no endpoint in the environment, and a proxy that goes nowhere: were a single call (GuardDuty or
    Security Hub) to miss the play's module_defaults, it would fail."""
    guardduty_emulator.load(sc.dispose())
    env = {"AWS_REGION": None, "AWS_DEFAULT_REGION": None, "AWS_ENDPOINT_URL": None, "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"}
    result, outcome = dispose(mode="apply", approved=True, env=env, playbook=GROUP.format(group=group))
    assert result.rc == 0, failures(result)
    assert statuses(outcome) == both(BENIGN_IDS, "done")
    assert guardduty(guardduty_emulator, sc.DISPOSE_BENIGN_FINDING_ID)["archived"] is True
    assert hub(guardduty_emulator, sc.DISPOSE_BENIGN_FINDING_ID)["workflow"] == "SUPPRESSED"


# ---------------------------------------------------------------- a call that fails mid-apply


def test_a_failed_call_mid_apply_fails_the_task_at_the_end_and_stays_pending(dispose, guardduty_emulator, tmp_path):
    """Security Hub answers 500 to every BatchUpdateFindings: GuardDuty's part is done, the Security Hub part fails and
    stays pending in the record, the task fails at the end naming each one; once Security Hub answers, apply finishes."""
    guardduty_emulator.load(sc.dispose())
    guardduty_emulator.set_faults(fail_first={"securityhub:BatchUpdateFindings": 1000})
    result, outcome = dispose(mode="apply", approved=True)
    assert result.rc != 0
    assert statuses(outcome) == {**both(BENIGN_IDS, "done"), **{("securityhub_finding", fid): "failed" for fid in BENIGN_IDS}}
    assert outcome["status"] == "partly done" and len(outcome["failures"]) == 2
    failed = result.task(FAIL)
    assert failed["status"] == "failed"
    assert failed["result"]["msg"].startswith(f"dispose_mode=apply for investigation {BENIGN}: 2 of the resources acted on failed, the "
                                              "others were carried out")
    for fid in BENIGN_IDS:
        assert f"securityhub_finding {fid}: " in failed["result"]["msg"]
        assert guardduty(guardduty_emulator, fid) == {"archived": True, "feedback": "NOT_USEFUL"}
        assert hub(guardduty_emulator, fid)["workflow"] == "NEW"
    record = json.loads((tmp_path / "records" / f"{BENIGN}.json").read_text())
    assert {(r["type"], r["id"]): r["status"] for r in record["resources"]} == {
        **both(BENIGN_IDS, "applied"), **{("securityhub_finding", fid): "pending" for fid in BENIGN_IDS}}
    (artifact,) = stats_of(result, PUBLISH_RECORD)  # published before the task fails, for the rollback job
    assert artifact["guardduty_dispose_record"] == record

    guardduty_emulator.clear_faults()
    result, outcome = dispose(mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    assert statuses(outcome) == {**both(BENIGN_IDS, "unchanged"), **{("securityhub_finding", fid): "done" for fid in BENIGN_IDS}}
    assert {r["status"] for r in json.loads((tmp_path / "records" / f"{BENIGN}.json").read_text())["resources"]} == {"applied"}
