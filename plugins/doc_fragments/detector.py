# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The detector option of the modules that act on GuardDuty findings and filters (one Region per task).
    DOCUMENTATION = r"""
options:
  detector_id:
    description:
      - ID of the GuardDuty detector that holds the findings or filters, in the task's Region.
      - When omitted, the detector is found with ListDetectors in the Region. Exactly one detector must exist there;
        with none or several the task fails and lists what it found.
      - A GuardDuty administrator's detector holds its member accounts' findings too.
    type: str
notes:
  - Connection options can be set for this collection's and amazon.aws's modules at once with C(module_defaults) and
    the group C(group/secops.guardduty.guardduty).
"""
