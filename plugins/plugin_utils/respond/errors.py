# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one error of containment: input the containment filters cannot work with."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import InvestigationDataError


class ContainError(InvestigationDataError):
    """Input the containment filters cannot work with; the message says what was given and what is expected."""
