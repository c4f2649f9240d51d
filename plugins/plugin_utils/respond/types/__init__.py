# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action types of the response engine, one file each: ``TYPES`` (containment) in the order plans list them, and
``DISPOSE_TYPES`` (disposition)."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import ebs_volume
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import ec2_instance
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import ec2_security_group
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import guardduty_filter
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import guardduty_finding
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import iam_access_key
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import iam_role
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import iam_user
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import lambda_function
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import rds_instance
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import s3_bucket
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import securityhub_finding

# resource_type -> its action type; a resource type not here is never changed (the plan says what to do by hand)
TYPES = {t.name: t for t in (ec2_instance.TYPE, iam_access_key.TYPE, iam_user.TYPE, iam_role.TYPE, s3_bucket.TYPE,
                             ec2_security_group.TYPE, lambda_function.TYPE, ebs_volume.TYPE, rds_instance.TYPE)}
# the disposition's action types (respond/dispose.py): the findings, their Security Hub side, suppression rules
DISPOSE_TYPES = {t.name: t for t in (guardduty_finding.TYPE, securityhub_finding.TYPE, guardduty_filter.TYPE)}
