# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/iam/dispose-{plan,apply,rollback}.json against what the dispose role calls: plan, apply (with a suppression
rule) and rollback run in real ansible-playbook runs while the emulator denies every GuardDuty and Security Hub
operation none of the three policies allows, and every call each mode makes (the emulator's log) is an action of its
policy (plan: the plan policy; apply and rollback: the plan policy and their own), on a resource the policy names."""

from __future__ import annotations

import os

from gdemu import scenarios as sc
from gdemu.model import operation_names
from test_dispose import TP
from test_dispose import dispose  # noqa: F401  pylint: disable=unused-import
from test_dispose import failures
from test_dispose import statuses
from test_dispose_modules_iam import allowed
from test_dispose_modules_iam import check_calls

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "iam")


def policy(mode):
    """{operation: [resource patterns]} of what ``mode`` may call: the plan policy, and its own."""
    out = {}
    for name in ("plan",) if mode == "plan" else ("plan", mode):
        for operation, patterns in allowed(os.path.join(DOCS, f"dispose-{name}.json")).items():
            out.setdefault(operation, []).extend(patterns)
    return out


def test_every_call_of_plan_apply_and_rollback_is_in_its_iam_policy(dispose, guardduty_emulator):  # pylint: disable=redefined-outer-name
    every = set().union(*(policy(mode) for mode in ("plan", "apply", "rollback")))
    scenario = sc.dispose()
    scenario["denied_operations"] = sorted(operation_names() - every)
    guardduty_emulator.load(scenario)
    made = {}
    for mode in ("plan", "apply", "rollback"):
        guardduty_emulator.reset_log()
        result, outcome = dispose(mode=mode, approved=True, suppress=True)
        assert result.rc == 0, failures(result)
        assert mode == "plan" or "done" in statuses(outcome).values(), statuses(outcome)
        check_calls(guardduty_emulator.calls(), policy(mode), f"docs/iam/dispose-{mode}.json (with dispose-plan.json)")
        made[mode] = {call["operation"] for call in guardduty_emulator.calls()}
    # a true positive's apply calls nothing more
    guardduty_emulator.reset_log()
    result, _outcome = dispose(investigation_id=TP, mode="apply", approved=True)
    assert result.rc == 0, failures(result)
    check_calls(guardduty_emulator.calls(), policy("apply"), "docs/iam/dispose-apply.json (with dispose-plan.json)")
    # the policies are not wider than what is called: each mode's own actions show up (UpdateFilter and UnarchiveFindings
    # of apply: a rule brought back to what it should be, a policy that wants findings active)
    assert set(policy("plan")) == made["plan"] | {"GetFilter"}  # GetFilter: a rule of this collection already there
    assert {"ArchiveFindings", "UpdateFindingsFeedback", "CreateFilter", "securityhub:BatchUpdateFindings"} <= made["apply"]
    assert set(policy("rollback")) - set(policy("plan")) == made["rollback"] - set(policy("plan"))
    assert not {op for op in made["plan"] if op.split(":")[-1].startswith(("Archive", "Unarchive", "Update", "Create", "Delete", "Batch"))}
