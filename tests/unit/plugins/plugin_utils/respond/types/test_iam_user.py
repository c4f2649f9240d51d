# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IAM users: the deny-all inline policy, removed on rollback.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

found, settings, one = s.found, s.settings, s.one


def test_a_user_gets_one_deny_policy_and_loses_only_it():
    s.assert_one_deny_policy_lost_only_it("IAM_USER")
