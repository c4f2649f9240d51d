# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the controller-side faces (the report and containment filters and tests) share about the investigation data
a playbook gives them.

A playbook passes an investigation as the modules and the lookup return it, or the registered result holding it:
``investigation_in`` finds it and refuses anything else with a message naming what was given (``type_name``).
``plain`` copies it into plain dicts, lists, strings and numbers (module_utils/model.py's ``as_dict`` / ``as_list``
read a member that may be missing or of another type). What a filter returns is ``untrusted`` (never templated
again), and ``as_filter`` makes a Jinja filter of a function, its ``InvestigationDataError`` becoming the filter's
error.
"""

from __future__ import annotations

try:
    # ansible-core 2.19+ (data tagging): values a plugin returns are never trusted as templates
    from ansible.template import trust_as_template as _DATA_TAGGING
except ImportError:  # ansible-core 2.17 / 2.18: mark values unsafe so they are never templated again
    _DATA_TAGGING = None

# The priorities of countermeasure actions and recommendations, most urgent first.
PRIORITIES = ("IMMEDIATE", "SHORT_TERM", "STRATEGIC")


class InvestigationDataError(ValueError):
    """Input a controller-side face cannot work with; the message says what was given and what is expected."""


def type_name(value):
    """The name of a value's type as a playbook author knows it (list, dict, str, int, ...)."""
    for name, types in (("dict", dict), ("list", (list, tuple)), ("str", str), ("bool", bool), ("int", int), ("float", float)):
        if isinstance(value, types):
            return name
    return type(value).__name__


def plain(value):
    """A copy made of plain dict/list/str/number (no tagged or lazy container types of the templating engine)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def investigation_in(value):
    """The investigation dict inside ``value`` (an investigation, or a registered module result holding one)."""
    if isinstance(value, dict):
        if "investigation_id" in value:
            return value
        if isinstance(value.get("investigation"), dict) and "investigation_id" in value["investigation"]:
            return value["investigation"]
        investigations = value.get("investigations")
        if isinstance(investigations, list) and len(investigations) == 1 and isinstance(investigations[0], dict):
            return investigations[0]
        keys = ", ".join(sorted(map(str, value))) or "none"
        raise InvestigationDataError(
            "Expected an investigation (a dict with investigation_id, as guardduty_investigation_info returns it in "
            f"investigation / investigations[], or the guardduty_investigation lookup returns it); got a dict with keys {keys}"
        )
    raise InvestigationDataError(f"Expected an investigation (a dict with investigation_id), got {type_name(value)}")


def untrusted(value):
    """``value`` as data that is never templated again, on every supported ansible-core (never trusted)."""
    if _DATA_TAGGING is None:
        from ansible.utils.unsafe_proxy import wrap_var  # pylint: disable=import-outside-toplevel

        return wrap_var(value)
    return value


def as_filter(render, error_class):
    """A Jinja filter face for ``render``: its output as untrusted data, an InvestigationDataError as ``error_class``;
    the filter's arguments are passed on."""

    def face(investigation, *args, **kwargs):
        try:
            return untrusted(render(investigation, *args, **kwargs))
        except InvestigationDataError as e:
            raise error_class(str(e)) from None

    face.__name__ = render.__name__
    return face


def filter_module(name, render):
    """The FilterModule class of a filter plugin file: the filter ``name`` is ``render`` as a face (as_filter), bad
    input failing as AnsibleFilterError. A filter file is its documentation and ``FilterModule = filter_module(...)``."""
    from ansible.errors import AnsibleFilterError  # pylint: disable=import-outside-toplevel

    class FilterModule:  # pylint: disable=too-few-public-methods
        def filters(self):
            return {name: as_filter(render, AnsibleFilterError)}

    return FilterModule
