# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lambda functions: reserved concurrency 0, the previous setting given back.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
FUNCTION = s.resource("payments", "LAMBDA_FUNCTION")


def fn_state(value, exists=True):
    """What lambda_function_concurrency returns when it only reads (looped: with the item)."""
    return {"function_concurrency": [{"item": "payments", "function_name": "payments", "exists": exists, "previous": value,
                                      "reserved_concurrency": value}]}


def rec_function(previous):
    return {"type": "lambda_function", "id": "payments", "previous_reserved_concurrency": previous}


@pytest.mark.parametrize("previous", [None, 25])
def test_a_function_is_stopped_once_and_given_back_its_setting(previous):
    plan = one(containment_plan(found(FUNCTION), settings(), fn_state(previous)))
    assert plan["status"] == "planned" and plan["changes"] == {"previous": previous}
    assert "set its reserved concurrency to 0" in plan["reason"]
    done = containment_plan(found(FUNCTION), settings(time=s.TIME, done=True, record_file=None), fn_state(previous))
    assert done["record"]["resources"] == [dict(rec_function(previous), status="applied", time=s.TIME)]
    assert one(containment_plan(found(FUNCTION), settings(), fn_state(0)))["status"] == "unchanged"
    back = one(containment_plan(found(FUNCTION), s.rollback(rec_function(previous)), fn_state(0)))
    assert back["status"] == "planned" and back["changes"] == {"previous": previous} and back["record_status"] == "rolled_back"
    again = one(containment_plan(found(FUNCTION), s.rollback(rec_function(previous)), fn_state(previous)))
    assert again["status"] == "unchanged" and again["changes"] == {}


def test_a_function_changed_since_or_not_recorded_is_left_as_it_is():
    plan = one(containment_plan(found(FUNCTION), s.rollback(rec_function(None)), fn_state(7)))
    assert plan["status"] == "skipped" and "changed since containment (it is 7, not 0)" in plan["reason"] and plan["changes"] == {}
    plan = one(containment_plan(found(FUNCTION), s.rollback(), fn_state(0)))
    assert plan["status"] == "unchanged" and "holds nothing for it" in plan["reason"] and plan["changes"] == {}
    assert "no such Lambda function" in one(containment_plan(found(FUNCTION), settings(), fn_state(None, exists=False)))["reason"]


def test_a_second_apply_keeps_the_setting_from_before_any_containment():
    base = s.record(rec_function(25))
    plan = containment_plan(found(FUNCTION), settings(time=s.TIME, done=True, record=base, record_file=None), fn_state(3))
    assert [r["previous_reserved_concurrency"] for r in plan["record"]["resources"]] == [25]


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(previous_reserved_concurrency=0), "has no previous_reserved_concurrency"),
    (lambda e: e.update(previous_reserved_concurrency="10"), "has no previous_reserved_concurrency"),
    (lambda e: e.pop("previous_reserved_concurrency"), "has no previous_reserved_concurrency"),
    (lambda e: e.update(id="arn:aws:lambda:us-east-1:123456789012:function:payments"), r"\(lambda_function\) has no valid id"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "lambda_function")


# ---------------------------------------------------------------- the steps of apply and rollback

STEP = "lambda_function:payments:concurrency"


def test_apply_sets_the_reserved_concurrency_to_zero_and_a_function_gone_since_fails_the_step():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(FUNCTION), settings(), fn_state(25), aws)
    assert aws_.dependencies(steps) == {STEP: []}
    aws.expect("lambda", "put_function_concurrency", {"FunctionName": "payments", "ReservedConcurrentExecutions": 0},
               {"ReservedConcurrentExecutions": 0})
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(FUNCTION), settings(), fn_state(None), aws)
    aws.refuse("lambda", "put_function_concurrency", {"FunctionName": "payments", "ReservedConcurrentExecutions": 0},
               code="ResourceNotFoundException", message="Function not found", status=404)
    ran, results = aws_.run(steps, aws)
    assert ran == [(STEP, "failed")] and "PutFunctionConcurrency" in results[STEP]["error"] and "payments" in results[STEP]["error"]


@pytest.mark.parametrize("previous", [None, 25])
def test_rollback_gives_back_the_recorded_setting(previous):
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(FUNCTION), s.rollback(rec_function(previous)), fn_state(0), aws)
    assert aws_.dependencies(steps) == {STEP: []}
    if previous is None:  # no reservation before: the account's unreserved pool again
        aws.expect("lambda", "delete_function_concurrency", {"FunctionName": "payments"})
    else:
        aws.expect("lambda", "put_function_concurrency", {"FunctionName": "payments", "ReservedConcurrentExecutions": previous},
                   {"ReservedConcurrentExecutions": previous})
    assert aws_.run(steps, aws)[0] == [(STEP, "done")]
