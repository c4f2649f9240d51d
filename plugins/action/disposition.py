# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The disposition action: the response engine's disposition of an investigation's findings
(plugin_utils/respond/dispose.py) on the controller, with the connection the task's module_defaults give
(group/aws and group/secops.guardduty.guardduty) and its environment. Documented as the module of the same name."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import DISPOSE_ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import action_module
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import dispose

ActionModule = action_module(DISPOSE_ARGUMENT_SPEC, dispose)
