#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: lambda_function_concurrency
version_added: 0.3.0
short_description: Read or set a Lambda function's reserved concurrency (0 stops every invocation)
description:
  - Sets the reserved concurrency of a Lambda function (O(state=present)), or removes the reservation so that the
    function uses the account's unreserved concurrency again (O(state=absent)). Without O(state) it only reads it.
  - Reserved concurrency V(0) stops every invocation of the function, whatever invokes it, without changing its code,
    configuration or triggers. The value before (RV(previous)) and after (RV(reserved_concurrency)) are returned, so
    that a containment record can keep the value to restore.
  - M(amazon.aws.lambda) has no reserved concurrency option, which is why this module exists; it changes nothing else.
  - Idempotent, with check mode. The C(secops.guardduty.contain) role uses it to stop a function an investigation
    names, and on rollback to give it the setting its containment record holds.
author:
  - secops.guardduty contributors (@secops)
options:
  function_name:
    description:
      - The function's name (1 to 64 letters, digits, V(-) and V(_)), not its ARN.
    type: str
    required: true
  reserved_concurrency:
    description:
      - The reserved concurrency to set with O(state=present); V(0) stops every invocation.
    type: int
  state:
    description:
      - V(present) sets O(reserved_concurrency); V(absent) removes the reservation. Not given, the module only reads
        the setting, and a function that does not exist is returned with RV(exists=false) instead of failing.
    type: str
    choices: [present, absent]
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - secops.guardduty.requirements
notes:
  - Required IAM actions are C(lambda:GetFunctionConcurrency), C(lambda:PutFunctionConcurrency) and
    C(lambda:DeleteFunctionConcurrency).
"""

EXAMPLES = r"""
- name: Stop every invocation of a function
  secops.guardduty.lambda_function_concurrency:
    region: us-east-1
    function_name: payments
    reserved_concurrency: 0
    state: present
  register: stopped

- name: Give it back what it had (no reservation)
  secops.guardduty.lambda_function_concurrency:
    region: us-east-1
    function_name: payments
    state: absent
  when: stopped.previous is none
"""

RETURN = r"""
function_name:
  description: The function.
  returned: always
  type: str
  sample: payments
exists:
  description: Whether the function exists (V(false) only when the module only reads).
  returned: always
  type: bool
  sample: true
previous:
  description: The reserved concurrency before the task; null when the function had no reservation.
  returned: always
  type: int
  sample: null
reserved_concurrency:
  description: The reserved concurrency after the task (in check mode, as it would be); null for no reservation.
  returned: always
  type: int
  sample: 0
"""

from ansible_collections.secops.guardduty.plugins.module_utils.modules import GuardDutyModule
from ansible_collections.secops.guardduty.plugins.module_utils.lambda_concurrency import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.module_utils.lambda_concurrency import run_lambda_concurrency_module


def main():
    module = GuardDutyModule(argument_spec=dict(ARGUMENT_SPEC), supports_check_mode=True, service="lambda")
    run_lambda_concurrency_module(module)


if __name__ == "__main__":
    main()
