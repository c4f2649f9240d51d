# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The organization: the role of the investigation's account the contain role assumes (contain_assume_role), the
session named after the investigation, the refusal when the assumed identity is of another account, and who acted
in the plan and the containment record."""

from __future__ import annotations

import json

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import assume_role_request
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.identity import session_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import load_record
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond.test_records import ENI
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond.test_records import QG
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond.test_records import WEB
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond.test_records import state

TEMPLATE = "arn:aws:iam::{account_id}:role/SecOpsContainment"
ROLE = f"arn:aws:iam::{s.ACCOUNT}:role/SecOpsContainment"
SESSION = "secops-guardduty-" + s.INV_ID
CALLER = f"arn:aws:sts::{s.ACCOUNT}:assumed-role/SecOpsContainment/{SESSION}"
EC2 = s.resource(s.INSTANCE, "EC2_INSTANCE")
LATER = "2025-06-02T08:30:00Z"


def request(template=TEMPLATE, external_id=None):
    return assume_role_request(s.found(EC2), template, external_id)


def test_the_template_names_the_role_of_the_investigations_account_and_the_session_the_investigation():
    assert request() == {"role_arn": ROLE, "role_session_name": SESSION, "external_id": None}
    assert request(external_id="org-ext-id:prod/1")["external_id"] == "org-ext-id:prod/1"
    # a path, another partition, a fixed account (checked against the assumed identity later, not here)
    assert request("arn:aws:iam::{account_id}:role/security/ir/SecOps")["role_arn"] == f"arn:aws:iam::{s.ACCOUNT}:role/security/ir/SecOps"
    assert request("arn:aws-us-gov:iam::{account_id}:role/X")["role_arn"] == f"arn:aws-us-gov:iam::{s.ACCOUNT}:role/X"
    assert request(f"arn:aws:iam::{s.OTHER}:role/X")["role_arn"] == f"arn:aws:iam::{s.OTHER}:role/X"


def test_the_session_name_follows_sts_rules():
    assert session_name(s.INV_ID) == SESSION and len(SESSION) <= 64
    assert session_name("a" * 64) == ("secops-guardduty-" + "a" * 64)[:64]
    with pytest.raises(ContainError, match="cannot name a role session"):
        session_name("a b")


@pytest.mark.parametrize("template", [
    "arn:aws:iam::{account}:role/SecOpsContainment",  # another placeholder
    "arn:aws:iam::{account_id}:user/SecOpsContainment",  # not a role
    "arn:aws:iam:us-east-1:{account_id}:role/X",  # a Region
    "arn:aws:iam::{account_id}:role/",  # no name
    "arn:aws:iam::{account_id}:role/" + "x" * 65,  # name too long
    "arn:aws:iam::{account_id}:role/X; touch /tmp/pwned",
    "arn:aws:iam::{account_id}:role/{{ lookup('pipe', 'id') }}",
    "SecOpsContainment",
])
def test_a_template_that_is_no_role_arn_is_refused_with_one_message(template):
    with pytest.raises(ContainError, match=r"contain_assume_role is not an IAM role ARN once \{account_id\} is replaced by the "
                                           rf"investigation's account {s.ACCOUNT}: .*nothing was read or changed"):
        request(template)


@pytest.mark.parametrize("bad", [None, "", "  ", 42, ["arn"]])
def test_an_empty_or_non_text_template_is_refused(bad):
    with pytest.raises(ContainError, match="contain_assume_role must be an IAM role ARN, such as"):
        request(bad)


@pytest.mark.parametrize("external_id", ["x", "a b", "x" * 1225, "id\n", 7])
def test_a_malformed_external_id_is_refused_without_repeating_it(external_id):
    with pytest.raises(ContainError, match="contain_external_id must be 2 to 1224 characters") as error:
        request(external_id=external_id)
    assert str(external_id) not in str(error.value) or str(external_id) == "x"


def test_an_investigation_without_account_names_no_role():
    found = s.found(EC2)
    with pytest.raises(ContainError, match="names no account"):
        assume_role_request(dict(found, account_id=None), TEMPLATE)


def test_an_assumed_identity_of_another_account_is_refused_naming_the_role():
    assumed = request(f"arn:aws:iam::{s.OTHER}:role/SecOpsContainment")
    with pytest.raises(ContainError, match=(
            rf"The role assumed for investigation {s.INV_ID}, arn:aws:iam::{s.OTHER}:role/SecOpsContainment \(contain_assume_role\), "
            rf"gave credentials of account {s.OTHER}, but the investigation is in account {s.ACCOUNT}: .*nothing was changed")):
        containment_plan(s.found(EC2), s.settings(caller_account=s.OTHER, assume_role=assumed,
                                                  caller_arn=f"arn:aws:sts::{s.OTHER}:assumed-role/SecOpsContainment/{SESSION}"))


def test_the_plan_and_the_record_say_who_acted_never_credentials():
    assumed = request()
    plan = containment_plan(s.found(EC2), s.settings(time=s.TIME, done=True, caller_arn=CALLER, assume_role=assumed), state({ENI: [WEB]}))
    identity = {"arn": CALLER, "assumed_role": ROLE, "session_name": SESSION}
    assert plan["identity"] == identity
    assert [r["acted_as"] for r in plan["record_before"]["resources"]] == [identity]
    assert [r["acted_as"] for r in plan["record"]["resources"]] == [identity]
    assert load_record(json.dumps(plan["record"]), "the file", s.INV_ID, s.ACCOUNT, s.REGION) == plan["record"]
    # rollback marks who restored it
    contained = state({ENI: [QG]})
    contained["instances"][0]["tags"] = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:groups:" + ENI: WEB}
    later = dict(identity, arn=CALLER + "-2")
    rolled = containment_plan(s.found(EC2), s.settings("rollback", time=LATER, record=plan["record"], record_file=None, done=True,
                                                       caller_arn=later["arn"], assume_role=assumed), contained)
    (rec,) = rolled["record"]["resources"]
    assert rec["status"] == "rolled_back" and rec["acted_as"] == later


def test_without_an_assumed_role_the_record_is_as_before():
    plan = containment_plan(s.found(EC2), s.settings(time=s.TIME, done=True, caller_arn=f"arn:aws:iam::{s.ACCOUNT}:user/alice"),
                            state({ENI: [WEB]}))
    assert plan["identity"] == {"arn": f"arn:aws:iam::{s.ACCOUNT}:user/alice"}
    assert all("acted_as" not in r for r in plan["record"]["resources"])


@pytest.mark.parametrize("acted_as", [
    "arn:aws:iam::123456789012:role/X",
    {"arn": "$(touch /tmp/pwned)"},
    {"arn": CALLER, "assumed_role": "arn:aws:iam::123456789012:user/X"},
    {"arn": CALLER, "session_name": "a b"},
    {"arn": CALLER, "secret_key": "x"},
])
def test_a_record_with_a_malformed_acted_as_is_refused(acted_as):
    applied = s.record({"type": "iam_user", "id": "alice", "policy_name": "secops-guardduty-contain-" + s.INV_ID, "acted_as": acted_as})
    with pytest.raises(ContainError, match=r"resources\[0\] \(iam_user alice\) has an acted_as that is not an ARN"):
        load_record(applied, "contain_record", s.INV_ID, s.ACCOUNT, s.REGION)
