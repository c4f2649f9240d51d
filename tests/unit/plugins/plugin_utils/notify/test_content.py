# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a notification says, from every input form; the containment and disposition it tells; its state."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import changes
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import console_url
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import containment_summary
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import disposition_summary
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import notification
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.content import report_locations
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify import notify_samples as s

INV_ID = "a1b2c3d4-5678-90ab-cdef-ef1234567890"


def contain_result(mode, *statuses, unrecognised=(), blocked=()):
    resources = [{"type": "iam_access_key", "id": f"AKIA{n:016d}", "status": status, "reason": reason}
                 for n, (status, reason) in enumerate(statuses)]
    counts = {k: sum(1 for r in resources if r["status"] == k) for k in ("pending", "planned", "done", "unchanged", "skipped", "failed")}
    return {"investigation_id": INV_ID, "mode": mode, "counts": counts, "resources": resources, "blocked": list(blocked),
            "unrecognised": list(unrecognised)}


@pytest.mark.parametrize("form", ["investigation", "registered info result", "registered list of one", "lookup element"])
def test_every_input_form_gives_the_same_notification(form):
    inv = s.investigation()
    given = {"investigation": inv, "registered info result": {"changed": False, "investigation": inv, "detector_id": "x"},
             "registered list of one": {"changed": False, "investigations": [inv]}, "lookup element": dict(inv)}[form]
    note = notification(given)
    assert note == notification(inv)
    assert note["investigation_id"] == INV_ID and note["title"] == "Instance credentials used from outside AWS"
    assert note["state"] == {"status": "COMPLETED", "risk_level": "High", "confidence": "Medium", "containment": None, "disposition": None}
    assert note["actions"] and note["account_id"] == "123456789012" and note["region"] == "us-east-1"
    assert note["console_url"] == ("https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1"
                                   f"#/findings?macros=current&fId={s.investigation()['scope']['finding_id']}")


def test_an_input_that_is_no_investigation_is_refused_with_what_was_given():
    with pytest.raises(NotifyError, match="notify_investigation: Expected an investigation .* got a dict with keys changed, msg"):
        notification({"changed": False, "msg": "x"})
    with pytest.raises(NotifyError, match="is not a GuardDuty investigation id"):
        notification(dict(s.investigation(), investigation_id="../../etc/passwd"))


def test_the_console_link_is_built_from_checked_ids_only():
    assert console_url("eu-west-1", None) == "https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1"
    assert console_url("us-east-1\"><script>", "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6") is None
    assert console_url("us-east-1", "1ab2' onmouseover='x") == "https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1"
    hostile = notification(s.hostile_investigation())
    assert hostile["console_url"].startswith("https://us-east-1.console.aws.amazon.com/") and "evil" not in hostile["console_url"]


def test_contain_plan_waits_for_a_person():
    summary = containment_summary(contain_result("plan", ("planned", "would deactivate"), ("skipped", "needs a person: not automatic")))
    assert summary["status"] == "planned" and summary["resolved"] is False
    assert summary["text"] == "1 action(s) wait for a person's approval; 1 need(s) a person"
    assert [item["reason"] for item in summary["needs_person"]] == ["would deactivate", "needs a person: not automatic"]


@pytest.mark.parametrize(
    "mode, statuses, status, resolved",
    [
        ("apply", [("done", "deactivated"), ("unchanged", "already inactive")], "contained", True),
        ("auto", [("done", "deactivated"), ("skipped", "needs a person: contain_auto_apply allows only ...")], "partly contained", False),
        ("apply", [("skipped", "risk level Low: apply contains nothing")], "not contained", False),
        # a step failed (the engine goes on with the others): not contained, and a person is told which
        ("apply", [("done", "deactivated"), ("failed", "cut - FAILED: ModifyInstanceAttribute denied")], "partly contained", False),
        ("rollback", [("done", "reactivated")], "rolled back", False),
        ("plan", [("unchanged", "already contained")], "nothing to contain", False),
    ],
)
def test_contain_result_statuses(mode, statuses, status, resolved):
    summary = containment_summary(contain_result(mode, *statuses))
    assert (summary["status"], summary["resolved"]) == (status, resolved)


def test_contain_result_blocked_and_by_hand():
    blocked = containment_summary(contain_result("apply", ("planned", "x"), blocked=["contain_mode=apply needs contain_approved=true"]))
    assert blocked["status"] == "blocked" and "blocked: contain_mode=apply needs contain_approved=true" in blocked["text"]
    by_hand = containment_summary(contain_result("plan", unrecognised=[{"type": "EKS_CLUSTER", "id": "prod", "reason": "r", "by_hand": "limit the API"}]))
    assert by_hand["status"] == "needs a person" and by_hand["needs_person"] == [{"type": "EKS_CLUSTER", "id": "prod", "reason": "limit the API"}]


def test_hand_made_containment_and_the_disposition_contract():
    assert containment_summary({"status": "resolved"})["resolved"] is True
    assert containment_summary({"status": "isolated by hand", "resolved": False})["resolved"] is False
    disposed = disposition_summary({"status": "findings archived", "resolved": True, "verdict": "benign", "summary": "false positive"})
    assert (disposed["status"], disposed["resolved"], disposed["verdict"], disposed["text"]) == ("findings archived", True, "benign", "false positive")
    assert disposition_summary({"status": "Closed"})["resolved"] is True
    assert disposition_summary({"status": "notified"})["resolved"] is False
    assert containment_summary({}) is None and disposition_summary(None) is None


@pytest.mark.parametrize(
    "value, message",
    [
        ({"verdict": "benign"}, "notify_disposition needs a status"),
        ({"status": "   "}, "notify_disposition needs a status"),
        ({"status": "x", "resolved": "yes"}, "resolved must be true or false"),
        ("resolved", "expected a dict with a status"),
    ],
)
def test_a_disposition_without_the_contract_is_refused(value, message):
    with pytest.raises(NotifyError, match=message):
        disposition_summary(value)


def test_a_containment_that_is_neither_form_is_refused():
    with pytest.raises(NotifyError, match="expected the contain role's contain_result"):
        containment_summary({"mode": "panic", "counts": {}})


def test_the_state_holds_containment_and_disposition_and_says_what_changed():
    first = notification(s.investigation(), containment=contain_result("plan", ("planned", "x")))
    later = notification(s.investigation(), containment=contain_result("apply", ("done", "x")), disposition={"status": "resolved"})
    assert first["state"]["containment"] == "planned" and later["state"]["disposition"] == "resolved"
    assert first["fingerprint"] != later["fingerprint"] and len(first["fingerprint"]) == 12
    assert notification(s.investigation(), containment=contain_result("plan", ("planned", "x")))["fingerprint"] == first["fingerprint"]
    assert later["resolved"] is True and first["resolved"] is False
    assert changes(first["state"], later["state"]) == [
        {"field": "containment", "label": "Containment", "before": "planned", "after": "contained"},
        {"field": "disposition", "label": "Disposition", "before": None, "after": "resolved"},
    ]


def test_report_locations():
    assert report_locations("/r/a.md") == ["/r/a.md"]
    assert report_locations(["/r/a.md", "", "s3://bucket/a.html"]) == ["/r/a.md", "s3://bucket/a.html"]
    with pytest.raises(NotifyError, match="notify_report: expected a path or URL"):
        report_locations([{"path": "x"}])
