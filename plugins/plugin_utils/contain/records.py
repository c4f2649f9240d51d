# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the contain role records, so that rollback undoes only what it did and restores only what was there.

The containment record: a JSON document per investigation, kept outside the contained resources (a file on the
controller, ``contain_record_dir/<investigation id>.json``, and the ``set_stats`` artifact
``guardduty_contain_record``). It holds, per resource, the state before containment that rollback restores
(``new_record``, ``record_entry``, ``merge_records``), and is written before each change. ``load_record`` checks a
record given back (the file or the ``contain_record`` variable) before anything is taken from it.

Tags (names below) on instances, users and buckets stay as a visible marker and a cross-check: a tag value is
anyone's to write (an attacker holding the instance role's credentials can rewrite it), so rollback never takes a
value from a tag, and leaves a resource contained where its tags disagree with the record.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import re
import tempfile

from ansible_collections.secops.guardduty.plugins.module_utils.elbv2_targets import is_ip
from ansible_collections.secops.guardduty.plugins.module_utils.elbv2_targets import registration_problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.identity import ROLE_ARN
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.identity import SESSION_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.resources import ACCOUNT_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.resources import ENI_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.resources import ID_PATTERNS
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.resources import REGION_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.contain.resources import bucket_name_problem

TAG_PREFIX = "secops-guardduty:"
TAG_CONTAINED_BY = TAG_PREFIX + "contained-by"
TAG_ENI_GROUPS = TAG_PREFIX + "groups:"  # + ENI id -> the ENI's security groups before containment, space-separated
TAG_KEY = TAG_PREFIX + "deactivated-key:"  # + access key id (on the owning user) -> investigation id
TAG_PAB = TAG_PREFIX + "public-access-block"  # on a bucket: its public access block before containment
TAG_SNAPSHOT = TAG_PREFIX + "investigation"  # on forensic snapshots (EBS and RDS)
PAB_KEYS = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))
INVESTIGATION_ID = re.compile(r"[a-fA-F0-9-]{1,64}", re.ASCII)
POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)

RECORD_FORMAT = 1
RECORD_STATUSES = ("pending", "applied", "rolled_back")  # about to change, changed, restored
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z", re.ASCII)
_VERSION = re.compile(r"\d{1,4}\.\d{1,4}\.\d{1,4}(?:[-+.][0-9A-Za-z.-]{1,32})?", re.ASCII)
_VPC = re.compile(r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
_NACL = re.compile(r"acl-(?:[0-9a-f]{8}|[0-9a-f]{17})", re.ASCII)
_DEVICE = re.compile(r"[\w/.:-]{1,64}", re.ASCII)
_ASG_NAME = re.compile(r"[^\x00-\x1f\x7f:]{1,255}")
_CALLER_ARN = re.compile(r"arn:aws[a-z-]{0,12}:(?:iam|sts)::\d{12}:[\w+=,.@/-]{1,600}", re.ASCII)
_TYPES = ("ec2_instance", "iam_access_key", "iam_user", "iam_role", "s3_bucket", "ec2_security_group", "lambda_function", "ebs_volume",
          "rds_instance")
# a DB snapshot identifier: 1 to 255 letters, digits and hyphens, a letter first, no hyphen last, no two in a row
DB_SNAPSHOT_ID = re.compile(r"(?!.*--)[a-zA-Z](?:[a-zA-Z0-9-]{0,253}[a-zA-Z0-9])?", re.ASCII)
MAX_CONCURRENCY = 1000000  # far above any account's Lambda concurrency quota
OPEN_CIDRS = ("0.0.0.0/0", "::/0")  # a security group's ingress rules from these are removed (and recorded)
_REGISTRATION_KEYS = ("target_group_arn", "id", "port", "availability_zone")
_RULE_KEYS = ("protocol", "from_port", "to_port", "cidr", "description_base64")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{2,344}={0,2}", re.ASCII)  # 255 description characters, padding checked when decoded
_PROTOCOL = re.compile(r"-1|tcp|udp|icmp|icmpv6|\d{1,3}", re.ASCII)


def policy_name(investigation_id):
    """The deny-all inline policy the role attaches for ``investigation_id``."""
    return "secops-guardduty-contain-" + investigation_id


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


def all_blocked(block):
    """Whether a public access block (public_access_block_of's) blocks every kind of public access."""
    return bool(block) and all(block.get(key) is True for key, _api in PAB_KEYS)


# ---------------------------------------------------------------- the containment record


def record_path(record_dir, investigation_id):
    """Where the record of ``investigation_id`` lives under ``record_dir`` (the id is checked by the caller)."""
    return record_dir.rstrip("/") + "/" + investigation_id + ".json"


def new_record(investigation_id, account_id, region, time, version):
    """An empty record of one investigation, created at ``time`` (UTC ISO-8601) by role version ``version``."""
    return {
        "record_format": RECORD_FORMAT,
        "investigation_id": investigation_id,
        "account_id": account_id,
        "region": region,
        "created": time,
        "updated": time,
        "role_version": version,
        "resources": [],
    }


def record_entry(plan_entry, status, time, identity=None):
    """The record of one resource apply is about to change: the state rollback restores, from the plan entry's changes;
    ``identity`` (an assumed role's, identity.acted_as()) says who changed it."""
    changes = plan_entry["changes"]
    rec = {"type": plan_entry["type"], "id": plan_entry["id"], "status": status, "time": time}
    if identity:
        rec["acted_as"] = dict(identity)
    if rec["type"] == "ec2_instance":
        rec["vpc_id"] = changes["vpc_id"]
        rec["interfaces"] = [{"eni_id": i["eni_id"], "previous_groups": list(i["previous_groups"])} for i in changes["interfaces"]]
        if changes.get("evidence_previous"):
            rec["evidence"] = {k: dict(v) if isinstance(v, dict) else v for k, v in changes["evidence_previous"].items()}
        if changes.get("standby"):
            rec["standby"] = dict(changes["standby"])
        if changes.get("network_acl_entries"):
            rec["network_acl_entries"] = [dict(e) for e in changes["network_acl_entries"]]
        if changes.get("target_registrations"):
            rec["target_registrations"] = [_recorded_registration(r) for r in changes["target_registrations"]]
    elif rec["type"] == "iam_access_key":
        rec["user_name"] = changes["user_name"]
        rec["previous_status"] = "Active"
    elif rec["type"] == "ec2_security_group":
        rec["removed_rules"] = [_recorded_rule(rule) for rule in changes["rules"]]
    elif rec["type"] == "lambda_function":
        rec["previous_reserved_concurrency"] = changes["previous"]
    elif rec["type"] == "ebs_volume":
        rec["forensic_snapshot"] = True  # taken, and kept: rollback has nothing to restore
    elif rec["type"] == "rds_instance":
        rec["vpc_id"] = changes["vpc_id"]
        rec["previous_publicly_accessible"] = changes["previous_publicly_accessible"]
        rec["previous_vpc_security_groups"] = list(changes["previous_vpc_security_groups"])
        rec["snapshot"] = changes["snapshot"]  # the forensic snapshot's identifier (kept on rollback), or null: one existed
    elif rec["type"] in ("iam_user", "iam_role"):
        rec["policy_name"] = changes["policy_name"]
        if changes.get("revoked_before"):
            rec["revoked_before"] = changes["revoked_before"]
    else:  # s3_bucket
        previous = changes["previous"]
        rec["previous_public_access_block"] = dict(previous) if previous else None
    return rec


def _recorded_registration(item):
    """A load balancer target registration as the record holds it: what RegisterTargets takes back."""
    return {"target_group_arn": item["target_group_arn"], "id": item["id"], "port": item["port"],
            "availability_zone": item.get("availability_zone")}


def _recorded_rule(rule):
    """An ingress rule as the record holds it: its description base64-encoded (text anyone who edits the group wrote;
    the record is also a set_stats artifact, which the next AWX workflow node templates: base64 holds no template)."""
    description = rule.get("description")
    encoded = base64.b64encode(description.encode("utf-8")).decode("ascii") if description else None
    return {"protocol": rule["protocol"], "from_port": rule["from_port"], "to_port": rule["to_port"], "cidr": rule["cidr"],
            "description_base64": encoded}


def _description(encoded):
    """The description a record's ``description_base64`` holds (None for null); ValueError when it is not one."""
    if encoded is None:
        return None
    if not isinstance(encoded, str) or not _BASE64.fullmatch(encoded):
        raise ValueError("not base64")
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("not base64 of UTF-8 text") from None
    if not 0 < len(text) <= 255 or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("not up to 255 printable characters")
    return text


def recorded_rules(rec):
    """The ingress rules a (checked) security group record holds, as ec2_security_group_ingress takes them."""
    return [{"protocol": r["protocol"], "from_port": r["from_port"], "to_port": r["to_port"], "cidr": r["cidr"],
             "description": _description(r["description_base64"])} for r in rec["removed_rules"]]


def _merged_entry(old, new):
    """``new`` over ``old`` for one resource: an instance keeps the interfaces ``new`` does not name (an earlier apply
    moved them and they are still recorded), unless ``old`` was rolled back."""
    merged_types = ("ec2_instance", "ec2_security_group", "lambda_function", "rds_instance")
    if old is None or old["status"] == "rolled_back" or new["type"] not in merged_types:
        return new
    if new["type"] == "rds_instance":  # the settings from before any containment are the ones to give back
        return dict(new, previous_publicly_accessible=old["previous_publicly_accessible"],
                    previous_vpc_security_groups=old["previous_vpc_security_groups"], snapshot=new["snapshot"] or old.get("snapshot"))
    if new["type"] == "lambda_function":  # the setting from before any containment is the one to give back
        return dict(new, previous_reserved_concurrency=old["previous_reserved_concurrency"])
    if new["type"] == "ec2_security_group":  # the rules an earlier apply removed stay recorded
        rules = {_rule_id(r): r for r in old.get("removed_rules", [])}
        rules.update({_rule_id(r): r for r in new["removed_rules"]})
        return dict(new, removed_rules=list(rules.values()))
    interfaces = {i["eni_id"]: i for i in old.get("interfaces", [])}
    interfaces.update({i["eni_id"]: i for i in new.get("interfaces", [])})
    merged = dict(new, interfaces=[interfaces[eni] for eni in sorted(interfaces)])
    # the evidence settings and the Standby an earlier apply recorded are the ones from before any containment: kept
    evidence = dict(new.get("evidence") or {})
    for name, value in (old.get("evidence") or {}).items():
        evidence[name] = dict(evidence.get(name) or {}, **value) if name == "delete_on_termination" else value
    if evidence:
        merged["evidence"] = evidence
    if old.get("standby"):
        merged["standby"] = old["standby"]
    acl = {(e["nacl_id"], e["egress"], e["rule_number"]): e for e in (old.get("network_acl_entries") or []) + (new.get("network_acl_entries") or [])}
    if acl:
        merged["network_acl_entries"] = [acl[key] for key in sorted(acl)]
    # the registrations an earlier apply took out stay recorded (a second apply finds none left to take out)
    targets = {(r["target_group_arn"], r["id"], r["port"]): r
               for r in (old.get("target_registrations") or []) + (new.get("target_registrations") or [])}
    if targets:
        merged["target_registrations"] = [targets[key] for key in sorted(targets)]
    return merged


def _rule_id(rule):
    """What names a recorded ingress rule in its group (its description does not)."""
    return rule["protocol"], rule["from_port"], rule["to_port"], rule["cidr"]


def merge_records(base, entries, time):
    """``base`` (a checked record) with ``entries`` (record entries) merged in, per resource, updated at ``time``."""
    merged = {(r["type"], r["id"]): r for r in base["resources"]}
    for new in entries:
        key = (new["type"], new["id"])
        merged[key] = _merged_entry(merged.get(key), new)
    return dict(base, updated=time, resources=list(merged.values()))


def with_statuses(record, statuses, time, identity=None):
    """``record`` with the resources of ``statuses`` ({(type, id): status}) set to that status at ``time`` (by
    ``identity``, an assumed role's, when given); the same record when no status changes (a second rollback writes
    nothing)."""
    changed = {key for key, status in statuses.items() if status is not None}
    changed = {(r["type"], r["id"]) for r in record["resources"] if (r["type"], r["id"]) in changed and statuses[(r["type"], r["id"])] != r["status"]}
    if not changed:
        return record
    by = {"acted_as": dict(identity)} if identity else {}
    resources = [dict(r, status=statuses[(r["type"], r["id"])], time=time, **by) if (r["type"], r["id"]) in changed else r
                 for r in record["resources"]]
    return dict(record, updated=time, resources=resources)


class _Problem(Exception):
    """What is wrong with a record given back; ``load_record`` says where it came from."""


def _need(condition, what):
    if not condition:
        raise _Problem(what)


def _check_entry(index, rec, investigation_id):
    _need(isinstance(rec, dict), f"resources[{index}] is not an object")
    kind, ident = rec.get("type"), rec.get("id")
    _need(kind in _TYPES, f"resources[{index}] has no resource type this role records")
    if kind == "s3_bucket":
        _need(isinstance(ident, str) and bucket_name_problem(ident) is None, f"resources[{index}] ({kind}) has no valid bucket name")
    else:
        _need(isinstance(ident, str) and ID_PATTERNS[kind].fullmatch(ident), f"resources[{index}] ({kind}) has no valid id")
    where = f"resources[{index}] ({kind} {ident})"
    _need(rec.get("status") in RECORD_STATUSES, f"{where} has no status ({', '.join(RECORD_STATUSES)})")
    _check_acted_as(where, rec.get("acted_as"))
    _need(isinstance(rec.get("time"), str) and TIME.fullmatch(rec["time"]), f"{where} has no UTC time")
    if kind == "ec2_instance":
        _need(isinstance(rec.get("vpc_id"), str) and _VPC.fullmatch(rec["vpc_id"]), f"{where} has no valid vpc_id")
        interfaces = rec.get("interfaces")
        _need(isinstance(interfaces, list) and (interfaces or rec.get("evidence") or rec.get("standby") or rec.get("network_acl_entries")
                                                or rec.get("target_registrations")),
              f"{where} records no network interface")
        _check_acl_entries(where, rec.get("network_acl_entries"))
        _check_registrations(where, ident, rec.get("target_registrations"))
        _check_evidence(where, rec.get("evidence"))
        standby = rec.get("standby")
        _need(standby is None or (isinstance(standby, dict) and isinstance(standby.get("group_name"), str)
                                  and _ASG_NAME.fullmatch(standby["group_name"]) and isinstance(standby.get("decrement"), bool)),
              f"{where} has a standby that is not an Auto Scaling group name and decrement (true or false)")
        for item in interfaces:
            _need(isinstance(item, dict) and isinstance(item.get("eni_id"), str) and ENI_ID.fullmatch(item["eni_id"]),
                  f"{where} names a network interface that is not an eni- id")
            groups = item.get("previous_groups")
            _need(isinstance(groups, list) and groups and all(isinstance(g, str) and ID_PATTERNS["ec2_security_group"].fullmatch(g) for g in groups),
                  f"{where}: the previous groups of {item['eni_id']} are not security group ids")
    elif kind == "ec2_security_group":
        _check_rules(where, rec.get("removed_rules"))
    elif kind == "ebs_volume":
        _need(rec.get("forensic_snapshot") is True, f"{where} has no forensic_snapshot true")
    elif kind == "rds_instance":
        _need(isinstance(rec.get("vpc_id"), str) and _VPC.fullmatch(rec["vpc_id"]), f"{where} has no valid vpc_id")
        _need(isinstance(rec.get("previous_publicly_accessible"), bool), f"{where} has no previous_publicly_accessible (true or false)")
        groups = rec.get("previous_vpc_security_groups")
        _need(isinstance(groups, list) and groups and all(isinstance(g, str) and ID_PATTERNS["ec2_security_group"].fullmatch(g) for g in groups),
              f"{where}: its previous_vpc_security_groups are not security group ids")
        snapshot = rec.get("snapshot", False)
        _need(snapshot is None or (isinstance(snapshot, str) and DB_SNAPSHOT_ID.fullmatch(snapshot)),
              f"{where} has no snapshot (null, or a DB snapshot identifier)")
    elif kind == "lambda_function":
        value = rec.get("previous_reserved_concurrency", False)
        _need(value is None or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_CONCURRENCY),
              f"{where} has no previous_reserved_concurrency (null, or a number from 1 to {MAX_CONCURRENCY})")
    elif kind == "iam_access_key":
        _need(isinstance(rec.get("user_name"), str) and ID_PATTERNS["iam_user"].fullmatch(rec["user_name"]), f"{where} has no valid user_name")
        _need(rec.get("previous_status") == "Active", f"{where} has no previous_status Active")
    elif kind == "iam_role" and rec.get("policy_name") == revoke_policy_name(investigation_id):
        _need(isinstance(rec.get("revoked_before"), str) and TIME.fullmatch(rec["revoked_before"]), f"{where} has no revoked_before UTC time")
    elif kind in ("iam_user", "iam_role"):
        _need(rec.get("policy_name") == policy_name(investigation_id), f"{where} names another policy than {policy_name(investigation_id)}")
    else:
        block = rec.get("previous_public_access_block", False)
        _need(block is None or (isinstance(block, dict) and sorted(block) == sorted(k for k, _api in PAB_KEYS)
                                and all(isinstance(v, bool) for v in block.values())),
              f"{where} has no previous_public_access_block (null or the four settings, true or false)")


def _check_acted_as(where, identity):
    """Who changed a resource (an assumed role's ARN, its session, the caller's ARN): identifiers only."""
    if identity is None:
        return
    _need(isinstance(identity, dict) and set(identity) <= {"arn", "assumed_role", "session_name"}
          and (identity.get("arn") is None or (isinstance(identity["arn"], str) and _CALLER_ARN.fullmatch(identity["arn"])))
          and (identity.get("assumed_role") is None or (isinstance(identity["assumed_role"], str) and ROLE_ARN.fullmatch(identity["assumed_role"])))
          and (identity.get("session_name") is None or (isinstance(identity["session_name"], str) and SESSION_NAME.fullmatch(identity["session_name"]))),
          f"{where} has an acted_as that is not an ARN, a role ARN and a session name")


def _check_evidence(where, evidence):
    """The evidence settings an instance's record holds: only the four, each with a value AWS takes."""
    if evidence is None:
        return
    _need(isinstance(evidence, dict), f"{where} has evidence that is not an object")
    for name, value in evidence.items():
        if name == "termination_protection":
            _need(isinstance(value, bool), f"{where}: evidence termination_protection is not true or false")
        elif name == "shutdown_behavior":
            _need(value in ("stop", "terminate"), f"{where}: evidence shutdown_behavior is not stop or terminate")
        elif name == "metadata_endpoint":
            _need(value in ("enabled", "disabled"), f"{where}: evidence metadata_endpoint is not enabled or disabled")
        elif name == "delete_on_termination":
            _need(isinstance(value, dict) and all(isinstance(d, str) and _DEVICE.fullmatch(d) and isinstance(v, bool) for d, v in value.items()),
                  f"{where}: evidence delete_on_termination is not device names with true or false")
        else:
            raise _Problem(f"{where} has an evidence setting this role does not record")


def _is_port(value):
    return isinstance(value, int) and not isinstance(value, bool) and -1 <= value <= 65535


def _check_rules(where, rules):
    """The ingress rules a security group's record holds: only rules open to 0.0.0.0/0 or ::/0 (the only ones this role
    removes), each with a protocol, its ports and a description (null or text) as AWS takes them."""
    _need(isinstance(rules, list) and rules, f"{where} records no removed_rules")
    for item in rules:
        _need(isinstance(item, dict) and sorted(item) == sorted(_RULE_KEYS), f"{where} has a removed rule that is not protocol, from_port, "
              "to_port, cidr and description_base64")
        _need(isinstance(item["protocol"], str) and _PROTOCOL.fullmatch(item["protocol"]), f"{where} has a removed rule without a valid protocol")
        ports = (item["from_port"], item["to_port"])
        _need(ports == (None, None) if item["protocol"] == "-1" else all(p is None or _is_port(p) for p in ports)
              and (item["protocol"] not in ("tcp", "udp") or None not in ports),
              f"{where} has a removed {item['protocol']} rule whose ports are not from -1 to 65535 (none for -1)")
        _need(item["cidr"] in OPEN_CIDRS, f"{where} has a removed rule from another CIDR than 0.0.0.0/0 or ::/0 (this role removes no other)")
        try:
            _description(item["description_base64"])
        except ValueError as e:
            raise _Problem(f"{where} has a removed rule whose description_base64 is not null or a description ({e})") from None


def _check_acl_entries(where, entries):
    """The network ACL entries an instance's record holds: deny entries this role adds (an ACL id, a rule number that
    comes before the default rule, a direction, one address)."""
    if entries is None:
        return
    _need(isinstance(entries, list), f"{where} has network_acl_entries that are not a list")
    for item in entries:
        _need(isinstance(item, dict) and isinstance(item.get("nacl_id"), str) and _NACL.fullmatch(item["nacl_id"])
              and isinstance(item.get("rule_number"), int) and not isinstance(item.get("rule_number"), bool) and 1 <= item["rule_number"] <= 32766
              and isinstance(item.get("egress"), bool) and _is_address(item.get("cidr")),
              f"{where} has a network ACL entry that is not an acl- id, a rule number from 1 to 32766, a direction and one address")


def _check_registrations(where, instance_id, registrations):
    """The load balancer target registrations an instance's record holds: a target group ARN, the instance's id (or an
    IP address, in an ip target group), a port, an Availability Zone or null; nothing else."""
    if registrations is None:
        return
    _need(isinstance(registrations, list), f"{where} has target_registrations that are not a list")
    for item in registrations:
        problem = registration_problem(item) or (None if sorted(item) == sorted(_REGISTRATION_KEYS) else "it has other members than "
                                                 + ", ".join(_REGISTRATION_KEYS))
        _need(problem is None, f"{where} has a target registration that is not one this role records ({problem})")
        _need(item["id"] == instance_id or is_ip(item["id"]), f"{where} has a target registration of another instance")


def _is_address(cidr):
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except (TypeError, ValueError):
        return False
    return network.num_addresses == 1 and str(network) == cidr


def _check_record(record, investigation_id, account_id, region):
    _need(isinstance(record, dict), "it is not a JSON object")
    _need(record.get("record_format") == RECORD_FORMAT, f"it has no record_format {RECORD_FORMAT} (not a record this role wrote)")
    other = record.get("investigation_id")
    if other != investigation_id:
        shown = other if isinstance(other, str) and INVESTIGATION_ID.fullmatch(other) else "(not an investigation id)"
        raise _Problem(f"it is the record of investigation {shown}, not {investigation_id}")
    _need(isinstance(record.get("account_id"), str) and ACCOUNT_ID.fullmatch(record["account_id"]), "it names no account")
    _need(record["account_id"] == account_id, f"it is of account {record['account_id']}, not the investigation's account {account_id}")
    _need(isinstance(record.get("region"), str) and REGION_NAME.fullmatch(record["region"]), "it names no Region")
    _need(record["region"] == region, f"it is of Region {record['region']}, not the investigation's Region {region}")
    for key in ("created", "updated"):
        _need(isinstance(record.get(key), str) and TIME.fullmatch(record[key]), f"its {key} is not a UTC ISO-8601 time")
    _need(isinstance(record.get("role_version"), str) and _VERSION.fullmatch(record["role_version"]), "its role_version is not a version")
    resources = record.get("resources")
    _need(isinstance(resources, list), "it has no list of resources")
    seen = set()
    for index, rec in enumerate(resources):
        _check_entry(index, rec, investigation_id)
        _need((rec["type"], rec["id"]) not in seen, f"resources[{index}] ({rec['type']} {rec['id']}) is recorded twice")
        seen.add((rec["type"], rec["id"]))


def load_record(value, source, investigation_id, account_id, region):
    """The record ``value`` (a dict, or its JSON text) from ``source`` (said in messages), checked; None when empty.

    ContainError when it is not a record this role wrote for this investigation, its account and Region: nothing of
    it is used then. Values are checked against their patterns before they are repeated in a message.
    """
    if value in (None, "", {}) or (isinstance(value, str) and not value.strip()):
        return None
    try:
        record = json.loads(value) if isinstance(value, str) else value
    except ValueError as e:
        raise ContainError(f"{source} is not JSON ({e.msg} at line {e.lineno}, column {e.colno}): give the record apply wrote "
                           "(the file, or the guardduty_contain_record artifact); nothing was changed") from None
    try:
        _check_record(record, investigation_id, account_id, region)
    except _Problem as e:
        raise ContainError(f"{source} is not a containment record this role wrote for investigation {investigation_id}: {e}; "
                           "nothing was changed") from None
    return dict({key: record[key] for key in new_record("", "", "", "", "")}, resources=[dict(r) for r in record["resources"]])


# ---------------------------------------------------------------- the record's file on the controller


def read_record_file(path):
    """(exists, text) of the record file at ``path`` on the controller; ContainError when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return True, f.read()
    except (FileNotFoundError, NotADirectoryError):
        return False, None
    except (OSError, UnicodeDecodeError) as e:
        raise ContainError(f"The containment record file {path} cannot be read ({e.__class__.__name__}: {e}); "
                           "check its owner and mode (0600, for the user running Ansible)") from None


def record_text(record):
    """The record as the file holds it: sorted, indented JSON and a final newline."""
    return json.dumps(record, indent=4, sort_keys=True) + "\n"


def write_record_file(path, record, check_mode=False):
    """Write ``record`` to ``path`` on the controller: the directory created 0700 when missing (an existing one keeps
    its mode), the file written 0600 in one step (a temporary file renamed into place), so that a run stopped at any
    point leaves the previous or the new record. Returns whether the file changed."""
    text = record_text(record)
    exists, current = read_record_file(path)
    if exists and current == text:
        return False
    if check_mode:
        return True
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".contain-record-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    except OSError as e:
        raise ContainError(f"The containment record could not be written to {path} ({e.__class__.__name__}: {e}): nothing was "
                           "changed in AWS after it; choose a writable contain_record_dir on the controller") from None
    return True
