# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every action type of the response engine shares: the shape of a type (``ActionType``), a plan entry
(``entry``), what one plan reads (``Context``), the markers (tags) and the record checks' vocabulary.

An action type (one file each under ``types/``) states in one place which identifiers it accepts, what it reads, what
it plans and why, the steps of apply and of rollback, what its record entry holds and how that entry is checked, and
the IAM actions each mode needs. The engine (engine.py) reads, plans the whole investigation at once (plan.py),
writes the record (record.py), then runs the steps (steps.py).
"""

from __future__ import annotations

import re
import threading

from ansible_collections.secops.guardduty.plugins.module_utils.model import as_dict

TAG_PREFIX = "secops-guardduty:"
TAG_CONTAINED_BY = TAG_PREFIX + "contained-by"
TAG_ENI_GROUPS = TAG_PREFIX + "groups:"  # + ENI id -> the ENI's security groups before containment, space-separated
TAG_KEY = TAG_PREFIX + "deactivated-key:"  # + access key id (on the owning user) -> investigation id
TAG_PAB = TAG_PREFIX + "public-access-block"  # on a bucket: its public access block before containment
TAG_SNAPSHOT = TAG_PREFIX + "investigation"  # on forensic snapshots (EBS and RDS)
INVESTIGATION_ID = re.compile(r"[a-fA-F0-9-]{1,64}", re.ASCII)
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z", re.ASCII)
VPC_ID = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
REGIONAL = "regional"  # an IAM statement of a regional service: conditioned on aws:RequestedRegion

# The urgency of a step (steps.py runs the most urgent first): a credential an attacker holds, then what keeps
# evidence, then the network cut, then the rest.
CREDENTIALS, EVIDENCE, NETWORK, REST = 0, 1, 2, 3

NO_RECORD = ("the containment record holds nothing for it: left as it is; roll it back with the record of the apply "
             "that contained it, or by hand")
DISAGREE = "disagrees with the containment record (changed after containment, perhaps by an attacker)"


class ActionType:  # pylint: disable=too-many-instance-attributes,too-few-public-methods
    """One resource type the engine acts on, in one place (docs/architecture.md, "The response engine: adding an
    action type").

    name             the resource_type the collection returns (``lambda_function``)
    service_type     GuardDuty's InvestigationResourceType (``LAMBDA_FUNCTION``)
    id_problem(v)    why ``v`` is not an identifier of the type (None: it is one)
    arn(arn parts)   (id, account, region, owner) from a parsed ARN (resources.parse_arn); ValueError with the reason
    regional         whether the type has a Region (checked against the investigation's)
    normal(id)       the identifier as the service matches it (RDS: lowercase)
    read(aws, resources, context) -> {state member: value}: what it reads (members: ``reads``, described)
    contain(resource, context) / roll_back(resource, context) -> a plan entry (``entry``)
    apply(entry, context) / undo(entry, context) -> [steps.Step]: the steps that carry out a planned entry
    record(entry) -> the record entry's own members; check(where, rec, investigation_id) raises Problem;
    merge(old, new) -> the record entry when an earlier apply recorded the resource already
    recordable(entry) -> whether a planned entry changes something its record keeps (default: always)
    iam              {mode: [(statement id, [actions], resource, condition)]} for plan, apply, rollback
    auto             {auto action name: what it does} that contain_auto_apply may allow for this type
    """

    def __init__(self, name, service_type, id_problem, arn, read, reads, contain, roll_back, apply, undo, record, check,
                 iam, regional=True, normal=None, merge=None, auto=None, recordable=None):
        self.name = name
        self.service_type = service_type
        self.id_problem = id_problem
        self.arn = arn
        self.read = read
        self.reads = dict(reads)
        self.contain = contain
        self.roll_back = roll_back
        self.apply = apply
        self.undo = undo
        self.record = record
        self.check = check
        self.iam = iam
        self.regional = regional
        self.normal = normal or (lambda ident: ident)
        self.merge = merge or (lambda old, new: new)
        self.auto = dict(auto or {})
        self.recordable = recordable or (lambda planned: True)

    def decide(self, resource, context):
        decision = self.roll_back if context.settings["mode"] == "rollback" else self.contain
        return decision(resource, context)


def pattern_problem(pattern, rule):
    """An ``id_problem`` for identifiers that match ``pattern`` (``rule`` says it in words)."""
    def problem(value):
        return None if pattern.fullmatch(value) else rule
    return problem


def entry(resource, status, reason, record_status=None, **changes):
    """One resource of the plan: who it is (from investigation_resources), its ``status``, ``reason`` and ``changes``;
    in rollback, ``record_status`` is what its containment record says once the entry is carried out (None: as is)."""
    result = {key: resource.get(key) for key in ("type", "id", "account_id", "region", "priority", "countermeasure")}
    if resource.get("derived_from"):
        result["derived_from"] = resource["derived_from"]
    if resource["type"] == "iam_access_key":
        result["user_name"] = resource.get("user_name")
    result.update(status=status, reason=reason, changes=changes)
    if record_status is not None:
        result["record_status"] = record_status
    return result


class Context:  # pylint: disable=too-few-public-methods
    """What every decision of one plan reads: the ``state``, the ``settings``, the investigation's id and Region.

    ``record`` is the containment record's entry per (type, id) (rollback restores from it). ``user_tags`` collects,
    per IAM user, its tags as they are once rollback removed the markers of reactivated keys. ``allocated`` holds what
    the plan gives out across the whole investigation (network ACL rule numbers per ACL), so that no two resources
    are given the same.
    """

    def __init__(self, state, settings, investigation_id, region, record=None):
        self.state = state
        self.settings = settings
        self.investigation_id = investigation_id
        self.region = region
        self.record = {(r["type"], r["id"]): r for r in (record or {}).get("resources", [])}
        self.user_tags = {}
        self.allocated = {}
        # what the engine gives the steps of apply and rollback (engine.py): the clients to act with, the shared steps
        # already made (one quarantine group per VPC), every entry of the plan, and how to wait
        self.aws = None
        self.shared = set()
        self.entries = []
        self.sleep = None
        self._batches = {}
        self._batch_lock = threading.Lock()

    def batch(self, key, run):
        """``run()`` once for every step that asks under ``key`` (one API call for many resources, made by the first
        step that gets here while the others wait): its result, or its error raised to each of them."""
        with self._batch_lock:
            slot = self._batches.setdefault(key, {"lock": threading.Lock()})
        with slot["lock"]:
            if "result" not in slot and "error" not in slot:
                try:
                    slot["result"] = run()
                except Exception as e:  # pylint: disable=broad-except  # every step of the batch fails with it
                    slot["error"] = e
        if "error" in slot:
            raise slot["error"]
        return slot["result"]

    def recorded(self, resource):
        """The containment record's entry of ``resource``, or None."""
        return self.record.get((resource["type"], resource["id"]))


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


def api_tags(tags):
    """{key: value} as the API's [{"Key", "Value"}]."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def other_owner(owner):
    """The investigation a contained-by tag names, repeated only when it is an investigation id (tags are anyone's)."""
    return owner if isinstance(owner, str) and INVESTIGATION_ID.fullmatch(owner) else "(not an investigation id)"


def taken_over(tags, context, then):
    """What the plan says when the resource's contained-by tag names another investigation: this containment takes the
    resource over (tags are anyone's to write: a forged tag must not keep a resource open), so that one's rollback
    ``then`` (its record and the tag disagree)."""
    owner = tags.get(TAG_CONTAINED_BY)
    if owner is None or owner == context.investigation_id:
        return ""
    return (f"; its tag {TAG_CONTAINED_BY} names investigation {other_owner(owner)}, which this containment takes over "
            f"(a rollback of that investigation {then})")


def unmarked(rec):
    """Whether the record says the resource's marker tag was never written (its ``mark`` step failed while the change
    it marks went ahead): a missing tag is then what the record itself says, not a disagreement, and rollback may
    restore from the record."""
    return isinstance(rec, dict) and (rec.get("steps") or {}).get("mark") == "failed"


def recorded(resource, context, tags, not_contained):
    """(the record's entry of a resource rollback may restore, None) or (None, the plan entry saying why not).

    The ``contained-by`` tag is a cross-check: another investigation's containment is left to it; a tag without a
    record is refused (nothing to restore from); neither means ``not_contained``.
    """
    owner = tags.get(TAG_CONTAINED_BY)
    rec = context.recorded(resource)
    if owner is not None and owner != context.investigation_id:
        return None, entry(resource, "skipped", f"contained by investigation {other_owner(owner)}: roll back with that investigation")
    if rec is None:
        if owner is None:
            return None, entry(resource, "unchanged", not_contained)
        return None, entry(resource, "skipped", NO_RECORD)
    return rec, None


def location_of(value):
    """A bucket's Region from its location (LocationConstraint, either spelling; None is us-east-1)."""
    value = as_dict(value)
    location = value.get("LocationConstraint", value.get("location_constraint")) or "us-east-1"
    return "eu-west-1" if location == "EU" else location


# ---------------------------------------------------------------- record checks


class Problem(Exception):
    """What is wrong with a record given back; record.load_record says where it came from."""


def need(condition, what):
    if not condition:
        raise Problem(what)


def is_port(value):
    return isinstance(value, int) and not isinstance(value, bool) and -1 <= value <= 65535
