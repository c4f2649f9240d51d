# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The response engine: read, plan the whole investigation, record, act. What the containment action runs.

1. The investigation (given, or read by id), the resources it names (resources.investigation_resources), the identity
   that acts (a member account's role assumed with contain_assume_role) and its account checked.
2. The scope (plan.plan_with_context without state): approval, contain_max_resources, a rollback without a record
   stop here, before anything is read.
3. Each action type reads what its decisions need, the types side by side (state.merge_states); the roles of the
   instances' profiles are read once the instances are.
4. The plan, of every resource at once (rule numbers and quarantine groups allocated across the investigation).
5. apply / auto / rollback, not in check mode: the record written before any change (record_before), then the steps
   (steps.execute: credentials first, then evidence, then the network cut, then the rest; independent steps side by
   side; a failed step stops only what depends on it), then the record with what became of each resource.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import threading
import time

from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.options import check_read_options
from ansible_collections.secops.guardduty.plugins.module_utils.options import validate_investigation_ids
from ansible_collections.secops.guardduty.plugins.module_utils.read import InvestigationReader
from ansible_collections.secops.guardduty.plugins.module_utils.read import fetch
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import investigation_in
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import aws as aws_
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import assume_role_request
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import plan_with_context
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import CONTAINMENT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import read_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import with_statuses
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import write_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import investigation_resources
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.state import merge_states
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import execute
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES

READERS = 8  # the action types' reads (and their own parts) side by side


class Refused(Exception):
    """The run stops before it changes anything (bad input, a refusal, a failed read): the message says why."""


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class ReadContext:
    """What the action types' reads get besides the clients: the settings, the investigation, one read of what
    several types need (``once``) and a way to read parts side by side (``parallel``)."""

    def __init__(self, settings, investigation_id, region):
        self.settings = settings
        self.investigation_id = investigation_id
        self.region = region
        self._memo = {}
        self._locks = {}
        self._lock = threading.Lock()

    def once(self, key, read):
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = read()
            return self._memo[key]

    def parallel(self, reads):
        """{name: read()} of ``reads`` ({name: callable}), run side by side; the first failure is raised."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=READERS) as pool:
            futures = {name: pool.submit(read) for name, read in reads.items()}
            return {name: future.result() for name, future in futures.items()}


SERVICE_OF = {"elasticloadbalancing": "elbv2"}  # the client of an IAM action's service prefix, where the names differ


def services_of(types, mode):
    """The clients the action types ``types`` use in ``mode`` (from the IAM actions they declare)."""
    modes = ("plan",) if mode == "plan" else ("plan", "rollback" if mode == "rollback" else "apply")
    prefixes = {action.split(":")[0] for name in types if name in TYPES for m in modes
                for _sid, actions, _resource, _condition in TYPES[name].iam.get(m, []) for action in actions}
    return sorted(SERVICE_OF.get(prefix, prefix) for prefix in prefixes)


def read_investigation(clients, investigation_id, detector_id, warn):
    """The investigation ``investigation_id`` with its structured summary and records (read as the info module reads it)."""
    return read_investigation_on(clients, investigation_id, detector_id, warn)[0]


def read_investigation_on(clients, investigation_id, detector_id, warn):
    """(read_investigation's investigation, the detector it was read from)."""
    if not clients.region:
        raise invalid(f"Reading investigation {investigation_id} needs a Region and found none: give region in the play's module_defaults "
                      "(group/aws or group/secops.guardduty.guardduty), or set AWS_REGION")
    client = clients("guardduty")
    reader = InvestigationReader(client, region=clients.region)
    ids = validate_investigation_ids(client, [investigation_id])
    detector = reader.resolve_detector(detector_id or None)
    opts = check_read_options({"summary_format": "structured", "include_records": True})
    return fetch(reader, detector, ids, opts, warn)[0], detector


def read_state(clients, found, scope, settings):
    """The state the plan reads: each action type reads its pending resources, side by side."""
    context = ReadContext(settings, found["investigation_id"], found["region"])
    pending = {}
    for item in scope["resources"]:
        if item["status"] == "pending":
            pending.setdefault(item["type"], []).append(dict(item, user_name=item.get("user_name")))
    reads = {name: (lambda t=TYPES[name], r=resources: t.read(clients, r, context)) for name, resources in pending.items()}
    state = merge_states(context.parallel(reads).values())
    named = {item["id"] for item in pending.get("iam_role", [])}
    roles = sorted({r.get("role_name") for p in state.get("instance_profiles") or [] for r in p.get("roles") or []} - named - {None})
    if roles:  # the roles of the instances' profiles: their sessions issued before containment are revoked
        state = merge_states([state, TYPES["iam_role"].read(clients, [{"type": "iam_role", "id": r} for r in roles], context)])
    return state


def _outcome(plan, results, order, steps):
    """The plan once its steps ran: each acted-on resource done or failed (with the failed step), the steps in the
    order they ended, and the failures in words."""
    by_resource = {}
    for step in steps:
        if step.resource is not None:
            by_resource.setdefault(step.resource, []).append(step)
    failures = []
    for item in plan["resources"]:
        if item["status"] != "done":
            continue
        item_steps = by_resource.get((item["type"], item["id"]), [])
        prefix = f"{item['type']}:{item['id']}:"
        item["steps"] = {s.key[len(prefix):] if s.key.startswith(prefix) else s.key: results[s.key]["status"] for s in item_steps}
        bad = [s for s in item_steps if results[s.key]["status"] in ("failed", "skipped")]
        if bad:
            item["status"] = "failed"
            said = "; ".join(f"{s.name}: {results[s.key]['error']}" for s in bad)
            item["reason"] = f"{item['reason']} - FAILED: {said}"
            failures.append(f"{item['type']} {item['id']}: {said}")
    names = {s.key: s for s in steps}
    plan["steps"] = [{"key": key, "type": (names[key].resource or (None, None))[0], "id": (names[key].resource or (None, None))[1],
                      "name": names[key].name, **results[key]} for key in order]
    plan["failures"] = failures
    plan["counts"] = dict(plan["counts"], **{status: sum(1 for e in plan["resources"] if e["status"] == status)
                                             for status in ("done", "failed")})
    return plan


def _final_record(plan, mode, time_, identity):
    """The record once the run is done: the resources acted on marked as the plan says (applied, rolled_back), but
    those whose steps failed, which keep their status (pending: rollback checks what is really there); each with the
    status of its steps."""
    base = plan["record_before"] if mode != "rollback" else plan["record_before"] or plan["record"]
    if base is None:
        return plan["record"]
    ok = {(e["type"], e["id"]): e for e in plan["resources"] if e["status"] == "done"}
    if mode == "rollback":  # what was undone now, and what the plan found undone already (unchanged, with its record status)
        statuses = {(e["type"], e["id"]): e["record_status"] for e in plan["resources"] if e.get("record_status") and e["status"] != "failed"}
    else:
        statuses = {(r["type"], r["id"]): "applied" for r in base["resources"] if (r["type"], r["id"]) in ok}
    record = with_statuses(base, statuses, time_, identity)
    steps = {(e["type"], e["id"]): e.get("steps") for e in plan["resources"] if e.get("steps")}
    resources = [dict(r, steps=steps[(r["type"], r["id"])]) if (r["type"], r["id"]) in steps else r for r in record["resources"]]
    return dict(record, resources=resources)


def run(request, clients, guardduty_clients, warn, clock=time.monotonic):
    """One containment: ``request`` is the action's checked arguments; ``clients`` the caller's connection (a Clients
    for the investigation's Region is made from it), ``guardduty_clients`` the one that reads the investigation.
    Returns the result (the plan, with what became of each step); Refused when it stops before any change."""
    began, started = clock(), now()
    timings = {}
    inv = request.get("investigation")
    if inv is None:
        inv = read_investigation(guardduty_clients, request["investigation_id"], request.get("detector_id"), warn)
    inv = plain(investigation_in(inv))
    iid = inv.get("investigation_id") or "(no investigation_id)"
    if inv.get("status") != "COMPLETED":
        raise Refused(f"Investigation {iid} is {inv.get('status') or 'without a status'}: only a COMPLETED investigation names resources to "
                      "contain. Wait for it (investigation_report role, or guardduty_investigation_info with wait=true)")
    found = investigation_resources(inv)
    if found["account_id"] is None or found["region"] is None:
        raise Refused(f"Investigation {found['investigation_id']} names no account or Region (cloud.account / cloud.region): nothing can be "
                      "matched to it safely")
    caller_clients = clients.in_region(found["region"])
    caller_clients.warm(["sts"] + services_of({r["type"] for r in found["resources"]}, request["settings"]["mode"]))
    acting, assumed = caller_clients, None
    if request.get("assume_role"):
        assumed = assume_role_request(found, request["assume_role"], request.get("external_id"))
        try:
            credentials = aws_.assume_role(caller_clients, assumed["role_arn"], assumed["role_session_name"], assumed["external_id"])
        except GuardDutyError as e:
            raise Refused(_assume_failed(caller_clients, assumed, found, e)) from None
        acting = caller_clients.with_credentials(credentials)
    caller = aws_.caller_identity(acting)
    settings = dict(request["settings"], caller_account=caller["account"], caller_arn=caller["arn"], assume_role=assumed)
    mode, check_mode = settings["mode"], request.get("check_mode", False)
    scope, _ctx = plan_with_context(found, settings)
    if mode != "plan":
        path = scope["record_path"]
        _exists, text = read_record_file(path)
        settings["record_file"] = text
        scope, _ctx = plan_with_context(found, settings)
    if mode != "plan" and scope["blocked"]:
        raise Refused(f"contain_mode={mode} for investigation {found['investigation_id']} is refused, nothing was changed: "
                      + "; ".join(scope["blocked"]))
    timings["prepare"] = clock() - began
    state = read_state(acting, found, scope, settings)
    timings["read"] = clock() - began - timings["prepare"]
    timings = {k: round(v, 3) for k, v in timings.items()}
    acts = mode != "plan" and not check_mode
    settings["done"] = acts
    plan, context = plan_with_context(found, settings, state)
    plan = act(plan, context, acting, mode, TYPES, CONTAINMENT, settings["time"], plan["identity"] if assumed else None, (began, started, clock))
    plan["timings"] = dict(timings, **plan["timings"])
    return plan


def act(plan, context, acting, mode, types, kind, time_, identity, moment):
    """The plan carried out (its ``done`` entries): the record written first, then the steps of each resource's action
    type (``types``), then the record marked (``kind``: the containment or the disposition record). ``moment``: (the
    run's monotonic start, its UTC start, the clock) for the steps' times. The plan gains steps, failures, timings."""
    began, started, clock = moment
    plan["steps"], plan["failures"] = [], []
    plan["counts"]["failed"] = 0
    plan["timings"] = {}
    if mode != "plan" and plan["counts"].get("done", 0) > 0 and context is not None:
        if plan["record_before"] is not None:
            write_record_file(plan["record_path"], plan["record_before"], kind=kind)
            plan["record_before_written"] = iso(started + datetime.timedelta(seconds=clock() - began))
        context.aws, context.entries, context.sleep = acting, plan["resources"], time.sleep
        todo = [e for e in plan["resources"] if e["status"] == "done"]
        steps = [step for e in todo for step in (types[e["type"]].undo if mode == "rollback" else types[e["type"]].apply)(e, context)]
        act_start = clock()
        results, order = execute(steps)
        for result in results.values():
            for key in ("started", "finished"):
                if result[key] is not None:
                    result[key] = iso(started + datetime.timedelta(seconds=act_start - began + result[key]))
        plan = _outcome(plan, results, order, steps)
        plan["timings"]["act"] = round(clock() - act_start, 3)
        plan["record"] = _final_record(plan, mode, time_, identity)
        if plan["record"] is not None and plan["record"] != plan["record_before"]:
            write_record_file(plan["record_path"], plan["record"], kind=kind)
    plan["timings"] = {k: round(v, 3) for k, v in plan["timings"].items()}
    plan["started"] = iso(started)
    return plan


def _assume_failed(clients, assumed, found, error):
    """The message when contain_assume_role could not be assumed: who tried, and what to check."""
    try:
        who = aws_.caller_identity(clients)["arn"]
    except GuardDutyError:
        who = "the identity of the credentials given"
    return (f"The role {assumed['role_arn']} (contain_assume_role) could not be assumed by {who} for investigation "
            f"{found['investigation_id']} of account {found['account_id']}: {error.message}. Check that the role exists in that account, "
            "that its trust policy lets this identity assume it (with the sts:ExternalId given as contain_external_id, if it asks for one), "
            "and that this identity may call sts:AssumeRole on it (docs/iam.md, \"The organization\"). Nothing was changed.")


__all__ = ["run", "Refused", "ContainError"]
