# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""secops.guardduty.investigation_resources: typed, checked, de-duplicated resources; everything else with a reason."""

from __future__ import annotations

import json
import os

import pytest

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import filter_loader
from ansible.template import Templar

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import MAX_TEXT
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.resources import investigation_resources
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

try:
    from ansible.template import trust_as_template
except ImportError:
    from ansible.utils.unsafe_proxy import wrap_var

    def trust_as_template(value):
        return value

else:

    def wrap_var(value):
        return value


def template(expression, **variables):
    variables = {name: wrap_var(value) for name, value in variables.items()}
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


def found(*resources, **kwargs):
    return investigation_resources(s.investigation([s.action(list(resources))], **kwargs))


def ids(result):
    return [(r["type"], r["id"]) for r in result["resources"]]


def reasons(result):
    return {u["id"]: u["reason"] for u in result["unrecognised"]}


def test_filter_is_the_shared_function():
    inv = s.investigation([s.action([s.resource(s.INSTANCE, "EC2_INSTANCE")])])
    assert filter_loader.get("secops.guardduty.investigation_resources").j2_function(inv) == investigation_resources(inv)


def test_every_type_it_acts_on_with_its_account_region_priority_and_countermeasure():
    result = found(
        s.resource(s.INSTANCE, "EC2_INSTANCE"),
        s.resource("i-0a1b2c3d", "EC2_INSTANCE"),
        s.resource(s.KEY, "IAM_ACCESS_KEY"),
        s.resource("alice", "IAM_USER"),
        s.resource("web-app", "IAM_ROLE"),
        s.resource("customer-exports.prod-1", "S3_BUCKET"),
        s.resource("sg-0123456789abcdef0", "EC2_SECURITY_GROUP"),
    )
    assert ids(result) == [("ec2_instance", s.INSTANCE), ("ec2_instance", "i-0a1b2c3d"), ("iam_access_key", s.KEY),
                           ("iam_user", "alice"), ("iam_role", "web-app"), ("s3_bucket", "customer-exports.prod-1"),
                           ("ec2_security_group", "sg-0123456789abcdef0")]
    first = result["resources"][0]
    assert first["account_id"] == s.ACCOUNT and first["region"] == s.REGION and first["priority"] == "IMMEDIATE"
    assert first["countermeasure"] == {"defense_tactic": "Isolate", "title": "Act", "description": "Do it.", "disposition": "Isolated"}
    assert result["resources"][2]["user_name"] == "alice"  # the one user of the same action owns the key
    assert [r["region"] for r in result["resources"][3:6]] == [None, None, None]  # IAM and S3 have no Region here
    assert result["unrecognised"] == []
    assert (result["investigation_id"], result["account_id"], result["region"], result["risk_level"]) == (s.INV_ID, s.ACCOUNT, s.REGION, "High")


def test_no_cli_command_is_ever_returned():
    result = found(s.resource(s.INSTANCE, "EC2_INSTANCE"))
    assert "cli" not in json.dumps(result) and "touch" not in json.dumps(result) and s.PWNED not in json.dumps(result)


@pytest.mark.parametrize("kind,bad", [
    ("EC2_INSTANCE", "i-0a1b2c3d4e5f67890; rm -rf /"),
    ("EC2_INSTANCE", "i-0a1b2c3d4e5f67890\ntouch /tmp/x"),
    ("EC2_INSTANCE", "i-0a1b2c3d4e5f67890 "),
    ("EC2_INSTANCE", "$(touch /tmp/x)"),
    ("EC2_INSTANCE", "i-0A1B2C3D4E5F67890"),
    ("EC2_INSTANCE", "i-0a1b2c3d4e5f6789"),
    ("EC2_INSTANCE", "i-0a1b2c3d4e5f67890`id`"),
    ("IAM_ACCESS_KEY", "AKIAIOSFODNN7EXAMPL"),
    ("IAM_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE|sh"),
    ("IAM_ACCESS_KEY", "akiaiosfodnn7example"),
    ("IAM_USER", "alice bob"),
    ("IAM_USER", "alice;id"),
    ("IAM_USER", "a" * 65),
    ("IAM_USER", "älice"),
    ("IAM_ROLE", "role/../admin"),
    ("IAM_ROLE", "{{ lookup('pipe', 'id') }}"),
    ("S3_BUCKET", "Customer-Exports"),
    ("S3_BUCKET", "my..bucket"),
    ("S3_BUCKET", "192.168.1.1"),
    ("S3_BUCKET", "xn--bucket"),
    ("S3_BUCKET", "ab"),
    ("S3_BUCKET", "bucket&&reboot"),
    ("EC2_SECURITY_GROUP", "sg-123"),
    ("EC2_SECURITY_GROUP", "default"),
])
def test_malformed_identifiers_are_unrecognised_with_the_reason(kind, bad):
    result = found(s.resource(bad, kind))
    assert result["resources"] == []
    assert len(result["unrecognised"]) == 1
    entry = result["unrecognised"][0]
    assert entry["id"] == bad and entry["type"] == kind
    assert entry["reason"].startswith(repr(bad) + " is not a valid ") and "expected" in entry["reason"]
    assert entry["source"] == "summary_data.countermeasures[0].actions[0].affected_resources[0]"


@pytest.mark.parametrize("bad", [None, 42, ["i-0a1b2c3d"], {"id": "i-0a1b2c3d"}, ""])
def test_identifiers_that_are_not_strings_or_empty(bad):
    result = found({"identifier": bad, "type": "EC2_INSTANCE"})
    assert result["resources"] == [] and len(result["unrecognised"]) == 1
    assert result["unrecognised"][0]["reason"] in ("no identifier",) or "not a string" in result["unrecognised"][0]["reason"]


def test_other_types_and_missing_types_are_unrecognised():
    result = found(s.resource("eks-prod", "EKS_CLUSTER"), {"identifier": "x"}, s.resource("vol-0123", "EBS_VOLUME"))
    assert result["resources"] == []
    acted_on = "(EC2_INSTANCE, IAM_ACCESS_KEY, IAM_USER, IAM_ROLE, S3_BUCKET, EC2_SECURITY_GROUP, LAMBDA_FUNCTION, EBS_VOLUME, RDS_INSTANCE)"
    assert reasons(result) == {
        "eks-prod": "resource type 'EKS_CLUSTER' is not one the contain role acts on " + acted_on,
        "x": "no resource type",
        "vol-0123": "'vol-0123' is not a valid ebs_volume identifier (expected vol- and 8 or 17 lowercase hexadecimal digits)",
    }


def test_ebs_volumes_by_id_or_arn():
    vol = "vol-0123456789abcdef0"
    result = found(s.resource("", "EBS_VOLUME", f"arn:aws:ec2:eu-west-1:{s.ACCOUNT}:volume/{vol}"),
                   s.resource("", "EBS_VOLUME", f"arn:aws:ec2:eu-west-1:{s.ACCOUNT}:instance/{vol}"))
    assert [(r["type"], r["id"], r["region"]) for r in result["resources"]] == [("ebs_volume", vol, "eu-west-1")]
    assert "is not the ARN of an ebs_volume" in result["unrecognised"][0]["reason"]


def test_rds_instances_by_identifier_or_arn_and_bad_identifiers_refused():
    arn = f"arn:aws:rds:eu-west-1:{s.ACCOUNT}:db:orders-db"
    result = found(s.resource("Orders-DB", "RDS_INSTANCE"), s.resource("", "RDS_INSTANCE", arn), s.resource("a" * 63, "RDS_INSTANCE"),
                   *(s.resource(bad, "RDS_INSTANCE") for bad in ("1orders", "orders-", "orders--db", "a" * 64, "orders db; id", "orders_db")),
                   s.resource("", "RDS_INSTANCE", f"arn:aws:rds:eu-west-1:{s.ACCOUNT}:cluster:orders-db"),
                   s.resource("", "RDS_INSTANCE", f"arn:aws:ec2:eu-west-1:{s.ACCOUNT}:db:orders-db"))
    # RDS keeps identifiers in lowercase: the investigation's spelling is matched as RDS matches it
    assert sorted((r["type"], r["id"], r["account_id"], r["region"]) for r in result["resources"]) == [
        ("rds_instance", "a" * 63, s.ACCOUNT, s.REGION), ("rds_instance", "orders-db", s.ACCOUNT, "eu-west-1"),
        ("rds_instance", "orders-db", s.ACCOUNT, s.REGION)]
    bad = reasons(result)
    for ident in ("1orders", "orders-", "orders--db", "a" * 64, "orders db; id", "orders_db"):
        assert bad[ident] == (f"{ident!r} is not a valid rds_instance identifier (expected a DB instance identifier: 1 to 63 letters, "
                              "digits and hyphens, starting with a letter, no hyphen at the end or two in a row)")
    assert len(result["unrecognised"]) == 8
    assert sum("is not the ARN of an rds_instance (arn:aws:rds:<region>:<account>:db:<id>)" in r["reason"] for r in result["unrecognised"]) == 2


def test_lambda_functions_by_name_or_arn_in_the_arns_region():
    arn = f"arn:aws:lambda:eu-west-1:{s.ACCOUNT}:function:payments"
    result = found(s.resource("payments", "LAMBDA_FUNCTION"), s.resource("reports", "LAMBDA_FUNCTION", arn.replace("payments", "reports:prod")),
                   s.resource(arn, "LAMBDA_FUNCTION"), s.resource("pay ments; id", "LAMBDA_FUNCTION"),
                   s.resource("", "LAMBDA_FUNCTION", f"arn:aws:lambda:us-east-1:{s.ACCOUNT}:layer:payments"),
                   s.resource("", "LAMBDA_FUNCTION", f"arn:aws:lambda:us-east-1:{s.ACCOUNT}:function:payments:$(id)"))
    assert sorted((r["id"], r["account_id"], r["region"]) for r in result["resources"]) == [
        ("payments", s.ACCOUNT, "eu-west-1"), ("payments", s.ACCOUNT, s.REGION), ("reports", s.ACCOUNT, "eu-west-1")]
    assert all(r["type"] == "lambda_function" for r in result["resources"])
    assert "'pay ments; id' is not a valid lambda_function identifier" in reasons(result)["pay ments; id"]
    assert len(result["unrecognised"]) == 3 and all("is not the ARN of a lambda_function" in r["reason"] for r in result["unrecognised"][1:])


def test_arns_give_account_and_region_and_must_fit_the_type():
    result = found(
        s.resource("", "EC2_INSTANCE", f"arn:aws:ec2:eu-west-1:{s.OTHER}:instance/{s.INSTANCE}"),
        s.resource("bob", "IAM_USER", f"arn:aws:iam::{s.OTHER}:user/engineering/bob"),
        s.resource(f"arn:aws:iam::{s.ACCOUNT}:role/service-role/web", "IAM_ROLE"),
        s.resource("logs", "S3_BUCKET", "arn:aws:s3:::logs"),
        s.resource(s.KEY, "IAM_ACCESS_KEY", f"arn:aws:iam::{s.ACCOUNT}:user/carol"),
    )
    by_id = {r["id"]: r for r in result["resources"]}
    assert (by_id[s.INSTANCE]["account_id"], by_id[s.INSTANCE]["region"]) == (s.OTHER, "eu-west-1")
    assert (by_id["bob"]["account_id"], by_id["bob"]["region"]) == (s.OTHER, None)
    assert by_id["web"]["account_id"] == s.ACCOUNT
    # a bucket ARN names no account: the investigation's (the role changes only buckets the caller owns)
    assert (by_id["logs"]["account_id"], by_id["logs"]["region"]) == (s.ACCOUNT, None)
    assert by_id[s.KEY]["user_name"] == "carol"
    assert result["unrecognised"] == []


@pytest.mark.parametrize("kind,identifier,arn,reason", [
    ("EC2_INSTANCE", s.INSTANCE, f"arn:aws:ec2:us-east-1:{s.ACCOUNT}:instance/i-0fffffffffffffff0", "name different resources"),
    ("EC2_INSTANCE", s.INSTANCE, f"arn:aws:s3:::{s.INSTANCE}", "is not the ARN of an ec2_instance"),
    ("IAM_USER", "alice", f"arn:aws:iam::{s.ACCOUNT}:role/alice", "is not the ARN of an iam_user"),
    ("IAM_USER", "alice", "arn:aws:iam::12345:user/alice", "is not an ARN"),
    ("IAM_USER", "", f"arn:aws:iam::{s.ACCOUNT}:user/alice; id", "is not a valid iam_user identifier"),
    ("IAM_USER", "alice", f"arn:aws:iam::{s.ACCOUNT}:user/alice; id", "name different resources"),
    ("S3_BUCKET", "logs", f"arn:aws:s3:::logs/{s.INSTANCE}", "is not the ARN of an s3_bucket"),
    ("IAM_ACCESS_KEY", s.KEY, f"arn:aws:iam::{s.ACCOUNT}:user/bad name", "the owner in"),
    ("IAM_ROLE", "", "not an arn", "'not an arn' is not an ARN"),
    ("IAM_ROLE", "", "", "no identifier"),
])
def test_bad_or_mismatched_arns_are_unrecognised(kind, identifier, arn, reason):
    result = found(s.resource(identifier, kind, arn))
    assert result["resources"] == []
    assert reason in result["unrecognised"][0]["reason"]


def test_an_arn_as_identifier_and_the_same_arn_agree():
    arn = f"arn:aws:ec2:{s.REGION}:{s.ACCOUNT}:instance/{s.INSTANCE}"
    result = found(s.resource(arn, "EC2_INSTANCE", arn), s.resource(arn, "EC2_INSTANCE", f"arn:aws:ec2:{s.REGION}:{s.OTHER}:instance/{s.INSTANCE}"))
    assert ids(result) == [("ec2_instance", s.INSTANCE)]
    assert len(result["unrecognised"]) == 1 and "name different resources" in result["unrecognised"][0]["reason"]


def test_duplicates_merge_keeping_the_most_urgent_countermeasure_and_every_source():
    inv = s.investigation([
        s.action([s.resource(s.INSTANCE, "EC2_INSTANCE")], priority="STRATEGIC", title="Later"),
        s.action([s.resource(s.INSTANCE, "EC2_INSTANCE", f"arn:aws:ec2:{s.REGION}:{s.ACCOUNT}:instance/{s.INSTANCE}")],
                 priority="IMMEDIATE", title="Now"),
    ], account_resources=[{"identifier": s.INSTANCE, "type": "EC2_INSTANCE", "finding_count": 3}],
        records=[{"type": "OBSERVATION", "supporting_data": {"observation": {
            "resource": {"uid": s.INSTANCE, "resource_type": "EC2_INSTANCE"},
            "representative_resources": [{"resource_type": "IAM_USER", "identifier": "alice"},
                                         {"resource_type": "IAM_USER", "identifier": "alice"}]}}}])
    result = investigation_resources(inv)
    assert ids(result) == [("ec2_instance", s.INSTANCE), ("iam_user", "alice")]
    instance = result["resources"][0]
    assert instance["priority"] == "IMMEDIATE" and instance["countermeasure"]["title"] == "Now"
    assert instance["sources"] == [
        "summary_data.countermeasures[0].actions[0].affected_resources[0]",
        "summary_data.countermeasures[0].actions[1].affected_resources[0]",
        "summary_data.account_analysis.affected_resources[0]",
        "records[0].supporting_data.observation.resource",
    ]
    assert result["resources"][1]["priority"] is None and result["resources"][1]["countermeasure"] is None


def test_the_same_id_in_another_account_is_another_resource():
    result = found(s.resource("alice", "IAM_USER"), s.resource("alice", "IAM_USER", f"arn:aws:iam::{s.OTHER}:user/alice"))
    assert sorted(r["account_id"] for r in result["resources"]) == [s.ACCOUNT, s.OTHER]


def test_text_summaries_holding_json_are_read_too():
    inv = s.investigation()
    del inv["summary_data"]
    inv["summary"] = json.dumps({"countermeasures": [{"defenseTactic": "Isolate", "actions": [
        {"title": "Isolate", "priority": "IMMEDIATE", "affectedResources": [{"identifier": s.INSTANCE, "type": "EC2_INSTANCE"}]}]}]})
    assert ids(investigation_resources(inv)) == [("ec2_instance", s.INSTANCE)]


def test_an_investigation_without_summary_names_nothing():
    inv = s.investigation()
    del inv["summary_data"]
    assert investigation_resources(inv)["resources"] == []


def test_countermeasure_text_is_cut_and_kept_as_data():
    long_text = "{{ lookup('pipe', 'touch %s') }}" % s.PWNED + "x" * 1000
    inv = s.investigation([s.action([s.resource(s.INSTANCE, "EC2_INSTANCE")], title=long_text)])
    if os.path.exists(s.PWNED):
        os.unlink(s.PWNED)
    title = template("{{ (inv | secops.guardduty.investigation_resources).resources[0].countermeasure.title }}", inv=inv)
    assert title.startswith("{{ lookup('pipe'") and len(title) == MAX_TEXT and title.endswith("\u2026")
    assert not os.path.exists(s.PWNED)


def test_a_registered_result_is_accepted_and_anything_else_refused_with_one_message():
    inv = s.investigation([s.action([s.resource(s.INSTANCE, "EC2_INSTANCE")])])
    assert template("{{ (r | secops.guardduty.investigation_resources).resources | length }}", r={"investigation": inv}) in (1, "1")
    with pytest.raises(AnsibleError, match=r"Expected an investigation \(a dict with investigation_id"):
        template("{{ r | secops.guardduty.investigation_resources }}", r={"failed": True})
    with pytest.raises(AnsibleError, match=r"Expected an investigation \(a dict with investigation_id\), got list"):
        template("{{ r | secops.guardduty.investigation_resources }}", r=[inv])


def test_the_investigation_account_and_region_must_look_like_ones():
    result = found(s.resource(s.INSTANCE, "EC2_INSTANCE"), account="12345; id", region="us-east-1\n")
    assert result["account_id"] is None and result["region"] is None
    assert result["resources"][0]["account_id"] is None
