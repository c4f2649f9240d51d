# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The containment_record action: the contain role's record file, read or written on the controller (docs: the
module of the same name). The logic lives in plugin_utils/respond/record.py."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import read_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import write_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import untrusted


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path", "state", "record"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _spec, args = self.validate_argument_spec(argument_spec=dict(
            path=dict(type="path", required=True),
            state=dict(type="str", choices=["read", "present"], default="read"),
            record=dict(type="dict"),
        ), required_if=[["state", "present", ["record"]]])
        path = args["path"]
        try:
            if args["state"] == "read":
                exists, text = read_record_file(path)
                # the file is anyone's who can write to the controller's directory: its text is data, never a template
                result.update(changed=False, path=path, exists=exists, content=untrusted(text))
            else:
                changed = write_record_file(path, args["record"], check_mode=self._task.check_mode)
                result.update(changed=changed, path=path)
        except ContainError as e:
            result.update(failed=True, msg=str(e), path=path)
        return result
