# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Build the playbooks the integration tests run."""

from __future__ import annotations

import json
import textwrap

HEADER = """\
- name: Integration test
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/secops.guardduty.guardduty:
      endpoint_url: "{{ gd_endpoint }}"
      region: "{{ gd_region }}"
  tasks:
"""

# Connection keyword arguments for lookups (they do not see module_defaults).
LOOKUP_CONN = "endpoint_url=gd_endpoint, region=gd_region"


def playbook(tasks):
    """A localhost play whose module_defaults point this collection's group at the emulator."""
    return HEADER + textwrap.indent(textwrap.dedent(tasks).strip("\n") + "\n", "    ")


def task(name, module, args, **extra):
    """One task; ``args`` (a dict) and ``extra`` task keywords are written as JSON, which is YAML."""
    body = {"name": name, module: args}
    body.update(extra)
    return "- " + json.dumps(body) + "\n"


def info_play(args, name="info", register="out", **extra):
    """A play with one guardduty_investigation_info task."""
    return playbook(task(name, "secops.guardduty.guardduty_investigation_info", args, register=register, **extra))


def replace_strings(data, old, new):
    """``data`` (scenario-shaped: dicts, lists, strings) with ``old`` replaced by ``new`` in every string."""
    if isinstance(data, str):
        return data.replace(old, new)
    if isinstance(data, list):
        return [replace_strings(item, old, new) for item in data]
    if isinstance(data, dict):
        return {key: replace_strings(value, old, new) for key, value in data.items()}
    return data
