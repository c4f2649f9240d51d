# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state the engine read, as plain lists and dicts: ``State`` checks its shape once and looks things up.

What a state holds is what the action types declare they read (each type's ``reads``): a member is a list of dicts,
except the ``*_policies`` members, which map a principal's name to its inline policy names (null: no such principal).
"""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import DISPOSE_TYPES
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES

# member -> what it holds, from the action types' declarations
MEMBERS = {}
for _type in list(TYPES.values()) + list(DISPOSE_TYPES.values()):
    for _name, _what in _type.reads.items():
        MEMBERS.setdefault(_name, _what)
POLICIES = tuple(name for name in MEMBERS if name.endswith("_policies"))
LISTS = {name: what for name, what in MEMBERS.items() if name not in POLICIES}


class State:
    """The plain state of containment_plan's ``state`` argument, checked; missing members are empty."""

    def __init__(self, state):
        if not isinstance(state, dict):
            raise ContainError(f"Expected the state the contain role read (a dict of lists); got {type_name(state)}")
        self._lists = {}
        for name, what in LISTS.items():
            value = state.get(name)
            if value is not None and not isinstance(value, list):
                raise ContainError(f"state.{name} must be a list ({what}); got {type_name(value)}")
            self._lists[name] = [item for item in value or [] if isinstance(item, dict)]
        self._policies = {}
        for name in POLICIES:
            value = state.get(name)
            if value is not None and not isinstance(value, dict):
                raise ContainError(f"state.{name} must be a dict of principal name -> inline policy names or null; got {type_name(value)}")
            self._policies[name] = {str(k): list(v) if isinstance(v, list) else None for k, v in (value or {}).items()}

    def items(self, name):
        """The dicts of list member ``name``."""
        return self._lists[name]

    def by(self, name, key):
        """The dicts of list member ``name`` by their ``key``."""
        return {item.get(key): item for item in self._lists[name]}

    def policy_names(self, name, principal):
        """The inline policy names of ``principal`` in ``user_policies`` / ``role_policies``; None when it does not exist."""
        return self._policies[name].get(principal)


def merge_states(parts):
    """One state from the parts the action types read: lists joined (the same item read twice kept once), dicts merged."""
    merged = {}
    for part in parts:
        for name, value in part.items():
            if isinstance(value, dict):
                merged.setdefault(name, {}).update(value)
            else:
                items = merged.setdefault(name, [])
                items.extend(item for item in value if item not in items)
    return merged
