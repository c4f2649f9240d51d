# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # What the response engine's actions (containment, disposition) share: the investigation they act on, the mode and
    # its approval, and how they run.
    DOCUMENTATION = r"""
options:
  investigation:
    description:
      - The investigation, as M(secops.guardduty.guardduty_investigation_info) returns it (with
        C(summary_format=structured) and C(include_records=true)), that module's registered result, or an element of
        the P(secops.guardduty.guardduty_investigation#lookup) lookup.
      - Give exactly one of O(investigation) and O(investigation_id).
    type: raw
  investigation_id:
    description:
      - The id of a COMPLETED investigation, read here with its structured summary and records.
    type: str
  detector_id:
    description:
      - The detector of the investigation (and of its findings); left out, the Region's only detector.
    type: str
  mode:
    description:
      - V(plan) reports and changes nothing, V(apply) acts (needs O(approved)), V(rollback) undoes what the record of
        an earlier apply holds (needs O(approved)), V(auto) applies without a person only what O(auto_apply) allows.
    type: str
    choices: [plan, apply, rollback, auto]
    default: plan
  approved:
    description:
      - Must be V(true) for V(apply) and V(rollback), saying that a person reviewed the plan.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The plan; nothing is changed and no record is written.
  diff_mode:
    support: full
    description: Each resource planned or acted on, with what is done to it.
  platform:
    platforms: all
notes:
  - This is an action plugin. It runs in the controller's Ansible process and connects to no host.
"""
