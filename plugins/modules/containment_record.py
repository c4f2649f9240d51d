#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: containment_record
version_added: 0.3.0
short_description: Read or write the contain role's containment record on the controller
description:
  - The containment record of the C(secops.guardduty.contain) role is a JSON file per investigation on the Ansible
    controller, outside the contained resources, where an attacker holding their credentials cannot rewrite it.
    This action reads it, or writes it the way the role needs it written.
  - O(state=present) writes O(record) as sorted, indented JSON. A missing directory is created with mode 0700 (an
    existing one keeps its mode); the file is written with mode 0600 in one step (a temporary file in the same
    directory, renamed into place), so a run stopped at any point leaves the previous record or the new one, never
    half of one. Writing the same record again changes nothing.
  - O(state=read) returns whether the file exists and its text, as data (never templated). The role checks it with
    the P(secops.guardduty.containment_plan#filter) filter before anything of it is used.
  - Runs on the controller, whatever the play's hosts; it never connects to a host.
author:
  - secops.guardduty contributors (@secops)
options:
  path:
    description:
      - The record file on the controller (the role uses C(<contain_record_dir>/<investigation id>.json)).
    type: path
    required: true
  state:
    description:
      - V(read) reads the file; V(present) writes O(record) to it.
    type: str
    choices: [read, present]
    default: read
  record:
    description:
      - The record to write (a containment record as the P(secops.guardduty.containment_plan#filter) filter returns
        it). Required with O(state=present).
    type: dict
attributes:
  check_mode:
    support: full
    description: With O(state=present), reports whether the file would change and writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - This is an action plugin. It runs in the controller's Ansible process and needs no module on any host.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Read the containment record of an investigation
  secops.guardduty.containment_record:
    path: "~/.ansible/secops-guardduty/contain-records/{{ investigation_id }}.json"
  register: record_file

- name: Hand it to a rollback run when it exists
  ansible.builtin.include_role:
    name: secops.guardduty.contain
  vars:
    contain_investigation_id: "{{ investigation_id }}"
    contain_mode: rollback
    contain_approved: true
    contain_record: "{{ record_file.content | from_json }}"
  when: record_file.exists
"""

RETURN = r"""
path:
  description: The record file.
  returned: always
  type: str
  sample: /home/ops/.ansible/secops-guardduty/contain-records/a1b2c3d4-5678-90ab-cdef-ef1234567890.json
exists:
  description: Whether the file exists.
  returned: O(state=read)
  type: bool
  sample: true
content:
  description: The file's text, or null when it does not exist. Untrusted data (never templated).
  returned: O(state=read)
  type: str
  sample: '{"record_format": 1, "investigation_id": "a1b2c3d4-5678-90ab-cdef-ef1234567890", "resources": []}'
"""
