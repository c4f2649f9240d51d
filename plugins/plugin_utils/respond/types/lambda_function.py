# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Lambda functions: reserved concurrency 0, so that no invocation runs; the previous setting (a number, or none:
the account's unreserved pool) recorded and given back on rollback. Code, configuration and triggers stay as they are.

Identifiers: a function name, or its ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>]:
reserved concurrency is the function's). Reads the function's reserved concurrency
(module_utils/lambda_concurrency.py, which the lambda_function_concurrency module uses too).
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.lambda_concurrency import FUNCTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.lambda_concurrency import reserved_concurrency
from ansible_collections.secops.guardduty.plugins.module_utils.lambda_concurrency import set_reserved_concurrency
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

MAX_CONCURRENCY = 1000000  # far above any account's Lambda concurrency quota


def arn(text, service, region, account, resource):
    parts = resource.split(":")
    if (service != "lambda" or not region or not account or parts[0] != "function" or len(parts) not in (2, 3)
            or (len(parts) == 3 and not re.fullmatch(r"[a-zA-Z0-9$_-]{1,128}", parts[2], re.ASCII))):
        raise ValueError(f"{text!r} is not the ARN of a lambda_function (arn:aws:lambda:<region>:<account>:function:<name>)")
    return parts[1], account, region, None


def read(aws, resources, _context):
    """function_concurrency: per function, whether it exists and its reserved concurrency (None: no reservation)."""
    client = aws("lambda")
    found = []
    for resource in resources:
        value = reserved_concurrency(client, resource["id"])
        found.append({"function_name": resource["id"], "exists": value is not False,
                      "reserved_concurrency": None if value is False else value})
    return {"function_concurrency": found}


def _concurrency_text(value):
    return "none (the account's unreserved concurrency)" if value is None else str(value)


def _function(resource, context):
    """(the entry when the function cannot be acted on, None) or (None, its reserved concurrency: None or a number)."""
    read_ = context.state.by("function_concurrency", "function_name").get(resource["id"])
    if read_ is None or read_.get("exists") is not True:
        return entry(resource, "skipped", "no such Lambda function in the account and Region (none found)"), None
    value = read_.get("reserved_concurrency")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        return entry(resource, "skipped", "its reserved concurrency was not read as a number: left as it is"), None
    return None, value


def contain(resource, context):
    skipped, value = _function(resource, context)
    if skipped:
        return skipped
    if value == 0:
        return entry(resource, "unchanged", "its reserved concurrency is already 0 (no invocation runs)")
    return entry(resource, "planned", f"set its reserved concurrency to 0, so that no invocation runs (it is {_concurrency_text(value)}: "
                 "recorded, and given back on rollback); its code, configuration and triggers stay as they are", previous=value)


def roll_back(resource, context):
    skipped, value = _function(resource, context)
    if skipped:
        return skipped
    rec = context.recorded(resource)
    if rec is None:
        return entry(resource, "unchanged", f"the containment record holds nothing for it: left as it is (reserved concurrency "
                     f"{_concurrency_text(value)})")
    previous = rec["previous_reserved_concurrency"]
    if value == previous:
        return entry(resource, "unchanged", f"it has the reserved concurrency the record holds ({_concurrency_text(previous)})",
                     record_status="rolled_back")
    if value != 0:
        return entry(resource, "skipped", f"its reserved concurrency changed since containment (it is {value}, not 0): left as it is")
    return entry(resource, "planned", f"give it back its reserved concurrency {_concurrency_text(previous)} (from the containment record)",
                 record_status="rolled_back", previous=previous)


def _step(planned, context, value, name):
    function = planned["id"]
    client = context.aws("lambda")

    def run(_outputs):
        set_reserved_concurrency(client, function, value)
        return True

    return [Step(f"lambda_function:{function}:concurrency", ("lambda_function", function), name, REST, run)]


def apply(planned, context):
    return _step(planned, context, 0, "set its reserved concurrency to 0 (no invocation runs)")


def undo(planned, context):
    return _step(planned, context, planned["changes"]["previous"], "give back its reserved concurrency")


def record(planned):
    return {"previous_reserved_concurrency": planned["changes"]["previous"]}


def check(where, rec, _investigation_id):
    value = rec.get("previous_reserved_concurrency", False)
    need(value is None or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_CONCURRENCY),
         f"{where} has no previous_reserved_concurrency (null, or a number from 1 to {MAX_CONCURRENCY})")


def merge(old, new):
    """The setting from before any containment is the one to give back."""
    return dict(new, previous_reserved_concurrency=old["previous_reserved_concurrency"])


TYPE = ActionType(
    name="lambda_function", service_type="LAMBDA_FUNCTION", id_problem=pattern_problem(FUNCTION_NAME, "a function name: 1 to 64 letters, digits, - and _"),
    arn=arn, read=read, reads={"function_concurrency": "lambda_function_concurrency's results (function_name, exists, reserved_concurrency)"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check, merge=merge,
    iam={
        "plan": [("ReadTheReservedConcurrencyOfNamedLambdaFunctions", ["lambda:GetFunctionConcurrency"],
                  "arn:aws:lambda:REGION:ACCOUNT_ID:function:*", None)],
        "apply": [("StopNamedLambdaFunctionsWithReservedConcurrencyZero", ["lambda:PutFunctionConcurrency"],
                   "arn:aws:lambda:REGION:ACCOUNT_ID:function:*", None)],
        "rollback": [("GiveLambdaFunctionsBackTheirReservedConcurrency", ["lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"],
                      "arn:aws:lambda:REGION:ACCOUNT_ID:function:*", None)],
    },
)
