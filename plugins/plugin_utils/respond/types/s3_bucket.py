# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 buckets: every kind of public access blocked, the previous public access block recorded (and in a tag, as a
visible marker), given back on rollback.

Identifiers: a general purpose bucket name, or its ARN (arn:aws:s3:::<bucket>). Only the caller's own buckets, in
the investigation's Region, are changed (bucket names are global). Reads the caller's buckets, and of each named one
its location, public access block and tags.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.module_utils.errors import AWSCallHandler
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import DISAGREE
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REST
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_CONTAINED_BY
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TAG_PAB
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import ActionType
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import api_tags
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import entry
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import location_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import recorded
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import tags_of
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import taken_over
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import unmarked
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import Step

ID = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
PAB_KEYS = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))
call = AWSCallHandler.call


def id_problem(name):
    """Why ``name`` is not a valid S3 bucket name (general purpose bucket rules), or None."""
    if not ID.fullmatch(name):
        return "3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return "no two adjacent periods and no period next to a hyphen"
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", name):
        return "not formatted as an IP address"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"not starting with {prefix}"
    for suffix in ("-s3alias", "--ol-s3", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"not ending with {suffix}"
    return None


def arn(text, service, region, account, resource):
    if service != "s3" or region or account or "/" in resource:
        raise ValueError(f"{text!r} is not the ARN of an s3_bucket (arn:aws:s3:::<bucket>)")
    return resource, None, None, None


def pab_tag(block):
    """A bucket's public access block as a tag value (S3 tag values allow letters, digits, spaces and + - = . _ : / @)."""
    if not block:
        return "none"
    return " ".join(f"{api}={'true' if block.get(key) else 'false'}" for key, api in PAB_KEYS)


def all_blocked(block):
    """Whether a public access block (public_access_block_of's) blocks every kind of public access."""
    return bool(block) and all(block.get(key) is True for key, _api in PAB_KEYS)


def public_access_block_of(value):
    """A public access block (wrapped in PublicAccessBlockConfiguration or not, either spelling) as
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


def read(aws, resources, context):
    """buckets: the named buckets that are the caller's, with their location, public access block and tags."""
    s3 = aws("s3")
    owned = context.once("buckets", lambda: {b.get("Name") for b in call(s3.list_buckets, "s3:ListAllMyBuckets", "the buckets").get("Buckets") or []})
    buckets = []
    for resource in resources:
        name = resource["id"]
        if name not in owned:
            continue
        what = f"bucket {name}"
        buckets.append({
            "name": name,
            "bucket_location": call(s3.get_bucket_location, "s3:GetBucketLocation", what, Bucket=name),
            "public_access_block": call(s3.get_public_access_block, "s3:GetBucketPublicAccessBlock", what,
                                        missing=("NoSuchPublicAccessBlockConfiguration",), absent={}, Bucket=name),
            "bucket_tagging": call(s3.get_bucket_tagging, "s3:GetBucketTagging", what, missing=("NoSuchTagSet",), absent={},
                                   Bucket=name).get("TagSet") or [],
        })
    return {"buckets": buckets}


def _bucket(resource, context):
    """(the entry when the bucket is not the caller's or not in the Region, None) or (None, its block, its tags)."""
    bucket = context.state.by("buckets", "name").get(resource["id"])
    if bucket is None:
        return entry(resource, "skipped", "not a bucket of this account (S3 bucket names are global: only the caller's own buckets are changed)"), None, None
    location = location_of(bucket.get("bucket_location"))
    if location != context.region:
        return entry(resource, "skipped", f"in Region {location}, not the investigation's Region {context.region}"), None, None
    return None, public_access_block_of(bucket.get("public_access_block")), tags_of(bucket.get("bucket_tagging"))


def contain(resource, context):
    skipped, block, tags = _bucket(resource, context)
    if skipped:
        return skipped
    if all_blocked(block):
        return entry(resource, "unchanged", "all public access is already blocked")
    new_tags = {TAG_CONTAINED_BY: context.investigation_id, TAG_PAB: pab_tag(block)}
    what = f"block all public access (was: {pab_tag(block)}), recording the previous setting" + taken_over(tags, context, "leaves the bucket blocked")
    return entry(resource, "planned", what, tags=new_tags, previous=block or None)


def roll_back(resource, context):
    skipped, block, tags = _bucket(resource, context)
    if skipped:
        return skipped
    rec, refused = recorded(resource, context, tags, "public access not blocked by this investigation (no record, no tag)")
    if refused:
        return refused
    owner = tags.get(TAG_CONTAINED_BY)
    previous = rec["previous_public_access_block"]
    remaining = {k: v for k, v in tags.items() if k not in (TAG_CONTAINED_BY, TAG_PAB)}
    if not all_blocked(block):
        if owner is None and TAG_PAB not in tags:
            return entry(resource, "unchanged", "public access is not blocked (the change the record holds was not made, or was undone)",
                         record_status="rolled_back")
        return entry(resource, "planned", "its public access block changed since containment: left as is; remove the tags",
                     record_status="rolled_back", restore=False, tags=remaining)
    told = owner == context.investigation_id and tags.get(TAG_PAB) == pab_tag(previous)
    never_marked = unmarked(rec) and owner is None and TAG_PAB not in tags  # the record says the mark failed
    if not (told or never_marked):
        return entry(resource, "skipped", f"left blocked: its tags {TAG_CONTAINED_BY} and {TAG_PAB} {DISAGREE}; "
                     "check the bucket and restore its public access block by hand")
    what = ("delete the public access block it did not have" if previous is None
            else "restore its public access block " + pab_tag(previous)) + " (from the containment record)"
    return entry(resource, "planned", what + " and remove the tags", record_status="rolled_back", restore=True,
                 previous=dict(previous) if previous else None, tags=remaining)


def _put_tags(s3, name, tags):
    if tags:
        call(s3.put_bucket_tagging, "s3:PutBucketTagging", f"bucket {name}", Bucket=name, Tagging={"TagSet": api_tags(tags)})
    else:
        call(s3.delete_bucket_tagging, "s3:PutBucketTagging", f"bucket {name}", Bucket=name)


def apply(planned, context):
    """The tags first (the previous block, visible), then every kind of public access blocked."""
    name, changes, s3 = planned["id"], planned["changes"], context.aws("s3")
    current = tags_of((context.state.by("buckets", "name").get(name) or {}).get("bucket_tagging"))
    key = f"s3_bucket:{name}"

    def mark(_outputs):
        _put_tags(s3, name, dict(current, **changes["tags"]))
        return True

    def block(_outputs):
        call(s3.put_public_access_block, "s3:PutBucketPublicAccessBlock", f"bucket {name}", Bucket=name,
             PublicAccessBlockConfiguration={api: True for _key, api in PAB_KEYS})
        return True

    return [Step(key + ":mark", ("s3_bucket", name), "mark the bucket with its previous public access block", REST, mark),
            Step(key + ":block", ("s3_bucket", name), "block all public access", REST, block, waits=[key + ":mark"])]


def undo(planned, context):
    name, changes, s3 = planned["id"], planned["changes"], context.aws("s3")
    key = f"s3_bucket:{name}"
    steps = []
    if changes.get("restore"):
        def restore(_outputs):
            previous = changes.get("previous")
            if previous:
                call(s3.put_public_access_block, "s3:PutBucketPublicAccessBlock", f"bucket {name}", Bucket=name,
                     PublicAccessBlockConfiguration={api: bool(previous.get(k)) for k, api in PAB_KEYS})
            else:
                call(s3.delete_public_access_block, "s3:PutBucketPublicAccessBlock", f"bucket {name}", Bucket=name)
            return True
        steps.append(Step(key + ":restore", ("s3_bucket", name), "give back the previous public access block", REST, restore))

    def unmark(_outputs):
        _put_tags(s3, name, changes["tags"])
        return True
    steps.append(Step(key + ":unmark", ("s3_bucket", name), "remove the containment tags", REST, unmark, after=[s.key for s in steps]))
    return steps


def record(planned):
    previous = planned["changes"]["previous"]
    return {"previous_public_access_block": dict(previous) if previous else None}


def check(where, rec, _investigation_id):
    block = rec.get("previous_public_access_block", False)
    need(block is None or (isinstance(block, dict) and sorted(block) == sorted(k for k, _api in PAB_KEYS)
                           and all(isinstance(v, bool) for v in block.values())),
         f"{where} has no previous_public_access_block (null or the four settings, true or false)")


TYPE = ActionType(
    name="s3_bucket", service_type="S3_BUCKET", id_problem=id_problem, arn=arn, regional=False, read=read,
    reads={"buckets": "s3_bucket_info's buckets (the caller's buckets the investigation names)"},
    contain=contain, roll_back=roll_back, apply=apply, undo=undo, record=record, check=check,
    iam={
        "plan": [("ReadTheCallersBucketsTheirLocationPublicAccessBlockAndTags",
                  ["s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging"], "*", None)],
        "apply": [("BlockPublicAccessToBucketsAndMarkThem", ["s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging"], "arn:aws:s3:::*", None)],
        "rollback": [("RestoreTheBucketsPublicAccessBlockAndTags", ["s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging"],
                      "arn:aws:s3:::*", None)],
    },
)
