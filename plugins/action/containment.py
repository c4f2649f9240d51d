# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The containment action: the response engine (plugin_utils/respond/engine.py) on the controller, with the
connection the task's module_defaults give (group/aws and group/secops.guardduty.guardduty) and its environment.
Documented as the module of the same name."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import ARGUMENT_SPEC
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import action_module
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.action import contain

ActionModule = action_module(ARGUMENT_SPEC, contain)
