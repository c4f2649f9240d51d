# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error of the notifications: input they cannot work with (a channel, the investigation, the state)."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import InvestigationDataError


class NotifyError(InvestigationDataError):
    """Input the notify role cannot work with; the message says what was given, where, and what to do."""
