# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM users: a deny-all inline policy ``secops-guardduty-contain-<investigation id>``, deleted on rollback.

Identifiers: a user name, or its ARN (arn:aws:iam::<account>:user/<path/><name>). Reads the user's inline policy
names (the policy is the record: its name says which investigation put it). What users and roles share (the inline
policy of a principal) lives here; iam_role.py adds what only roles have.
"""

from __future__ import annotations

import json
import re

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import CREDENTIALS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import NO_RECORD
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

ID = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
RULE = "1 to 64 letters, digits and +=,.@_-"
POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
_IAM_PATH = re.compile(r"(?:/[\x21-\x7e]*)?/", re.ASCII)
_SERVICE = {"iam_user": "user", "iam_role": "role"}
call = AWSCallHandler.call


def policy_name(investigation_id):
    """The deny-all inline policy containment attaches for ``investigation_id``."""
    return "secops-guardduty-contain-" + investigation_id


def deny_all_policy():
    """The inline policy that denies a principal every action on every resource."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}],
    }


def principal_arn(resource_type):
    """The ARN parser of a user or a role: arn:aws:iam::<account>:user|role/<path/><name>."""
    prefix = _SERVICE[resource_type]

    def arn(text, service, region, account, resource):
        path = resource[len(prefix):] if resource.startswith(prefix + "/") else None
        if service != "iam" or region or not account or path is None:
            raise ValueError(f"{text!r} is not the ARN of an {resource_type} (arn:aws:iam::<account>:{prefix}/<path/><name>)")
        slash = path.rfind("/")
        if not _IAM_PATH.fullmatch(path[: slash + 1]):
            raise ValueError(f"{text!r} has an invalid IAM path")
        return path[slash + 1:], account, None, None

    return arn


def inline_policies(aws, resource_type, names):
    """{name: its inline policy names, or None when there is no such principal}."""
    iam, kind = aws("iam"), _SERVICE[resource_type]
    found = {}
    for name in names:
        found[name] = AWSCallHandler.pages(iam, f"list_{kind}_policies", "PolicyNames", f"iam:List{kind.capitalize()}Policies",
                                           f"the inline policies of IAM {kind} {name}", missing=("NoSuchEntity",), absent=None,
                                           **{f"{kind.capitalize()}Name": name})
    return found


def read(aws, resources, _context):
    return {"user_policies": inline_policies(aws, "iam_user", [r["id"] for r in resources])}


def principal_policies(resource, context):
    """(the entry when the principal does not exist, None) or (None, its inline policy names)."""
    resource_type = resource["type"]
    names = context.state.policy_names("user_policies" if resource_type == "iam_user" else "role_policies", resource["id"])
    if names is None:
        return entry(resource, "skipped", f"no such {resource_type.replace('_', ' ')} in the account"), None
    return None, names


def deny_all(resource, context, names):
    name = policy_name(context.investigation_id)
    if name in names:
        return entry(resource, "unchanged", f"the deny-all inline policy {name} is already attached")
    return entry(resource, "planned", f"attach the deny-all inline policy {name}", policy_name=name)


def contain(resource, context):
    skipped, names = principal_policies(resource, context)
    if skipped:
        return skipped
    return deny_all(resource, context, names)


def roll_back(resource, context):
    skipped, names = principal_policies(resource, context)
    if skipped:
        return skipped
    rec = context.recorded(resource)
    name = policy_name(context.investigation_id)
    if rec is None:
        if name in names:
            return entry(resource, "skipped", f"the inline policy {name} is attached, but {NO_RECORD}")
        return entry(resource, "unchanged", f"the inline policy {name} is not attached")
    if rec["policy_name"] not in names:
        return entry(resource, "unchanged", f"the inline policy {rec['policy_name']} is not attached", record_status="rolled_back")
    return entry(resource, "planned", f"remove the inline policy {rec['policy_name']} (from the containment record)", record_status="rolled_back",
                 policy_name=rec["policy_name"])


def put_policy(planned, context):
    """The step that attaches the planned inline policy (deny-all, or a role's revocation)."""
    kind = _SERVICE[planned["type"]]
    name, changes = planned["id"], planned["changes"]
    document = changes.get("policy") or deny_all_policy()
    iam = context.aws("iam")

    def put(_outputs):
        call(getattr(iam, f"put_{kind}_policy"), f"iam:Put{kind.capitalize()}Policy", f"IAM {kind} {name}",
             PolicyName=changes["policy_name"], PolicyDocument=json.dumps(document), **{f"{kind.capitalize()}Name": name})
        return True

    what = "revoke its sessions issued before containment" if changes.get("revoked_before") else "attach the deny-all inline policy"
    return [Step(f"{planned['type']}:{name}:policy", (planned["type"], name), what, CREDENTIALS, put)]


def delete_policy(planned, context):
    kind = _SERVICE[planned["type"]]
    name, changes = planned["id"], planned["changes"]
    iam = context.aws("iam")

    def delete(_outputs):
        gone = call(getattr(iam, f"delete_{kind}_policy"), f"iam:Delete{kind.capitalize()}Policy", f"IAM {kind} {name}",
                    missing=("NoSuchEntity",), absent=False, PolicyName=changes["policy_name"], **{f"{kind.capitalize()}Name": name})
        return gone is not False

    return [Step(f"{planned['type']}:{name}:policy", (planned["type"], name), "remove the inline policy", CREDENTIALS, delete)]


def record(planned):
    return {"policy_name": planned["changes"]["policy_name"]}


def check(where, rec, investigation_id):
    need(rec.get("policy_name") == policy_name(investigation_id), f"{where} names another policy than {policy_name(investigation_id)}")


TYPE = ActionType(
    name="iam_user", service_type="IAM_USER", id_problem=pattern_problem(ID, RULE), arn=principal_arn("iam_user"), regional=False,
    read=read, reads={"user_policies": "{user name: its inline policy names (iam_policy_info's all_policy_names), or null: no such user}"},
    contain=contain, roll_back=roll_back, apply=put_policy, undo=delete_policy, record=record, check=check,
    iam={
        "plan": [("ReadUsersInlinePolicyNames", ["iam:ListUserPolicies"], "arn:aws:iam::ACCOUNT_ID:user/*", None)],
        "apply": [("AttachTheDenyAllInlinePolicyToUsers", ["iam:PutUserPolicy"], "arn:aws:iam::ACCOUNT_ID:user/*", None)],
        "rollback": [("RemoveTheDenyAllInlinePolicyFromUsers", ["iam:DeleteUserPolicy"], "arn:aws:iam::ACCOUNT_ID:user/*", None)],
    },
)
