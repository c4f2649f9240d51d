# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the contain role records on the resources it changes, so that rollback undoes only what it did.

Tags (names below) on instances, users and buckets, and the deny-all inline policy named after the investigation.
A tag value is anyone's to write: what is read back is checked, and never repeated unless it is an identifier.
"""

from __future__ import annotations

import re

TAG_PREFIX = "secops-guardduty:"
TAG_CONTAINED_BY = TAG_PREFIX + "contained-by"
TAG_ENI_GROUPS = TAG_PREFIX + "groups:"  # + ENI id -> the ENI's security groups before containment, space-separated
TAG_KEY = TAG_PREFIX + "deactivated-key:"  # + access key id (on the owning user) -> investigation id
TAG_PAB = TAG_PREFIX + "public-access-block"  # on a bucket: its public access block before containment
TAG_SNAPSHOT = TAG_PREFIX + "investigation"  # on forensic snapshots
PAB_KEYS = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))
INVESTIGATION_ID = re.compile(r"[a-fA-F0-9-]{1,64}", re.ASCII)
POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)


def policy_name(investigation_id):
    """The deny-all inline policy the role attaches for ``investigation_id``."""
    return "secops-guardduty-contain-" + investigation_id


def deny_all_policy():
    """The inline policy that denies a principal every action on every resource."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}],
    }


def pab_tag(block):
    """A bucket's public access block as a tag value (S3 tag values allow letters, digits, spaces and + - = . _ : / @)."""
    if not block:
        return "none"
    return " ".join(f"{api}={'true' if block.get(key) else 'false'}" for key, api in PAB_KEYS)


def pab_from_tag(value):
    """The public access block a tag recorded: None (there was none), a dict, or ValueError."""
    if value == "none":
        return None
    parts = dict(part.split("=", 1) for part in (value or "").split(" ") if "=" in part)
    if sorted(parts) != sorted(api for _key, api in PAB_KEYS) or any(v not in ("true", "false") for v in parts.values()):
        raise ValueError(f"the tag {TAG_PAB} does not hold a public access block this role wrote: restore it by hand")
    return {key: parts[api] == "true" for key, api in PAB_KEYS}


def all_blocked(block):
    """Whether a public access block (public_access_block_of's) blocks every kind of public access."""
    return bool(block) and all(block.get(key) is True for key, _api in PAB_KEYS)
