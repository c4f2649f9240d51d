# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The notification action's face: its arguments reach deliver.notify, the modules it runs never log their arguments,
a module that is not installed is said so, and mail attachments go to the task's host."""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.errors import AnsibleError
from ansible.playbook.task import Task

from ansible_collections.secops.guardduty.plugins.action import notification
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify import notify_samples as s


def action(args, check_mode=False):
    task = Task()
    task.args = args
    task.check_mode = check_mode
    connection = MagicMock()
    connection._shell.tmpdir = None
    plugin = notification.ActionModule(task, connection, MagicMock(), MagicMock(), MagicMock(), MagicMock())
    return plugin


def test_run_tells_the_channels_through_the_modules_it_runs(tmp_path, monkeypatch):
    plugin = action({"investigation": {"changed": False, "investigation": s.investigation()}, "state_dir": str(tmp_path),
                     "channels": [{"type": "slack", "name": "soc"}], "retry_delay": 0})
    monkeypatch.setenv("GUARDDUTY_NOTIFY_SLACK_SOC_WEBHOOK_URL", s.SLACK_URL)
    calls = []

    def execute(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        return {"status": 200, "content": "ok", "url": module_args["url"]}

    plugin._execute_module = execute
    result = plugin.run(task_vars={})
    assert result["changed"] is True and [c["outcome"] for c in result["channels"]] == ["sent"]
    (name, args), = calls
    assert name == "ansible.builtin.uri" and args["url"] == s.SLACK_URL and args["method"] == "POST"
    assert s.SLACK_URL not in json.dumps(result)


def test_check_mode_runs_no_module(tmp_path):
    plugin = action({"investigation": s.investigation(), "state_dir": str(tmp_path / "state"),
                     "channels": [{"type": "slack", "webhook_url": s.SLACK_URL}]}, check_mode=True)
    plugin._execute_module = MagicMock(side_effect=AssertionError("no module in check mode"))
    result = plugin.run(task_vars={})
    assert [c["outcome"] for c in result["channels"]] == ["would_send"] and not (tmp_path / "state").exists()


def test_wrong_arguments_are_refused_by_the_argument_spec(tmp_path):
    plugin = action({"investigation": s.investigation(), "state_dir": str(tmp_path), "channels": [], "on_error": "ignore"})
    with pytest.raises(AnsibleActionFail, match="value of on_error must be one of: fail, warn, got: ignore"):
        plugin.run(task_vars={})


def test_the_modules_never_log_their_arguments_on_the_host():
    plugin = action({})
    args = {}
    plugin._task.no_log = False
    plugin._update_module_args("ansible.builtin.uri", args, {})
    assert args["_ansible_no_log"] is True


def test_a_module_that_is_not_installed_is_said_so():
    plugin = action({})
    plugin._execute_module = MagicMock(side_effect=AnsibleError("The module community.general.jira was not found in configured module paths"))
    with pytest.raises(ModuleNotFoundError):
        notification._Transport(plugin, {}).run_module("community.general.jira", {})
    plugin._execute_module = MagicMock(side_effect=AnsibleError("connection lost"))
    with pytest.raises(AnsibleError, match="connection lost"):
        notification._Transport(plugin, {}).run_module("ansible.builtin.uri", {})


def test_mail_attachments_go_to_the_hosts_temporary_directory():
    plugin = action({})
    shell = plugin._connection._shell
    shell.join_path.side_effect = lambda *parts: "/".join(parts)

    def make_tmp():
        shell.tmpdir = "/remote/tmp"

    plugin._make_tmp_path = MagicMock(side_effect=make_tmp)
    plugin._transfer_data = MagicMock()
    plugin._fixup_perms2 = MagicMock()
    paths = notification._Transport(plugin, {}).put_files([("a.html", "<p>"), ("a.md", "# a")])
    assert paths == ["/remote/tmp/a.html", "/remote/tmp/a.md"]
    assert [c.args for c in plugin._transfer_data.call_args_list] == [("/remote/tmp/a.html", "<p>"), ("/remote/tmp/a.md", "# a")]
    plugin._fixup_perms2.assert_called_once_with(paths)
