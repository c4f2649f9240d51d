# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM roles: their sessions issued before containment revoked (``contain_role_action: revoke_sessions``, the
default, and always for the role of a contained instance), or a deny-all inline policy (``deny_all``); the policy is
deleted on rollback.

Identifiers: a role name, or its ARN (arn:aws:iam::<account>:role/<path/><name>). Reads the role's inline policy
names, and who else uses it (the blast radius of a revocation: instances with the same instance profile, which
ec2_instance reads, and Lambda functions).
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TIME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import iam_user

ROLE_ACTIONS = ("revoke_sessions", "deny_all")  # what containment does to a role the investigation names


def revoke_policy_name(investigation_id):
    """The inline policy that revokes a role's sessions issued before containment, for ``investigation_id``."""
    return "secops-guardduty-revoke-" + investigation_id


def revoke_sessions_policy(time):
    """The inline policy that denies every request signed with the role's credentials issued before ``time`` (UTC):
    IAM's "revoke active sessions" pattern. Sessions issued later (legitimate workloads) keep working."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "GuardDutyRevokeOlderSessions", "Effect": "Deny", "Action": "*", "Resource": "*",
                       "Condition": {"DateLessThan": {"aws:TokenIssueTime": time}}}],
    }


def functions(aws, context):
    """Every Lambda function of the Region (function_name, role): who else a role's revocation touches."""
    def listed():
        items = AWSCallHandler.pages(aws("lambda"), "list_functions", "Functions", "lambda:ListFunctions", "the Lambda functions")
        return [{"function_name": f.get("FunctionName"), "role": f.get("Role")} for f in items]
    return context.once("functions", listed)


def read(aws, resources, context):
    """role_policies of the roles; the Lambda functions (the blast radius of a revocation), but in rollback."""
    state = {"role_policies": iam_user.inline_policies(aws, "iam_role", [r["id"] for r in resources])}
    if context.settings["mode"] != "rollback":
        state["functions"] = functions(aws, context)
    return state


def role_action(resource, settings):
    """What containment does to an IAM role: revoke_sessions (always for the role of a contained instance) or deny_all."""
    return "revoke_sessions" if resource.get("derived_from") else settings.get("role_action", "revoke_sessions")


def contain(resource, context):
    skipped, names = iam_user.principal_policies(resource, context)
    if skipped:
        return skipped
    if role_action(resource, context.settings) == "revoke_sessions":
        return _revoke_sessions(resource, context, names)
    return iam_user.deny_all(resource, context, names)


def _revoke_sessions(resource, context, names):
    name, time = revoke_policy_name(context.investigation_id), context.settings.get("time")
    why = f" ({resource['derived_from']})" if resource.get("derived_from") else ""
    if name in names:
        return entry(resource, "unchanged", f"its sessions issued before containment are already revoked (inline policy {name}){why}")
    when = time or "the containment time"
    what = (f"revoke its sessions issued before {when} (UTC){why}: the inline policy {name} denies every request signed with "
            "credentials issued before then; sessions issued later keep working")
    shared = blast_radius(resource["id"], context, resource.get("derived_from_id"))
    if shared:
        what += "; the role is also used by " + shared + ": their sessions issued before then end too"
    return entry(resource, "planned", what, policy_name=name, policy=revoke_sessions_policy(time) if time else None, revoked_before=time)


def blast_radius(role, context, instance_id=None):
    """The other instances and the Lambda functions that use ``role`` (from the state read), in words; '' when none."""
    profiles = [p.get("arn") for p in context.state.items("instance_profiles")
                if any(isinstance(r, dict) and r.get("role_name") == role for r in p.get("roles") or [])]
    instances = sorted({i.get("instance_id") for i in context.state.items("profile_instances")
                        if (i.get("iam_instance_profile") or {}).get("arn") in profiles and i.get("instance_id") != instance_id
                        and (i.get("state") or {}).get("name") not in ("terminated",)})
    used_by = sorted({f.get("function_name") for f in context.state.items("functions")
                      if isinstance(f.get("role"), str) and f["role"].split("/")[-1] == role})
    words = []
    if instances:
        words.append("the instances " + ", ".join(instances))
    if used_by:
        words.append("the Lambda functions " + ", ".join(used_by))
    return " and ".join(words)


def record(planned):
    rec = iam_user.record(planned)
    if planned["changes"].get("revoked_before"):
        rec["revoked_before"] = planned["changes"]["revoked_before"]
    return rec


def check(where, rec, investigation_id):
    if rec.get("policy_name") == revoke_policy_name(investigation_id):
        need(isinstance(rec.get("revoked_before"), str) and TIME.fullmatch(rec["revoked_before"]), f"{where} has no revoked_before UTC time")
    else:
        iam_user.check(where, rec, investigation_id)


TYPE = ActionType(
    name="iam_role", service_type="IAM_ROLE", id_problem=pattern_problem(iam_user.ID, iam_user.RULE), arn=iam_user.principal_arn("iam_role"),
    regional=False, read=read,
    reads={"role_policies": "{role name: its inline policy names (iam_policy_info's all_policy_names), or null: no such role}",
           "functions": "lambda_info's functions"},
    contain=contain, roll_back=iam_user.roll_back, apply=iam_user.put_policy, undo=iam_user.delete_policy, record=record, check=check,
    auto={"revoke_role_sessions": "sessions issued before containment are denied; new ones keep working"},
    iam={
        "plan": [("ReadRolesInlinePolicyNames", ["iam:ListRolePolicies"], "arn:aws:iam::ACCOUNT_ID:role/*", None),
                 ("ReadWhoElseUsesARoleTheBlastRadius", ["lambda:ListFunctions"], "*", "regional")],
        "apply": [("RevokeRoleSessionsOrAttachTheDenyAllInlinePolicy", ["iam:PutRolePolicy"], "arn:aws:iam::ACCOUNT_ID:role/*", None)],
        "rollback": [("RemoveTheRevocationOrDenyAllInlinePolicyFromRoles", ["iam:DeleteRolePolicy"], "arn:aws:iam::ACCOUNT_ID:role/*", None)],
    },
)
