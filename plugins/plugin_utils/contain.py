# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Containment: which resources an investigation names, and what the ``contain`` role does about each of them.

``investigation_resources`` reads an investigation as the modules and the lookup return it (snake_case; structured
summary ``summary_data`` or a text summary holding JSON, ``records``) and returns the resources the role can act on
(EC2 instances, IAM access keys, IAM users, IAM roles, S3 buckets, security groups) as a typed, de-duplicated list.
Every identifier is checked against the AWS pattern of its type; anything else (other resource types, malformed or
ambiguous identifiers, ARNs of the wrong service) goes to ``unrecognised`` with the reason. CLI commands the AI
suggested are never returned; the countermeasure a resource came from is kept as descriptive, untrusted text.

``containment_plan`` decides, from those resources and the state the role read with amazon.aws info modules, what
each resource needs in ``plan``, ``apply`` or ``rollback`` mode, and why a resource is left alone. The role's tasks
only carry out what the plan says, with amazon.aws modules, and never template or run text from the investigation.
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.plugin_utils.report import PRIORITIES
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import ReportError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import _dict
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import _investigation
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import _kind
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import _plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import _summary_source
from ansible_collections.secops.guardduty.plugins.plugin_utils.report import risk_rank

# the service's resource type (InvestigationResourceType) -> the type this collection returns
TYPES = {
    "EC2_INSTANCE": "ec2_instance",
    "IAM_ACCESS_KEY": "iam_access_key",
    "IAM_USER": "iam_user",
    "IAM_ROLE": "iam_role",
    "S3_BUCKET": "s3_bucket",
    "EC2_SECURITY_GROUP": "ec2_security_group",
}
RESOURCE_TYPES = tuple(TYPES.values())

_A = re.ASCII
ID_PATTERNS = {
    "ec2_instance": re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})", _A),
    "ec2_security_group": re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})", _A),
    # long-term (AKIA) and temporary (ASIA) access key ids: 20 upper-case letters and digits
    "iam_access_key": re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}", _A),
    "iam_user": re.compile(r"[\w+=,.@-]{1,64}", _A),
    "iam_role": re.compile(r"[\w+=,.@-]{1,64}", _A),
    "s3_bucket": re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", _A),
}
ID_RULES = {
    "ec2_instance": "i- and 8 or 17 lowercase hexadecimal digits",
    "ec2_security_group": "sg- and 8 or 17 lowercase hexadecimal digits",
    "iam_access_key": "AKIA or ASIA and 16 upper-case letters or digits",
    "iam_user": "1 to 64 letters, digits and +=,.@_-",
    "iam_role": "1 to 64 letters, digits and +=,.@_-",
    "s3_bucket": "3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
}
_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)", _A)
_IAM_PATH = re.compile(r"(?:/[\x21-\x7e]*)?/", _A)
_ACCOUNT = re.compile(r"\d{12}", _A)
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d", _A)

PRIORITY_ORDER = {p: i for i, p in enumerate(PRIORITIES)}
MAX_TEXT = 512  # countermeasure text kept per resource (a reminder of why, not the whole AI narrative)


class ContainError(ReportError):
    """Input the containment filters cannot work with; the message says what was given and what is expected."""


def _text(value):
    return value if isinstance(value, str) else None


def _short(value):
    text = _text(value)
    if text is None:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "\u2026"


def bucket_name_problem(name):
    """Why ``name`` is not a valid S3 bucket name (general purpose bucket rules), or None."""
    if not ID_PATTERNS["s3_bucket"].fullmatch(name):
        return ID_RULES["s3_bucket"]
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


def id_problem(kind, value):
    """Why ``value`` is not an identifier of resource type ``kind``, or None when it is one."""
    if not isinstance(value, str):
        return f"the identifier is a {_kind(value)}, not a string"
    if kind == "s3_bucket":
        problem = bucket_name_problem(value)
    else:
        problem = None if ID_PATTERNS[kind].fullmatch(value) else ID_RULES[kind]
    return f"{value!r} is not a valid {kind} identifier (expected {problem})" if problem else None


def _from_arn(kind, arn):
    """(id, account_id, region, owner_user) from an ARN of resource type ``kind``; ValueError with the reason."""
    match = _ARN.fullmatch(arn)
    if not match:
        raise ValueError(f"{arn!r} is not an ARN (arn:partition:service:region:account:resource)")
    _partition, service, region, account, resource = match.groups()
    owner = None
    if kind in ("ec2_instance", "ec2_security_group"):
        prefix = "instance/" if kind == "ec2_instance" else "security-group/"
        if service != "ec2" or not resource.startswith(prefix) or not region or not account:
            raise ValueError(f"{arn!r} is not the ARN of an {kind} (arn:aws:ec2:<region>:<account>:{prefix}<id>)")
        ident = resource[len(prefix):]
    elif kind in ("iam_user", "iam_role"):
        prefix = "user" if kind == "iam_user" else "role"
        path = resource[len(prefix):] if resource.startswith(prefix + "/") else None
        if service != "iam" or region or not account or path is None:
            raise ValueError(f"{arn!r} is not the ARN of an {kind} (arn:aws:iam::<account>:{prefix}/<path/><name>)")
        slash = path.rfind("/")
        if not _IAM_PATH.fullmatch(path[: slash + 1]):
            raise ValueError(f"{arn!r} has an invalid IAM path")
        ident = path[slash + 1:]
        region = None
    elif kind == "iam_access_key":
        # an access key has no ARN of its own; the service gives the ARN of the user that owns it
        if service != "iam" or region or not account or not resource.startswith("user/"):
            raise ValueError(f"{arn!r} is not the ARN of the IAM user owning an access key (arn:aws:iam::<account>:user/<name>)")
        owner = resource[resource.rfind("/") + 1:]
        problem = id_problem("iam_user", owner)
        if problem:
            raise ValueError(f"the owner in {arn!r}: {problem}")
        return None, account, None, owner
    else:  # s3_bucket
        if service != "s3" or region or account or "/" in resource:
            raise ValueError(f"{arn!r} is not the ARN of an s3_bucket (arn:aws:s3:::<bucket>)")
        ident, account, region = resource, None, None
    return ident, account or None, region or None, owner


def _context(inv):
    cloud, scope = _dict(inv.get("cloud")), _dict(inv.get("scope"))
    account = _text(cloud.get("account")) or _text(scope.get("account_id"))
    region = _text(cloud.get("region"))
    return (account if account and _ACCOUNT.fullmatch(account) else None), (region if region and _REGION.fullmatch(region) else None)


def _candidates(inv, summary):
    """(raw type, identifier, arn, where, priority, countermeasure, sibling users) for every resource the investigation names."""
    summary = summary or {}
    for g_index, group in enumerate(summary.get("countermeasures") or []):
        if not isinstance(group, dict):
            continue
        for a_index, action in enumerate(group.get("actions") or []):
            if not isinstance(action, dict):
                continue
            priority = action.get("priority") if action.get("priority") in PRIORITY_ORDER else None
            countermeasure = {
                "defense_tactic": _short(group.get("defense_tactic")),
                "title": _short(action.get("title")),
                "description": _short(action.get("description")),
                "disposition": _short(action.get("disposition")),
            }
            resources = [r for r in (action.get("affected_resources") or []) if isinstance(r, dict)]
            users = [r.get("identifier") for r in resources if r.get("type") == "IAM_USER"]
            for r_index, res in enumerate(resources):
                where = f"summary_data.countermeasures[{g_index}].actions[{a_index}].affected_resources[{r_index}]"
                yield res.get("type"), res.get("identifier"), res.get("arn"), where, priority, countermeasure, users
    for index, res in enumerate(_dict(summary.get("account_analysis")).get("affected_resources") or []):
        if isinstance(res, dict):
            yield res.get("type"), res.get("identifier"), None, f"summary_data.account_analysis.affected_resources[{index}]", None, None, []
    for index, record in enumerate(inv.get("records") or []):
        if not isinstance(record, dict):
            continue
        observation = _dict(record.get("supporting_data")).get("observation")
        if not isinstance(observation, dict):
            continue
        res = observation.get("resource")
        if isinstance(res, dict):
            yield res.get("resource_type"), res.get("uid"), None, f"records[{index}].supporting_data.observation.resource", None, None, []
        for r_index, res in enumerate(observation.get("representative_resources") or []):
            if isinstance(res, dict):
                where = f"records[{index}].supporting_data.observation.representative_resources[{r_index}]"
                yield res.get("resource_type"), res.get("identifier"), None, where, None, None, []


def _resolve(kind, identifier, arn, inv_account, inv_region):
    """The resource dict (without priority/countermeasure) or a reason string."""
    account, region = inv_account, (inv_region if kind in ("ec2_instance", "ec2_security_group") else None)
    identifier_is_arn = isinstance(identifier, str) and identifier.startswith("arn:")
    parsed = []
    for candidate in (arn, identifier if identifier_is_arn else None):
        if candidate in (None, ""):
            continue
        if not isinstance(candidate, str):
            return f"the ARN is a {_kind(candidate)}, not a string"
        try:
            parsed.append((candidate,) + _from_arn(kind, candidate))
        except ValueError as e:
            return str(e)
    names = {(ident, acct, reg) for _arn, ident, acct, reg, _owner in parsed if ident is not None}
    bare = identifier if identifier not in (None, "") and not identifier_is_arn else None
    if len(names) > 1 or (bare is not None and any(ident != bare for ident, _acct, _reg in names)):
        shown = [repr(identifier)] if bare is not None else []
        return f"the identifier and ARN name different resources ({', '.join(shown + [repr(p[0]) for p in parsed])})"
    ident = bare if bare is not None else next((name[0] for name in names), None)
    owner = None
    for _arn, _ident, arn_account, arn_region, arn_owner in parsed:
        account = arn_account or account
        if kind in ("ec2_instance", "ec2_security_group"):
            region = arn_region
        owner = arn_owner or owner
    if ident in (None, ""):
        return "no identifier"
    problem = id_problem(kind, ident)
    if problem:
        return problem
    resource = {"type": kind, "id": ident, "account_id": account, "region": region}
    if kind == "iam_access_key":
        resource["user_name"] = owner
    return resource


def investigation_resources(value):
    """{"resources": [...], "unrecognised": [...]} for an investigation (see the module docstring)."""
    inv = _plain(_investigation(value))
    inv_account, inv_region = _context(inv)
    summary, _source, _text_only = _summary_source(inv)
    merged = {}
    unrecognised = []
    for raw_type, identifier, arn, where, priority, countermeasure, users in _candidates(inv, summary):
        kind = TYPES.get(raw_type) if isinstance(raw_type, str) else None
        shown = identifier if identifier not in (None, "") else arn
        if kind is None:
            reason = (f"resource type {raw_type!r} is not one the contain role acts on ({', '.join(TYPES)})"
                      if isinstance(raw_type, str) and raw_type else "no resource type")
            unrecognised.append({"type": raw_type, "id": shown, "source": where, "reason": reason})
            continue
        resolved = _resolve(kind, identifier, arn, inv_account, inv_region)
        if isinstance(resolved, str):
            unrecognised.append({"type": raw_type, "id": shown, "source": where, "reason": resolved})
            continue
        if kind == "iam_access_key" and resolved["user_name"] is None:
            owners = sorted({u for u in users if isinstance(u, str) and not id_problem("iam_user", u)})
            resolved["user_name"] = owners[0] if len(owners) == 1 else None
        key = (kind, resolved["id"], resolved["account_id"], resolved["region"])
        entry = merged.get(key)
        if entry is None:
            entry = merged[key] = dict(resolved, priority=priority, countermeasure=countermeasure, sources=[where])
            continue
        entry["sources"].append(where)
        if kind == "iam_access_key" and entry["user_name"] is None:
            entry["user_name"] = resolved["user_name"]
        if priority is not None and (entry["priority"] is None or PRIORITY_ORDER[priority] < PRIORITY_ORDER[entry["priority"]]):
            entry["priority"], entry["countermeasure"] = priority, countermeasure
        elif entry["countermeasure"] is None and countermeasure is not None:
            entry["countermeasure"] = countermeasure
    seen = set()
    unique = []
    for item in unrecognised:
        key = (repr(item["type"]), repr(item["id"]), item["reason"])
        if key not in seen:
            seen.add(key)
            unique.append(item)
    order = {kind: i for i, kind in enumerate(RESOURCE_TYPES)}
    resources = sorted(merged.values(), key=lambda r: (PRIORITY_ORDER.get(r["priority"], len(PRIORITY_ORDER)), order[r["type"]]))
    return {
        "investigation_id": inv.get("investigation_id"),
        "account_id": inv_account,
        "region": inv_region,
        "risk_level": inv.get("risk_level"),
        "resources": resources,
        "unrecognised": unique,
    }


# ---------------------------------------------------------------- what the contain role does about each resource

TAG_PREFIX = "secops-guardduty:"
TAG_CONTAINED_BY = TAG_PREFIX + "contained-by"
TAG_ENI_GROUPS = TAG_PREFIX + "groups:"  # + ENI id -> the ENI's security groups before containment, space-separated
TAG_KEY = TAG_PREFIX + "deactivated-key:"  # + access key id (on the owning user) -> investigation id
TAG_PAB = TAG_PREFIX + "public-access-block"  # on a bucket: its public access block before containment
TAG_SNAPSHOT = TAG_PREFIX + "investigation"  # on forensic snapshots
PAB_KEYS = (("block_public_acls", "BlockPublicAcls"), ("ignore_public_acls", "IgnorePublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"), ("restrict_public_buckets", "RestrictPublicBuckets"))
MODES = ("plan", "apply", "rollback")
_GROUP_ID = ID_PATTERNS["ec2_security_group"]
_ENI_ID = re.compile(r"eni-(?:[0-9a-f]{8}|[0-9a-f]{17})", _A)
_INVESTIGATION_ID = re.compile(r"[a-fA-F0-9-]{1,64}", _A)
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}", _A)


def policy_name(investigation_id):
    """The deny-all inline policy the role attaches for ``investigation_id``."""
    return "secops-guardduty-contain-" + investigation_id


def deny_all_policy():
    """The inline policy that denies a principal every action on every resource."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "GuardDutyContainment", "Effect": "Deny", "Action": "*", "Resource": "*"}],
    }


def _pab_tag(block):
    """A bucket's public access block as a tag value (S3 tag values allow letters, digits, spaces and + - = . _ : / @)."""
    if not block:
        return "none"
    return " ".join(f"{api}={'true' if block.get(key) else 'false'}" for key, api in PAB_KEYS)


def _pab_from_tag(value):
    """The public access block a tag recorded: None (there was none), a dict, or ValueError."""
    if value == "none":
        return None
    parts = dict(part.split("=", 1) for part in (value or "").split(" ") if "=" in part)
    if sorted(parts) != sorted(api for _key, api in PAB_KEYS) or any(v not in ("true", "false") for v in parts.values()):
        raise ValueError(f"the tag {TAG_PAB} does not hold a public access block this role wrote: restore it by hand")
    return {key: parts[api] == "true" for key, api in PAB_KEYS}


def _blocked(block):
    return bool(block) and all(block.get(key) is True for key, _api in PAB_KEYS)


def _location(value):
    """A bucket's Region from s3_bucket_info's bucket_location (LocationConstraint, either spelling; None is us-east-1)."""
    value = _dict(value)
    location = value.get("LocationConstraint", value.get("location_constraint")) or "us-east-1"
    return "eu-west-1" if location == "EU" else location


def _public_access_block(value):
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


def _tags(value):
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


def _settings(settings):
    settings = dict(settings or {})
    mode = settings.get("mode", "plan")
    if mode not in MODES:
        raise ContainError(f"contain_mode must be one of {', '.join(MODES)}; got {mode!r}")
    try:
        maximum = int(settings.get("max_resources", 20))
    except (TypeError, ValueError):
        maximum = 0
    if maximum < 1:
        raise ContainError(f"contain_max_resources must be a whole number of at least 1; got {settings.get('max_resources')!r}")
    settings["mode"], settings["max_resources"] = mode, maximum
    group = settings.get("quarantine_group_name") or "secops-guardduty-quarantine"
    if not isinstance(group, str) or not re.fullmatch(r"[\w .:/()#,@\[\]+=&;{}!$*-]{1,255}", group, _A) or group.lower().startswith("sg-"):
        raise ContainError(f"contain_quarantine_group_name must be a security group name (1-255 characters, not starting with sg-); got {group!r}")
    settings["quarantine_group_name"] = group
    return settings


def _scope(resource, found, settings):
    """Why ``resource`` is out of the role's reach, or None."""
    kind = resource["type"]
    if kind == "ec2_security_group":
        return "the contain role has no action for security groups: review the group's rules by hand"
    if found.get("account_id") is None:
        return "the investigation names no account (cloud.account), so nothing can be matched to it"
    if resource["account_id"] != found["account_id"]:
        return f"in account {resource['account_id']}, not the investigation's account {found['account_id']}"
    if resource.get("region") is not None and resource["region"] != found.get("region"):
        return f"in Region {resource['region']}, not the investigation's Region {found.get('region')}"
    if kind == "iam_access_key" and resource["id"].startswith("ASIA"):
        return "a temporary (ASIA) access key cannot be deactivated: contain the role or user that issued it"
    if (kind, resource["id"]) == _caller_principal(settings.get("caller_arn")):
        return ("this is the identity running the containment: denying it would stop this run and any rollback; "
                "contain it by hand with other credentials")
    return None


def _caller_principal(arn):
    """(iam_user, name) or (iam_role, name) of the caller's ARN (aws_caller_info), or None."""
    match = _ARN.fullmatch(arn) if isinstance(arn, str) else None
    if not match:
        return None
    service, resource = match.group(2), match.group(5)
    if service == "iam" and resource.startswith("user/"):
        return "iam_user", resource.rsplit("/", 1)[1]
    if service == "sts" and resource.startswith("assumed-role/") and resource.count("/") >= 2:
        return "iam_role", resource.split("/")[1]
    return None


def _entry(resource, status, reason, **changes):
    entry = {key: resource.get(key) for key in ("type", "id", "account_id", "region", "priority", "countermeasure")}
    if resource["type"] == "iam_access_key":
        entry["user_name"] = resource.get("user_name")
    entry.update(status=status, reason=reason, changes=changes)
    return entry


def _by(items, key):
    return {item.get(key): item for item in items or [] if isinstance(item, dict)}


def collect(value, key):
    """The ``key`` lists of registered results (a result, a loop's ``results``, or a list of either), as one list."""
    if isinstance(value, (list, tuple)):
        return [item for part in value for item in collect(part, key)]
    if not isinstance(value, dict) or value.get("skipped"):
        return []
    if isinstance(value.get("results"), list):
        return collect(value["results"], key)
    return [item for item in value.get(key) or [] if isinstance(item, dict)]


def policies(value):
    """{principal name: inline policy names, or None when it does not exist} from looped iam_policy_info results."""
    found = {}
    results = value.get("results") if isinstance(value, dict) else value
    for result in results or []:
        if isinstance(result, dict) and not result.get("skipped") and isinstance(result.get("item"), str):
            names = result.get("all_policy_names")
            found[result["item"]] = list(names) if isinstance(names, list) else None
    return found


def _instance(resource, state, settings, inv_id):
    inst = _by(collect(state.get("instances"), "instances"), "instance_id").get(resource["id"])
    if inst is None:
        return _entry(resource, "skipped", "no such instance in the account and Region (ec2_instance_info found none)")
    if (inst.get("state") or {}).get("name") in ("terminated", "shutting-down"):
        return _entry(resource, "skipped", f"the instance is {inst['state']['name']}")
    enis = [eni for eni in inst.get("network_interfaces") or [] if isinstance(eni, dict)]
    if not enis:
        return _entry(resource, "skipped", "the instance has no network interface to quarantine")
    vpc = inst.get("vpc_id")
    name = settings["quarantine_group_name"]
    group = next((g for g in collect(state.get("groups"), "security_groups") if g.get("group_name") == name and g.get("vpc_id") == vpc), None)
    group_id = group.get("group_id") if group else None
    tags = _tags(inst.get("tags"))
    current = {eni["network_interface_id"]: [g.get("group_id") for g in eni.get("groups") or []] for eni in enis}
    if settings["mode"] == "rollback":
        return _instance_rollback(resource, tags, current, group_id, inv_id)
    move = [{"eni_id": eni, "previous_groups": groups} for eni, groups in current.items() if not (group_id and groups == [group_id])]
    set_tags = {}
    if move:
        set_tags[TAG_CONTAINED_BY] = inv_id
        for item in move:
            set_tags[TAG_ENI_GROUPS + item["eni_id"]] = " ".join(item["previous_groups"])
        too_long = [key for key, value in set_tags.items() if len(value) > 256]
        if too_long:
            return _entry(resource, "skipped", f"the groups to record do not fit in a tag value (256 characters): {', '.join(too_long)}; contain it by hand")
    purge = bool(group) and bool(group.get("ip_permissions") or group.get("ip_permissions_egress"))
    volumes = []
    if settings.get("snapshots"):
        done = {s.get("volume_id") for s in collect(state.get("snapshots"), "snapshots") if _tags(s.get("tags")).get(TAG_SNAPSHOT) == inv_id}
        volumes = [m["ebs"]["volume_id"] for m in inst.get("block_device_mappings") or []
                   if isinstance(m.get("ebs"), dict) and m["ebs"].get("volume_id") and m["ebs"]["volume_id"] not in done]
    if not (move or purge or volumes or group is None):
        return _entry(resource, "unchanged", f"already only in the quarantine group {group_id}" + (" (and snapshotted)" if settings.get("snapshots") else ""))
    what = []
    if group is None:
        what.append(f"create the quarantine group {name!r} (no ingress, no egress) in {vpc}")
    elif purge:
        what.append(f"remove every rule of the quarantine group {group_id}")
    if move:
        what.append("move " + ", ".join(m["eni_id"] for m in move) + " to the quarantine group, recording the previous groups in tags")
    if volumes:
        what.append("snapshot " + ", ".join(volumes))
    return _entry(resource, "planned", "; ".join(what), vpc_id=vpc, quarantine_group_id=group_id, interfaces=move, tags=set_tags, snapshot_volumes=volumes)


def _instance_rollback(resource, tags, current, group_id, inv_id):
    owner = tags.get(TAG_CONTAINED_BY)
    if owner is None:
        return _entry(resource, "unchanged", "not contained by this role (no secops-guardduty:contained-by tag)")
    if owner != inv_id:
        # tag values are anyone's to write: only an investigation id is repeated in the reason
        other = owner if isinstance(owner, str) and _INVESTIGATION_ID.fullmatch(owner) else "(not an investigation id)"
        return _entry(resource, "skipped", f"contained by investigation {other}: roll back with that investigation")
    restore, untag, left = [], [], []
    for key, value in sorted(tags.items()):
        if not key.startswith(TAG_ENI_GROUPS):
            continue
        eni = key[len(TAG_ENI_GROUPS):]
        if not _ENI_ID.fullmatch(eni):
            left.append("a secops-guardduty:groups: tag that does not name a network interface")
            continue
        groups = value.split() if isinstance(value, str) else []
        if not groups or not all(_GROUP_ID.fullmatch(g) for g in groups):
            left.append(f"{eni} (its tag does not hold security group ids)")
            continue
        if eni not in current:
            left.append(f"{eni} (no longer attached)")
            untag.append(key)
            continue
        if group_id is None or current[eni] != [group_id]:
            left.append(f"{eni} (its groups changed since containment: {' '.join(current[eni])})")
            continue
        restore.append({"eni_id": eni, "groups": groups})
        untag.append(key)
    if not left:
        untag.append(TAG_CONTAINED_BY)
    untag = {key: tags[key] for key in untag}
    what = [f"restore {item['eni_id']} to {' '.join(item['groups'])}" for item in restore]
    if untag:
        what.append("remove the tags " + ", ".join(untag))
    if left:
        what.append("left alone: " + "; ".join(left))
    if not (restore or untag):
        return _entry(resource, "skipped", "; ".join(what))
    return _entry(resource, "planned", "; ".join(what), interfaces=restore, remove_tags=untag)


def _access_key(resource, state, settings, inv_id, user_tags):
    key = _by(collect(state.get("access_keys"), "access_keys"), "access_key_id").get(resource["id"])
    if key is None:
        where = f"of the user {resource['user_name']}" if resource.get("user_name") else "of any IAM user of the account"
        return _entry(resource, "skipped", f"not an access key {where} (iam_access_key_info found none)")
    user = key.get("user_name")
    resource = dict(resource, user_name=user)
    tags = user_tags.setdefault(user, dict(_tags((_by(collect(state.get("users"), "iam_users"), "user_name").get(user) or {}).get("tags"))))
    tag = TAG_KEY + resource["id"]
    if settings["mode"] == "rollback":
        if tags.get(tag) != inv_id:
            return _entry(resource, "unchanged", "not deactivated by this investigation (no tag on the user records it)")
        tags.pop(tag)
        if key.get("status") == "Active":
            return _entry(resource, "planned", f"already active again; remove the tag {tag} from {user}", activate=False, user_name=user)
        return _entry(resource, "planned", f"reactivate it and remove the tag {tag} from {user}", activate=True, user_name=user)
    if key.get("status") != "Active":
        return _entry(resource, "unchanged", f"already {key.get('status')}")
    return _entry(resource, "planned", f"deactivate it and record that on its user {user} (tag {tag})", user_name=user, tags={tag: inv_id})


def _principal(resource, state, settings, inv_id):
    kind = resource["type"]
    names = policies(state.get("user_policies" if kind == "iam_user" else "role_policies")).get(resource["id"])
    if names is None:
        return _entry(resource, "skipped", f"no such {kind.replace('_', ' ')} in the account")
    name = policy_name(inv_id)
    attached = name in names
    if settings["mode"] == "rollback":
        if not attached:
            return _entry(resource, "unchanged", f"the inline policy {name} is not attached")
        return _entry(resource, "planned", f"remove the inline policy {name}", policy_name=name)
    if attached:
        return _entry(resource, "unchanged", f"the deny-all inline policy {name} is already attached")
    return _entry(resource, "planned", f"attach the deny-all inline policy {name}", policy_name=name)


def _bucket(resource, state, settings, inv_id, region):
    bucket = _by(collect(state.get("buckets"), "buckets"), "name").get(resource["id"])
    if bucket is None:
        return _entry(resource, "skipped", "not a bucket of this account (S3 bucket names are global: only the caller's own buckets are changed)")
    location = _location(bucket.get("bucket_location"))
    if location != region:
        return _entry(resource, "skipped", f"in Region {location}, not the investigation's Region {region}")
    block = _public_access_block(bucket.get("public_access_block"))
    tags = _tags(bucket.get("bucket_tagging"))
    if settings["mode"] == "rollback":
        if tags.get(TAG_CONTAINED_BY) != inv_id:
            return _entry(resource, "unchanged", "public access not blocked by this investigation (no tag records it)")
        try:
            previous = _pab_from_tag(tags.get(TAG_PAB))
        except ValueError as e:
            return _entry(resource, "skipped", str(e))
        remaining = {k: v for k, v in tags.items() if k not in (TAG_CONTAINED_BY, TAG_PAB)}
        if not _blocked(block):
            return _entry(resource, "planned", "its public access block changed since containment: left as is; remove the tags",
                          restore=False, tags=remaining)
        what = "delete the public access block it did not have" if previous is None else "restore its public access block " + _pab_tag(previous)
        return _entry(resource, "planned", what + " and remove the tags", restore=True, previous=previous, tags=remaining)
    if _blocked(block):
        return _entry(resource, "unchanged", "all public access is already blocked")
    new_tags = {TAG_CONTAINED_BY: inv_id, TAG_PAB: _pab_tag(block)}
    return _entry(resource, "planned", f"block all public access (was: {_pab_tag(block)}), recording the previous setting in tags", tags=new_tags)


def containment_plan(found, settings, state=None):
    """What the contain role does about each resource ``found`` (``investigation_resources``) names.

    Without ``state`` (the scope pass), resources within reach are ``pending``: the role reads their state.
    With ``state``, each resource is ``planned`` (with its ``changes``), ``unchanged`` or ``skipped`` with the reason;
    ``settings.done=true`` (after the role acted) turns ``planned`` into ``done``. ``blocked`` lists what stops
    apply or rollback (approval, contain_max_resources); ``gate`` says why the risk level keeps apply from acting
    (reported by plan too, so that the reviewer sees it).
    """
    if not isinstance(found, dict) or not isinstance(found.get("resources"), list):
        raise ContainError(f"Expected what secops.guardduty.investigation_resources returns (a dict with resources); got {_kind(found)}")
    settings = _settings(settings)
    mode = settings["mode"]
    inv_id = found.get("investigation_id")
    if not isinstance(inv_id, str) or not _POLICY_NAME.fullmatch(policy_name(inv_id)):
        raise ContainError(f"The investigation id {inv_id!r} cannot name a containment (expected a GuardDuty investigation id)")
    caller = settings.get("caller_account")
    if caller is not None and found.get("account_id") is not None and str(caller) != found["account_id"]:
        raise ContainError(
            f"The AWS credentials belong to account {caller}, but investigation {inv_id} is in account {found['account_id']}: "
            "use credentials of the investigation's account (nothing was changed)"
        )
    gate = None
    if mode in ("plan", "apply") and not settings.get("force"):
        level = found.get("risk_level")
        if level in (None, "") or risk_rank(level) < risk_rank("Medium"):
            gate = (f"the risk level is {level or 'not assessed'}, below Medium: nothing is contained unless "
                    "contain_force=true")
    entries, in_scope = [], []
    for resource in found["resources"]:
        reason = _scope(resource, found, settings)
        if reason:
            entries.append(_entry(resource, "skipped", reason))
        elif gate and mode == "apply":
            entries.append(_entry(resource, "skipped", gate))
        else:
            in_scope.append(resource)
            entries.append(None)
    blocked = []
    if mode != "plan" and not settings.get("approved"):
        blocked.append(f"contain_mode={mode} needs contain_approved=true (in AWX: the approval node)")
    if len(in_scope) > settings["max_resources"]:
        blocked.append(f"{len(in_scope)} resources are within reach, more than contain_max_resources={settings['max_resources']}: "
                       "review them and raise contain_max_resources to go on")
    user_tags = {}
    pending = iter(in_scope)
    for index, entry in enumerate(entries):
        if entry is not None:
            continue
        resource = next(pending)
        kind = resource["type"]
        if state is None:
            entries[index] = _entry(resource, "pending", "within reach: the role reads its state next")
        elif kind == "ec2_instance":
            entries[index] = _instance(resource, state, settings, inv_id)
        elif kind == "iam_access_key":
            entries[index] = _access_key(resource, state, settings, inv_id, user_tags)
        elif kind in ("iam_user", "iam_role"):
            entries[index] = _principal(resource, state, settings, inv_id)
        else:
            entries[index] = _bucket(resource, state, settings, inv_id, found.get("region"))
    if settings.get("done"):
        for entry in entries:
            if entry["status"] == "planned":
                entry["status"] = "done"
    counts = {status: sum(1 for e in entries if e["status"] == status) for status in ("pending", "planned", "done", "unchanged", "skipped")}
    counts["unrecognised"] = len(found.get("unrecognised") or [])
    user_tag_updates = []
    if state is not None and mode == "rollback":
        for user, tags in user_tags.items():
            original = _tags((_by(collect(state.get("users"), "iam_users"), "user_name").get(user) or {}).get("tags"))
            if tags != original:
                user_tag_updates.append({"user_name": user, "tags": tags})
    return {
        "investigation_id": inv_id,
        "account_id": found.get("account_id"),
        "region": found.get("region"),
        "risk_level": found.get("risk_level"),
        "mode": mode,
        "blocked": blocked,
        "gate": gate,
        "counts": counts,
        "resources": entries,
        "unrecognised": found.get("unrecognised") or [],
        "user_tag_updates": user_tag_updates,
        "deny_policy_name": policy_name(inv_id),
        "deny_policy": deny_all_policy(),
    }
