# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The containment_assume_role filter as the contain role calls it: in a template, an error as one clear message."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleError
from ansible.plugins.loader import filter_loader

from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

NAME = "secops.guardduty.containment_assume_role"
TEMPLATE = "arn:aws:iam::{account_id}:role/SecOpsContainment"


def call(*args):
    return filter_loader.get(NAME).j2_function(s.found(s.resource(s.INSTANCE, "EC2_INSTANCE")), *args)


def test_the_filter_names_the_member_role_and_the_session():
    assert call(TEMPLATE, "ext-id-0001") == {"role_arn": f"arn:aws:iam::{s.ACCOUNT}:role/SecOpsContainment",
                                             "role_session_name": "secops-guardduty-" + s.INV_ID, "external_id": "ext-id-0001"}
    assert call(TEMPLATE)["external_id"] is None and call(TEMPLATE, "")["external_id"] is None


def test_a_bad_template_is_one_ansible_error():
    with pytest.raises(AnsibleError, match=r"contain_assume_role is not an IAM role ARN once \{account_id\} is replaced"):
        call("arn:aws:iam::{account_id}:group/x")
