# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The notification action: tell the channels an investigation's state, once (docs: the module of the same name).
The logic lives in plugin_utils/notify/deliver.py; this face checks the arguments and runs the modules it asks for."""

from __future__ import annotations

import os
import time

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import plain
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import untrusted
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.deliver import Policy
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.deliver import notify

ARGUMENT_SPEC = dict(
    investigation=dict(type="raw", required=True),
    channels=dict(type="list", elements="raw", required=True),
    containment=dict(type="raw"),
    disposition=dict(type="raw"),
    report=dict(type="raw"),
    state_dir=dict(type="path", required=True),
    on_error=dict(type="str", choices=["fail", "warn"], default="fail"),
    retries=dict(type="int", default=3),
    retry_delay=dict(type="float", default=2.0),
    retry_max_delay=dict(type="float", default=60.0),
    timeout=dict(type="int", default=10),
)


class _Transport:
    """What deliver.py needs of Ansible: a module run on the task's host, files put there, and sleep."""

    def __init__(self, action, task_vars):
        self.action, self.task_vars = action, task_vars

    def run_module(self, name, args):
        try:
            return self.action._execute_module(module_name=name, module_args=args, task_vars=self.task_vars)
        except AnsibleError as e:
            if "was not found" in str(e) or "could not be found" in str(e):
                raise ModuleNotFoundError(name) from None
            raise

    def put_files(self, files):
        shell = self.action._connection._shell
        if shell.tmpdir is None:
            self.action._make_tmp_path()
        paths = []
        for name, text in files:
            path = shell.join_path(shell.tmpdir, name)
            self.action._transfer_data(path, text)
            paths.append(path)
        self.action._fixup_perms2(paths)
        return paths

    @staticmethod
    def sleep(seconds):
        time.sleep(seconds)


class ActionModule(ActionBase):
    # a temporary directory on the host only when a mail has attachments to put there (_Transport.put_files)
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _update_module_args(self, module_name, module_args, task_vars, *args, **kwargs):
        # the modules get channel secrets (a webhook URL, a routing key, a password): never logged on the host (syslog)
        super()._update_module_args(module_name, module_args, task_vars, *args, **kwargs)
        module_args["_ansible_no_log"] = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        policy = Policy(retries=max(0, args["retries"]), delay=max(0.0, args["retry_delay"]),
                        max_delay=max(0.0, args["retry_max_delay"]), timeout=max(1, args["timeout"]))
        outcome = notify(
            plain(args["investigation"]), plain(args["channels"]), _Transport(self, task_vars), args["state_dir"],
            containment=plain(args["containment"]), disposition=plain(args["disposition"]), report=plain(args["report"]),
            check_mode=bool(self._task.check_mode), policy=policy, environ=dict(os.environ), on_error=args["on_error"],
        )
        # what the channels were sent is data from the investigation: never templated again
        result.update(untrusted(outcome))
        return result
