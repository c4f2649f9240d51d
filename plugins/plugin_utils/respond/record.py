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

import json
import os
import re
import tempfile

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import INVESTIGATION_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import TIME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import Problem
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import need
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import ROLE_ARN
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import SESSION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.model import ACCOUNT_ID
from ansible_collections.secops.guardduty.plugins.module_utils.model import REGION_NAME
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES

RECORD_FORMAT = 1
RECORD_STATUSES = ("pending", "applied", "rolled_back")  # about to change, changed, restored
STEP_STATUSES = ("done", "unchanged", "failed", "skipped")  # what became of each step of the last run (steps.execute)
_VERSION = re.compile(r"\d{1,4}\.\d{1,4}\.\d{1,4}(?:[-+.][0-9A-Za-z.-]{1,32})?", re.ASCII)
_CALLER_ARN = re.compile(r"arn:aws[a-z-]{0,12}:(?:iam|sts)::\d{12}:[\w+=,.@/-]{1,600}", re.ASCII)
_STEP = re.compile(r"[A-Za-z0-9_.:/-]{1,400}", re.ASCII)  # a step's key within its resource (evidence, nacl:acl-..., deregister:<ARN>)


class Kind:  # pylint: disable=too-few-public-methods
    """What a record is of: the action types its entries are of, what it is called, the role's variables and artifact
    that carry it. The containment record and the disposition record share everything else."""

    def __init__(self, types, noun, artifact, directory_variable):
        self.types = types
        self.noun = noun
        self.artifact = artifact
        self.directory_variable = directory_variable


CONTAINMENT = Kind(TYPES, "containment record", "guardduty_contain_record", "contain_record_dir")


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


def record_entry(plan_entry, status, time, identity=None, kind=CONTAINMENT):
    """The record of one resource apply is about to change: the state rollback restores, from the plan entry's changes
    (what its action type records); ``identity`` (an assumed role's, identity.acted_as()) says who changed it."""
    rec = {"type": plan_entry["type"], "id": plan_entry["id"], "status": status, "time": time}
    if identity:
        rec["acted_as"] = dict(identity)
    rec.update(kind.types[plan_entry["type"]].record(plan_entry))
    return rec


def _merged_entry(old, new, kind):
    """``new`` over ``old`` for one resource: what its action type keeps of an earlier apply (the state from before any
    containment is the one to give back), unless ``old`` was rolled back."""
    if old is None or old["status"] == "rolled_back":
        return new
    return kind.types[new["type"]].merge(old, new)


def merge_records(base, entries, time, kind=CONTAINMENT):
    """``base`` (a checked record) with ``entries`` (record entries) merged in, per resource, updated at ``time``."""
    merged = {(r["type"], r["id"]): r for r in base["resources"]}
    for new in entries:
        key = (new["type"], new["id"])
        merged[key] = _merged_entry(merged.get(key), new, kind)
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


def _check_entry(index, rec, investigation_id, record_kind):
    need(isinstance(rec, dict), f"resources[{index}] is not an object")
    kind, ident = rec.get("type"), rec.get("id")
    types = record_kind.types
    need(kind in types, f"resources[{index}] has no resource type this role records")
    need(isinstance(ident, str) and types[kind].id_problem(ident) is None, f"resources[{index}] ({kind}) has no valid "
         + ("bucket name" if kind == "s3_bucket" else "id"))
    where = f"resources[{index}] ({kind} {ident})"
    need(rec.get("status") in RECORD_STATUSES, f"{where} has no status ({', '.join(RECORD_STATUSES)})")
    _check_acted_as(where, rec.get("acted_as"))
    need(isinstance(rec.get("time"), str) and TIME.fullmatch(rec["time"]), f"{where} has no UTC time")
    steps = rec.get("steps")
    need(steps is None or (isinstance(steps, dict) and all(isinstance(k, str) and _STEP.fullmatch(k) and v in STEP_STATUSES
                                                           for k, v in steps.items())),
         f"{where} has steps that are not step keys with their status ({', '.join(STEP_STATUSES)})")
    types[kind].check(where, rec, investigation_id)


def _check_acted_as(where, identity):
    """Who changed a resource (an assumed role's ARN, its session, the caller's ARN): identifiers only."""
    if identity is None:
        return
    need(isinstance(identity, dict) and set(identity) <= {"arn", "assumed_role", "session_name"}
         and (identity.get("arn") is None or (isinstance(identity["arn"], str) and _CALLER_ARN.fullmatch(identity["arn"])))
         and (identity.get("assumed_role") is None or (isinstance(identity["assumed_role"], str) and ROLE_ARN.fullmatch(identity["assumed_role"])))
         and (identity.get("session_name") is None or (isinstance(identity["session_name"], str) and SESSION_NAME.fullmatch(identity["session_name"]))),
         f"{where} has an acted_as that is not an ARN, a role ARN and a session name")


def _check_record(record, investigation_id, account_id, region, kind):
    need(isinstance(record, dict), "it is not a JSON object")
    need(record.get("record_format") == RECORD_FORMAT, f"it has no record_format {RECORD_FORMAT} (not a record this role wrote)")
    other = record.get("investigation_id")
    if other != investigation_id:
        shown = other if isinstance(other, str) and INVESTIGATION_ID.fullmatch(other) else "(not an investigation id)"
        raise Problem(f"it is the record of investigation {shown}, not {investigation_id}")
    need(isinstance(record.get("account_id"), str) and ACCOUNT_ID.fullmatch(record["account_id"]), "it names no account")
    need(record["account_id"] == account_id, f"it is of account {record['account_id']}, not the investigation's account {account_id}")
    need(isinstance(record.get("region"), str) and REGION_NAME.fullmatch(record["region"]), "it names no Region")
    need(record["region"] == region, f"it is of Region {record['region']}, not the investigation's Region {region}")
    for key in ("created", "updated"):
        need(isinstance(record.get(key), str) and TIME.fullmatch(record[key]), f"its {key} is not a UTC ISO-8601 time")
    need(isinstance(record.get("role_version"), str) and _VERSION.fullmatch(record["role_version"]), "its role_version is not a version")
    resources = record.get("resources")
    need(isinstance(resources, list), "it has no list of resources")
    seen = set()
    for index, rec in enumerate(resources):
        _check_entry(index, rec, investigation_id, kind)
        need((rec["type"], rec["id"]) not in seen, f"resources[{index}] ({rec['type']} {rec['id']}) is recorded twice")
        seen.add((rec["type"], rec["id"]))


def load_record(value, source, investigation_id, account_id, region, kind=CONTAINMENT):
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
                           f"(the file, or the {kind.artifact} artifact); nothing was changed") from None
    try:
        _check_record(record, investigation_id, account_id, region, kind)
    except Problem as e:
        raise ContainError(f"{source} is not a {kind.noun} this role wrote for investigation {investigation_id}: {e}; "
                           "nothing was changed") from None
    return dict({key: record[key] for key in new_record("", "", "", "", "")}, resources=[dict(r) for r in record["resources"]])


# ---------------------------------------------------------------- the record's file on the controller


def read_record_file(path, kind=CONTAINMENT):
    """(exists, text) of the record file at ``path`` on the controller; ContainError when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return True, f.read()
    except (FileNotFoundError, NotADirectoryError):
        return False, None
    except (OSError, UnicodeDecodeError) as e:
        raise ContainError(f"The {kind.noun} file {path} cannot be read ({e.__class__.__name__}: {e}); "
                           "check its owner and mode (0600, for the user running Ansible)") from None


def record_text(record):
    """The record as the file holds it: sorted, indented JSON and a final newline."""
    return json.dumps(record, indent=4, sort_keys=True) + "\n"


def write_record_file(path, record, check_mode=False, kind=CONTAINMENT):
    """Write ``record`` to ``path`` on the controller: the directory created 0700 when missing (an existing one keeps
    its mode), the file written 0600 in one step (a temporary file renamed into place), so that a run stopped at any
    point leaves the previous or the new record. Returns whether the file changed."""
    text = record_text(record)
    exists, current = read_record_file(path, kind)
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
        raise ContainError(f"The {kind.noun} could not be written to {path} ({e.__class__.__name__}: {e}): nothing was "
                           f"changed in AWS after it; choose a writable {kind.directory_variable} on the controller") from None
    return True
