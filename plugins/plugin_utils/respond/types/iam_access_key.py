# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM access keys: deactivated, the deactivation marked on the key's user; reactivated on rollback only when asked.

Identifiers: a long-term (AKIA) or temporary (ASIA) access key id; a temporary key is out of reach (contain the role
or user that issued it). An ARN given for a key is its user's. Reads the key's owner (GetAccessKeyLastUsed when the
investigation does not name it), its keys and its tags.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import CREDENTIALS
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import DISAGREE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import NO_RECORD
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_KEY
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import pattern_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import unmarked
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import iam_user

# long-term (AKIA) and temporary (ASIA) access key ids: 20 upper-case letters and digits
ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}", re.ASCII)
RULE = "AKIA or ASIA and 16 upper-case letters or digits"
call = AWSCallHandler.call


def arn(text, service, region, account, resource):
    """An access key has no ARN of its own; the service gives the ARN of the user that owns it."""
    if service != "iam" or region or not account or not resource.startswith("user/"):
        raise ValueError(f"{text!r} is not the ARN of the IAM user owning an access key (arn:aws:iam::<account>:user/<name>)")
    owner = resource[resource.rfind("/") + 1:]
    problem = iam_user.TYPE.id_problem(owner)
    if problem:
        raise ValueError(f"the owner in {text!r}: {owner!r} is not a valid iam_user identifier (expected {problem})")
    return None, account, None, owner


def read(aws, resources, context):
    """users: the keys' owners with their tags; access_keys: the owners' keys (id, user, status)."""
    iam = aws("iam")
    owners = set()
    for resource in resources:
        owner = resource.get("user_name")
        if owner is None:
            found = call(iam.get_access_key_last_used, "iam:GetAccessKeyLastUsed", f"access key {resource['id']}",
                         missing=("NoSuchEntity",), absent={}, AccessKeyId=resource["id"])
            owner = found.get("UserName")
        if owner:
            owners.add(owner)
    users, keys = [], []
    for owner in sorted(owners):
        listed = call(iam.list_access_keys, "iam:ListAccessKeys", f"the access keys of IAM user {owner}", missing=("NoSuchEntity",),
                      absent=None, UserName=owner)
        if listed is None:
            continue
        keys += [{"access_key_id": k.get("AccessKeyId"), "user_name": k.get("UserName"), "status": k.get("Status")}
                 for k in listed.get("AccessKeyMetadata") or []]
        tags = AWSCallHandler.pages(iam, "list_user_tags", "Tags", "iam:ListUserTags", f"the tags of IAM user {owner}", UserName=owner)
        users.append({"user_name": owner, "tags": tags_of(tags)})
    return {"users": users, "access_keys": keys}


def _access_key(resource, context):
    """(the entry when the key is not found, None...) or (None, the resource with its owner, the key, its owner's tags)."""
    key = context.state.by("access_keys", "access_key_id").get(resource["id"])
    if key is None:
        where = f"of the user {resource['user_name']}" if resource.get("user_name") else "of any IAM user of the account"
        return entry(resource, "skipped", f"not an access key {where} (none found)"), None, None, None
    user = key.get("user_name")
    tags = context.user_tags.setdefault(user, dict(tags_of((context.state.by("users", "user_name").get(user) or {}).get("tags"))))
    return None, dict(resource, user_name=user), key, tags


def contain(resource, context):
    skipped, resource, key, _tags = _access_key(resource, context)
    if skipped:
        return skipped
    user, tag = resource["user_name"], TAG_KEY + resource["id"]
    if key.get("status") != "Active":
        return entry(resource, "unchanged", f"already {key.get('status')}")
    return entry(resource, "planned", f"deactivate it and record that on its user {user} (tag {tag})", user_name=user,
                 tags={tag: context.investigation_id})


def roll_back(resource, context):
    skipped, resource, key, tags = _access_key(resource, context)
    if skipped:
        return skipped
    user, tag = resource["user_name"], TAG_KEY + resource["id"]
    rec = context.recorded(resource)
    if rec is None:
        if tags.get(tag) == context.investigation_id:
            return entry(resource, "skipped", NO_RECORD)
        return entry(resource, "unchanged", "not deactivated by this investigation (the containment record holds nothing for it)")
    if rec["user_name"] != user:
        return entry(resource, "skipped", f"the containment record names the user {rec['user_name']}, but the key belongs to {user}: left as it is")
    if key.get("status") == "Active":
        if tag not in tags:
            return entry(resource, "unchanged", "active (the deactivation the record holds was not made, or was undone)", record_status="rolled_back")
        tags.pop(tag)
        return entry(resource, "planned", f"already active again; remove the tag {tag} from {user}", record_status="rolled_back",
                     activate=False, user_name=user, remove_tags=[tag])
    if not context.settings.get("reactivate_keys"):
        return entry(resource, "unchanged", f"left inactive: AWS advises never to reactivate an access key that may have leaked; rotate it "
                     f"(a new key for {user}, then delete this one), or set contain_rollback_reactivate_keys=true to reactivate it")
    if tags.get(tag) != context.investigation_id and not (unmarked(rec) and tag not in tags):  # the record says the mark failed
        return entry(resource, "skipped", f"left inactive: the tag {tag} on {user} {DISAGREE}")
    tags.pop(tag, None)
    return entry(resource, "planned", f"reactivate it (contain_rollback_reactivate_keys=true; AWS advises rotating a leaked key instead) "
                 f"and remove the tag {tag} from {user}", record_status="rolled_back", activate=True, user_name=user)


def user_tag_updates(context):
    """After rollback decisions: per IAM user whose tags change, the tags it keeps."""
    updates = []
    for user, tags in context.user_tags.items():
        original = tags_of((context.state.by("users", "user_name").get(user) or {}).get("tags"))
        if tags != original:
            updates.append({"user_name": user, "tags": tags})
    return updates


def apply(planned, context):
    """The marker on the user first (a record anyone can see), then the key goes inactive."""
    key, changes = planned["id"], planned["changes"]
    user, iam = changes["user_name"], context.aws("iam")
    base = f"iam_access_key:{key}"

    def tag(_outputs):
        call(iam.tag_user, "iam:TagUser", f"IAM user {user}", UserName=user, Tags=[{"Key": k, "Value": v} for k, v in changes["tags"].items()])
        return True

    def deactivate(_outputs):
        call(iam.update_access_key, "iam:UpdateAccessKey", f"access key {key} of IAM user {user}", UserName=user, AccessKeyId=key,
             Status="Inactive")
        return True

    return [Step(base + ":mark", ("iam_access_key", key), "mark the deactivation on its user", CREDENTIALS, tag),
            Step(base + ":deactivate", ("iam_access_key", key), "deactivate the access key", CREDENTIALS, deactivate, waits=[base + ":mark"])]


def undo(planned, context):
    key, changes = planned["id"], planned["changes"]
    user, iam = changes["user_name"], context.aws("iam")
    base = f"iam_access_key:{key}"
    steps = []
    if changes.get("activate"):
        def activate(_outputs):
            call(iam.update_access_key, "iam:UpdateAccessKey", f"access key {key} of IAM user {user}", UserName=user, AccessKeyId=key,
                 Status="Active")
            return True
        steps.append(Step(base + ":activate", ("iam_access_key", key), "reactivate the access key", CREDENTIALS, activate))

    def untag(_outputs):
        call(iam.untag_user, "iam:UntagUser", f"IAM user {user}", UserName=user, TagKeys=[TAG_KEY + key])
        return True
    steps.append(Step(base + ":unmark", ("iam_access_key", key), "remove the mark from its user", CREDENTIALS, untag,
                      after=[s.key for s in steps]))
    return steps


def record(planned):
    return {"user_name": planned["changes"]["user_name"], "previous_status": "Active"}


def check(where, rec, _investigation_id):
    need(isinstance(rec.get("user_name"), str) and iam_user.ID.fullmatch(rec["user_name"]), f"{where} has no valid user_name")
    need(rec.get("previous_status") == "Active", f"{where} has no previous_status Active")


TYPE = ActionType(
    name="iam_access_key", service_type="IAM_ACCESS_KEY", id_problem=pattern_problem(ID, RULE), arn=arn, regional=False,
    read=read, reads={"users": "iam_user_info's iam_users (the owners of the access keys, with their tags)",
                      "access_keys": "iam_access_key_info's access_keys (of those users)"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check,
    auto={"deactivate_access_key": "the key goes inactive; its user and the user's other keys stay as they are"},
    iam={
        "plan": [("ReadAccessKeysTheirOwnersAndTheirTags", ["iam:GetAccessKeyLastUsed", "iam:ListAccessKeys", "iam:ListUserTags"],
                  "arn:aws:iam::ACCOUNT_ID:user/*", None)],
        "apply": [("DeactivateAccessKeysAndMarkItOnTheUser", ["iam:TagUser", "iam:UpdateAccessKey"], "arn:aws:iam::ACCOUNT_ID:user/*", None)],
        "rollback": [("ReactivateAccessKeysOnlyWhenAskedAndRemoveTheMark", ["iam:UpdateAccessKey", "iam:UntagUser"],
                      "arn:aws:iam::ACCOUNT_ID:user/*", None)],
    },
)
