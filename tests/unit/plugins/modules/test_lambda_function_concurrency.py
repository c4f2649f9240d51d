# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""lambda_function_concurrency against botocore's Stubber (every request checked against the Lambda service model)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.modules import lambda_function_concurrency

NAME = "payments"


@pytest.fixture
def lam(stub_aws_client):
    return stub_aws_client("lambda")


def current(stub, value):
    stub.add_response("get_function_concurrency", {} if value is None else {"ReservedConcurrentExecutions": value}, {"FunctionName": NAME})


def test_stops_every_invocation_and_says_what_it_was(run_module, lam):
    current(lam, None)
    lam.add_response("put_function_concurrency", {"ReservedConcurrentExecutions": 0}, {"FunctionName": NAME, "ReservedConcurrentExecutions": 0})
    out = run_module(lambda_function_concurrency.main, {"function_name": NAME, "reserved_concurrency": 0, "state": "present"})
    assert not out.failed, out.result
    assert out.result == {"changed": True, "function_name": NAME, "exists": True, "previous": None, "reserved_concurrency": 0}
    current(lam, 0)
    again = run_module(lambda_function_concurrency.main, {"function_name": NAME, "reserved_concurrency": 0, "state": "present"})
    assert again.result["changed"] is False and again.result["previous"] == 0


@pytest.mark.parametrize("previous,args,call", [
    (0, {"reserved_concurrency": 25, "state": "present"}, ("put_function_concurrency", {"ReservedConcurrentExecutions": 25})),
    (0, {"state": "absent"}, ("delete_function_concurrency", {})),
])
def test_gives_back_a_number_or_no_reservation(run_module, lam, previous, args, call):
    current(lam, previous)
    lam.add_response(call[0], {"ReservedConcurrentExecutions": 25} if call[1] else {}, dict(call[1], FunctionName=NAME))
    out = run_module(lambda_function_concurrency.main, dict(args, function_name=NAME))
    assert out.result["changed"] is True and out.result["previous"] == 0
    assert out.result["reserved_concurrency"] == args.get("reserved_concurrency")


def test_absent_without_a_reservation_changes_nothing(run_module, lam):
    current(lam, None)
    out = run_module(lambda_function_concurrency.main, {"function_name": NAME, "state": "absent"})
    assert out.result["changed"] is False and out.result["reserved_concurrency"] is None


def test_reading_reports_a_missing_function_and_changing_it_fails_clearly(run_module, lam):
    lam.add_client_error("get_function_concurrency", "ResourceNotFoundException", "Function not found", 404)
    out = run_module(lambda_function_concurrency.main, {"function_name": NAME})
    assert not out.failed and out.result == {"changed": False, "function_name": NAME, "exists": False, "previous": None,
                                             "reserved_concurrency": None}
    lam.add_client_error("get_function_concurrency", "ResourceNotFoundException", "Function not found", 404)
    out = run_module(lambda_function_concurrency.main, {"function_name": NAME, "reserved_concurrency": 0, "state": "present"})
    assert out.failed and out.result["msg"].startswith(f"There is no Lambda function {NAME} in Region us-east-1")


def test_check_mode_changes_nothing(run_module, lam):
    current(lam, 10)
    args = {"function_name": NAME, "reserved_concurrency": 0, "state": "present", "_ansible_check_mode": True}
    out = run_module(lambda_function_concurrency.main, args)
    assert out.result["changed"] is True and out.result["previous"] == 10 and out.result["reserved_concurrency"] == 0


@pytest.mark.parametrize("args,message", [
    ({"function_name": "payments; id", "state": "absent"}, "function_name must be a Lambda function name"),
    ({"function_name": f"arn:aws:lambda:us-east-1:123456789012:function:{NAME}", "state": "absent"}, "function_name must be a Lambda function name"),
    ({"function_name": NAME, "state": "present"}, "state=present needs reserved_concurrency"),
    ({"function_name": NAME, "reserved_concurrency": 0}, "reserved_concurrency is only used with state=present"),
    ({"function_name": NAME, "reserved_concurrency": -1, "state": "present"}, "reserved_concurrency must be 0 or more"),
])
def test_bad_input_is_refused_before_any_call(run_module, lam, args, message):
    out = run_module(lambda_function_concurrency.main, args)
    assert out.failed and message in out.result["msg"]


def test_a_refused_change_says_what_it_was(run_module, lam):
    current(lam, 5)
    lam.add_client_error("put_function_concurrency", "AccessDeniedException", "not authorized", 403)
    out = run_module(lambda_function_concurrency.main, {"function_name": NAME, "reserved_concurrency": 0, "state": "present"})
    assert out.failed and out.result["msg"].startswith(f"Could not set the reserved concurrency of Lambda function {NAME} to 0 (it is 5)")
