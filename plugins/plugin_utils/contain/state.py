# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state the contain role read, as plain lists and dicts (roles/contain/tasks/read.yml builds it).

``State`` checks its shape once and looks things up; ``tags_of``, ``location_of`` and ``public_access_block_of``
read the members the amazon.aws info modules return in more than one spelling.
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.records import PAB_KEYS
from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name

# member -> what it lists (each a list of dicts, as the module returns them)
LISTS = {
    "instances": "ec2_instance_info's instances",
    "groups": "ec2_security_group_info's security_groups",
    "snapshots": "ec2_snapshot_info's snapshots",
    "users": "iam_user_info's iam_users",
    "access_keys": "iam_access_key_info's access_keys",
    "buckets": "s3_bucket_info's buckets",
    "evidence": "ec2_instance_evidence's results (instance_id, previous)",
    "asg_instances": "autoscaling_instance_info's auto_scaling_instances",
    "instance_profiles": "iam_instance_profile_info's iam_instance_profiles",
    "profile_instances": "ec2_instance_info's instances (those that share an instance profile)",
    "functions": "lambda_info's functions",
    "nacls": "ec2_vpc_nacl_info's nacls",
    "named_groups": "ec2_security_group_info's security_groups (those the investigation names)",
    "function_concurrency": "lambda_function_concurrency's results (function_name, exists, reserved_concurrency)",
    "volumes": "ec2_vol_info's volumes (those the investigation names)",
    "db_instances": "rds_instance_info's instances (those the investigation names)",
    "db_snapshots": "rds_snapshot_info's snapshots (of the DB instances the investigation names)",
    "target_groups": "elbv2_target_registration's target_groups (those of the instances' VPCs)",
    "target_registrations": "elbv2_target_registration's registrations (of the instances' ids and addresses)",
}
# member -> {principal name: its inline policy names (iam_policy_info's all_policy_names)}; a principal not in it
# (or null) does not exist
POLICIES = ("user_policies", "role_policies")


class State:
    """The plain state of containment_plan's ``state`` argument, checked; missing members are empty."""

    def __init__(self, state):
        if not isinstance(state, dict):
            raise ContainError(f"Expected the state the contain role read (a dict of lists); got {type_name(state)}")
        self._lists = {}
        for name, what in LISTS.items():
            value = state.get(name)
            if value is not None and not isinstance(value, list):
                raise ContainError(f"state.{name} must be a list ({what}); got {type_name(value)}")
            self._lists[name] = [item for item in value or [] if isinstance(item, dict)]
        self._policies = {}
        for name in POLICIES:
            value = state.get(name)
            if value is not None and not isinstance(value, dict):
                raise ContainError(f"state.{name} must be a dict of principal name -> inline policy names or null; got {type_name(value)}")
            self._policies[name] = {str(k): list(v) if isinstance(v, list) else None for k, v in (value or {}).items()}

    def items(self, name):
        """The dicts of list member ``name``."""
        return self._lists[name]

    def by(self, name, key):
        """The dicts of list member ``name`` by their ``key``."""
        return {item.get(key): item for item in self._lists[name]}

    def policy_names(self, name, principal):
        """The inline policy names of ``principal`` in ``user_policies`` / ``role_policies``; None when it does not exist."""
        return self._policies[name].get(principal)


def tags_of(value):
    """Tags as a dict, from a dict, a list of {key, value} / {Key, Value}, or {"TagSet": [...]}."""
    if isinstance(value, dict) and isinstance(value.get("TagSet", value.get("tag_set")), list):
        value = value.get("TagSet", value.get("tag_set"))
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    tags = {}
    for item in value or []:
        if isinstance(item, dict):
            key = item.get("key", item.get("Key"))
            if key is not None:
                tags[str(key)] = item.get("value", item.get("Value"))
    return tags


def location_of(value):
    """A bucket's Region from s3_bucket_info's bucket_location (LocationConstraint, either spelling; None is us-east-1)."""
    value = as_dict(value)
    location = value.get("LocationConstraint", value.get("location_constraint")) or "us-east-1"
    return "eu-west-1" if location == "EU" else location


def public_access_block_of(value):
    """s3_bucket_info's public_access_block (wrapped in PublicAccessBlockConfiguration or not, either spelling) as
    {block_public_acls: bool, ...}; {} when the bucket has none."""
    if not isinstance(value, dict):
        return {}
    for wrapper in ("PublicAccessBlockConfiguration", "public_access_block_configuration"):
        if isinstance(value.get(wrapper), dict):
            value = value[wrapper]
    block = {}
    for key, api in PAB_KEYS:
        if key in value or api in value:
            block[key] = value.get(key, value.get(api)) is True
    return block
