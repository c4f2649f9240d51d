# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A Lambda function's reserved concurrency, read or set: what the lambda_function_concurrency module does.

amazon.aws's lambda module has no reserved concurrency option. Reserved concurrency 0 stops every invocation of a
function (the containment of a function); the previous setting is a number or none (the function uses the account's
unreserved pool), and both are returned so that a containment record can keep the value to restore.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError

FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}", re.ASCII)

ARGUMENT_SPEC = dict(
    function_name=dict(type="str", required=True),
    reserved_concurrency=dict(type="int"),
    state=dict(type="str", choices=["present", "absent"]),
)


def reserved_concurrency(client, name):
    """The function's reserved concurrency (None: no reservation); ``False`` when there is no such function."""
    response = AWSCallHandler.call(client.get_function_concurrency, "lambda:GetFunctionConcurrency", f"Lambda function {name}",
                                   missing=("ResourceNotFoundException",), absent=False, FunctionName=name)
    return response if response is False else response.get("ReservedConcurrentExecutions")


def set_reserved_concurrency(client, name, value):
    """Set the function's reserved concurrency to ``value`` (None: remove the reservation)."""
    if value is None:
        AWSCallHandler.call(client.delete_function_concurrency, "lambda:DeleteFunctionConcurrency", f"Lambda function {name}",
                            FunctionName=name)
    else:
        AWSCallHandler.call(client.put_function_concurrency, "lambda:PutFunctionConcurrency", f"Lambda function {name}",
                            FunctionName=name, ReservedConcurrentExecutions=value)


def run_lambda_concurrency_module(module):
    name, wanted, state = module.params["function_name"], module.params["reserved_concurrency"], module.params["state"]
    if not isinstance(name, str) or not FUNCTION_NAME.fullmatch(name):
        module.fail_json(msg=f"function_name must be a Lambda function name (1 to 64 letters, digits, - and _); got {name!r}")
    if state == "present" and wanted is None:
        module.fail_json(msg=f"state=present needs reserved_concurrency (0 stops every invocation of {name})")
    if state != "present" and wanted is not None:
        module.fail_json(msg="reserved_concurrency is only used with state=present (state=absent removes the reservation)")
    if wanted is not None and wanted < 0:
        module.fail_json(msg=f"reserved_concurrency must be 0 or more; got {wanted}")
    client = module.client("lambda", retry_decorator=retry_decorator())
    try:
        previous = reserved_concurrency(client, name)
    except GuardDutyError as e:
        module.fail_call(e, f"Could not read the reserved concurrency of Lambda function {name}", function_name=name)
    if previous is False:
        if state is None:
            module.exit_json(changed=False, function_name=name, exists=False, previous=None, reserved_concurrency=None)
        module.fail_json(msg=f"There is no Lambda function {name} in Region {module.region} for these credentials: check the name and Region",
                         function_name=name)
    after = previous if state is None else wanted if state == "present" else None
    changed = after != previous
    if changed and not module.check_mode:
        try:
            set_reserved_concurrency(client, name, after)
        except GuardDutyError as e:
            module.fail_call(e, f"Could not set the reserved concurrency of Lambda function {name} to {'none' if after is None else after} "
                                f"(it is {'none' if previous is None else previous})", function_name=name)
    module.exit_json(changed=changed, function_name=name, exists=True, previous=previous, reserved_concurrency=after)
