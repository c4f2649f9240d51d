# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_MINIMUM
from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_RICH


class ModuleDocFragment:
    # The Python requirements of every plugin that calls the GuardDuty API, used instead of amazon.aws.boto3 (whose
    # floor, amazon.aws's own, predates the investigation API). The versions are the ones the plugins check; Python
    # >= 3.10 is what botocore 1.43.35 itself requires. Built in __init__ (as amazon.aws.boto3 does) because the
    # versions are not literals.
    def __init__(self):
        self.DOCUMENTATION = f"""
options: {{}}
requirements:
  - python >= 3.10
  - boto3 >= {BOTOCORE_MINIMUM}
  - botocore >= {BOTOCORE_MINIMUM} (the first release with the GuardDuty investigation API)
  - boto3 and botocore >= {BOTOCORE_RICH} for structured summaries, reasoning records and listing filters (those options
    say so, and fail with a clear message on an older botocore)
"""
