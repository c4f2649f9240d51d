# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the containment action does with its arguments: the connection (module_defaults of group/aws and
group/secops.guardduty.guardduty, the task's environment), the engine's run, and the task's result.

The task's own arguments already hold the defaults of group/secops.guardduty.guardduty and of the action itself
(ansible-core applies them); group/aws is read as it would reach an amazon.aws module, and the investigation is read
with the defaults that would reach guardduty_investigation_info (a play that points that module at another endpoint
points this read there too).
"""

from __future__ import annotations

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec

from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import InvestigationDataError
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import untrusted
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import aws
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import engine

# amazon.aws's connection options, without their environment fallbacks: the environment only counts where neither the
# task nor module_defaults give a value (aws.connection_params applies it then, in the task's environment)
CONNECTION = {name: {k: v for k, v in option.items() if k != "fallback"} for name, option in aws_argument_spec().items()}

# what every action of the engine takes (doc fragment secops.guardduty.response)
REQUEST = dict(
    CONNECTION,
    investigation=dict(type="raw"),
    investigation_id=dict(type="str"),
    detector_id=dict(type="str"),
    mode=dict(type="str", choices=["plan", "apply", "rollback", "auto"], default="plan"),
    approved=dict(type="bool", default=False),
    auto_apply=dict(type="raw"),
    record=dict(type="raw"),
)
ARGUMENT_SPEC = dict(
    REQUEST,
    max_resources=dict(type="int", default=20),
    force=dict(type="bool", default=False),
    quarantine_group_name=dict(type="str", default="secops-guardduty-quarantine"),
    snapshots=dict(type="bool", default=False),
    role_action=dict(type="str", choices=["revoke_sessions", "deny_all"], default="revoke_sessions"),
    network_acl=dict(type="bool", default=False),
    disable_imds=dict(type="bool", default=False),
    asg_decrement=dict(type="bool", default=False),
    record_dir=dict(type="path", default="~/.ansible/secops-guardduty/contain-records"),
    rollback_reactivate_keys=dict(type="bool", default=False),
    assume_role=dict(type="str"),
    external_id=dict(type="str"),
)
DISPOSE_ARGUMENT_SPEC = dict(
    REQUEST,
    policy=dict(type="raw"),
    suppress=dict(type="bool", default=False),
    max_filters=dict(type="int", default=10),
    record_dir=dict(type="path", default="~/.ansible/secops-guardduty/dispose-records"),
    containment=dict(type="raw"),
    containment_record_dir=dict(type="path", default="~/.ansible/secops-guardduty/contain-records"),
)
DISPOSE_SETTINGS = ("mode", "approved", "policy", "suppress", "max_filters", "auto_apply", "record_dir", "record", "containment",
                    "containment_record_dir")
SETTINGS = ("mode", "approved", "force", "max_resources", "quarantine_group_name", "snapshots", "role_action", "network_acl",
            "disable_imds", "asg_decrement", "record_dir", "auto_apply")


def _given(value):
    return value not in (None, "", {}, [])


def task_environment(task, templar):
    """The task's ``environment`` keyword, templated and merged as ansible-core does for a module."""
    final = {}
    environments = task.environment if isinstance(task.environment, list) else [task.environment]
    for environment in environments:
        if environment:
            final.update(templar.template(environment))
    return {str(k): v for k, v in final.items()}


def _connection(values):
    return {k: v for k, v in (values or {}).items() if k in aws.CONNECTION_KEYS}


def _investigation(args, prefix, playbook):
    """(the investigation, its id): exactly one of them."""
    inv, inv_id = args.get("investigation"), args.get("investigation_id")
    if _given(inv) == _given(inv_id):
        raise engine.Refused(
            f"Give exactly one of {prefix}_investigation (an investigation as guardduty_investigation_info returns it) and "
            f"{prefix}_investigation_id ({playbook}: investigation_id); got {'both' if _given(inv) else 'neither'}.")
    return (inv if _given(inv) else None), inv_id


def request_of(args):
    """What the engine runs, from the action's checked arguments: exactly one of investigation / investigation_id."""
    inv, inv_id = _investigation(args, "contain", "contain.yml")
    settings = {name: args[name] for name in SETTINGS}
    settings["record"] = args.get("record") or {}
    settings["reactivate_keys"] = args["rollback_reactivate_keys"]
    settings["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"investigation": inv, "investigation_id": inv_id, "detector_id": args.get("detector_id"),
            "assume_role": args.get("assume_role") or None, "external_id": args.get("external_id") or None, "settings": settings}


def dispose_request_of(args):
    """What the disposition runs, from the disposition action's checked arguments."""
    inv, inv_id = _investigation(args, "dispose", "dispose.yml")
    settings = {name: args.get(name) for name in DISPOSE_SETTINGS}
    settings["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {"investigation": inv, "investigation_id": inv_id, "detector_id": args.get("detector_id"), "settings": settings}


def _run(task, templar, args, warn, on_call, name, request_of_, runner):
    """Resolve the connection in the task's environment, then ``runner(request, clients, readers, warn)``; a refusal or
    an error becomes the task's one message."""
    action = getattr(task, "resolved_action", None) or f"{COLLECTION_NAME}.{name}"
    try:
        request = request_of_(args)
        request["check_mode"] = bool(task.check_mode)
        with aws.environment(task_environment(task, templar)):
            values = dict(_connection(aws.task_defaults(task, templar, aws.AWS_GROUP_MEMBER)),
                          **{k: v for k, v in _connection(args).items() if v is not None})
            guardduty = dict(values, **_connection(aws.task_defaults(task, templar, aws.GUARDDUTY_READER)))
            clients = aws.Clients(aws.connection_params(values, f"{action} (module_defaults and the task)"), on_call=on_call)
            readers = aws.Clients(aws.connection_params(guardduty, f"{action} (the investigation's read)"), on_call=on_call)
            return runner(request, clients, readers, warn), None
    except engine.Refused as e:
        return None, {"failed": True, "changed": False, "msg": str(e)}
    except (GuardDutyError, InvestigationDataError) as e:
        return None, {"failed": True, "changed": False, "msg": getattr(e, "message", None) or str(e)}


def contain(task, templar, args, warn, on_call=None):
    """The containment action's result: ``contain_result`` (the plan, and what became of each step), ``changed``,
    ``failed`` with one message when it was refused or an action failed; ``diff`` in diff mode."""
    plan, failure = _run(task, templar, args, warn, on_call, "containment", request_of, engine.run)
    return failure or result_of(plan, task.check_mode, getattr(task, "diff", False))


def dispose(task, templar, args, warn, on_call=None):
    """The disposition action's result: ``dispose_result``, as contain()."""
    from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import dispose as disposition  # pylint: disable=import-outside-toplevel

    plan, failure = _run(task, templar, args, warn, on_call, "disposition", dispose_request_of,
                         lambda request, _clients, readers, warn_: disposition.run(request, readers, warn_))
    return failure or result_of(plan, task.check_mode, getattr(task, "diff", False), "dispose")


def result_of(plan, check_mode, diff, prefix="contain"):
    """The task's result for a run's plan."""
    acted = [s for s in plan["steps"] if s["changed"]]
    would = plan["counts"].get("planned", 0) > 0 and plan["mode"] != "plan"
    result = {"changed": bool(acted) or (check_mode and would), f"{prefix}_result": untrusted(plan), "failures": plan["failures"]}
    if plan["failures"]:
        result.update(failed=True, msg=f"{prefix}_mode={plan['mode']} for investigation {plan['investigation_id']}: "
                                       f"{len(plan['failures'])} of the resources acted on failed, the others were carried out "
                                       f"(the {'containment' if prefix == 'contain' else 'disposition'} record holds each one's steps): "
                                       + " | ".join(plan["failures"]))
    if diff:
        lines = [f"{'+' if e['status'] in ('planned', 'done') else ' '} {e['type']} {e['id']}: {e['status']}: {e['reason']}"
                 for e in plan["resources"] if e["status"] in ("planned", "done", "failed")]
        result["diff"] = [{"before_header": f"investigation {plan['investigation_id']}", "after_header": f"{prefix}_mode={plan['mode']}",
                           "prepared": untrusted("\n".join(lines) + "\n")}] if lines else []
    return result


def action_module(argument_spec, run):
    """The ActionModule class of an action of the engine: its arguments checked against ``argument_spec``, then
    ``run(task, templar, args, warn)`` on the controller (no connection, no files transferred)."""
    from ansible.plugins.action import ActionBase  # pylint: disable=import-outside-toplevel
    from ansible.utils.display import Display  # pylint: disable=import-outside-toplevel

    display = Display()

    class ActionModule(ActionBase):
        TRANSFERS_FILES = False
        _requires_connection = False

        def run(self, tmp=None, task_vars=None):
            result = super().run(tmp, task_vars)
            _spec, args = self.validate_argument_spec(argument_spec=argument_spec)
            result.update(run(self._task, self._templar, args, display.warning))
            return result

    return ActionModule
