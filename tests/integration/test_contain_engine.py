# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The response engine at its seams, in real ansible-playbook runs (the GuardDuty emulator, moto in server mode):

- instances whose subnets share one network ACL (every subnet of a default VPC shares its default ACL) each get rule
  numbers of their own: the plan gives them out across the whole investigation, and apply never meets a conflict;
- every input form the role documents works: the investigation, the info module's registered result, an element of
  the lookup, and the id;
- a play's ``module_defaults: group/aws`` alone reaches every AWS call the role makes;
- an action that fails stops only what depends on it: the access key is deactivated and the instance cut off all the
  same, the record holds each resource's steps, and the task fails at the end naming what failed.
"""

from __future__ import annotations

import json

import pytest

from aws_proxy import AwsProxy
from gdemu import scenarios as sc
from moto_server import image_id
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from test_contain import BUCKET
from test_contain import POLICY
from test_contain import USER
from test_contain import contain  # noqa: F401  pylint: disable=unused-import
from test_contain import planned
from test_contain import role_play
from test_contain import statuses
from test_contain import world  # noqa: F401  pylint: disable=unused-import

INV = sc.CONTAIN_MORE_INV_ID
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _result_of(result):
    facts = [t for t in result.tasks if t["task"].endswith("Keep the result") and t["status"] == "ok"]
    return facts[-1]["result"]["ansible_facts"]["contain_result"] if facts else None


class DefaultVpc:  # pylint: disable=too-few-public-methods
    """Instances in moto's default VPC: two in one subnet, the others in other subnets, all behind the default ACL."""

    def __init__(self, moto, count):
        self.ec2 = moto.client("ec2")
        subnets = sorted(s["SubnetId"] for s in self.ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"])
        image = image_id(self.ec2)
        self.instances = [self.ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                                 SubnetId=subnets[max(0, n - 1) % len(subnets)])["Instances"][0]["InstanceId"]
                          for n in range(count)]
        self.subnets = subnets

    def acl(self):
        (acl,) = self.ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]},
                                                         {"Name": "vpc-id", "Values": [self._vpc()]}])["NetworkAcls"]
        return acl

    def _vpc(self):
        return self.ec2.describe_instances(InstanceIds=self.instances[:1])["Reservations"][0]["Instances"][0]["VpcId"]

    def deny_entries(self):
        """(egress, rule number, CIDR) of the ACL's deny entries before its default rule."""
        return sorted((e["Egress"], e["RuleNumber"], e.get("CidrBlock") or e.get("Ipv6CidrBlock")) for e in self.acl()["Entries"]
                      if e["RuleAction"] == "deny" and e["RuleNumber"] < 32767)

    def addresses(self):
        found = self.ec2.describe_instances(InstanceIds=self.instances)["Reservations"]
        return sorted(a["PrivateIpAddress"] + "/32" for r in found for i in r["Instances"] for eni in i["NetworkInterfaces"]
                      for a in eni["PrivateIpAddresses"])


@pytest.mark.parametrize("count", [2, 3])
def test_instances_behind_one_network_acl_get_rule_numbers_of_their_own(  # pylint: disable=redefined-outer-name
        count, play, moto_aws, guardduty_emulator, tmp_path):
    moto_aws.reset()
    vpc = DefaultVpc(moto_aws, count)
    assert len({vpc.acl()["NetworkAclId"]}) == 1 and vpc.deny_entries() == []
    guardduty_emulator.load(sc.contain_more([{"Identifier": i, "Type": "EC2_INSTANCE"} for i in vpc.instances]))
    extra = {"moto_endpoint": moto_aws.url, "investigation_id": INV, "contain_record_dir": str(tmp_path / "records"),
             "contain_network_acl": True, "contain_approved": True}
    header = role_play("Contain instances behind one network ACL")

    result = play(header, extra_vars=dict(extra, contain_mode="plan"))
    assert result.rc == 0, result
    plan = _result_of(result)
    numbers = [(e["egress"], e["rule_number"]) for r in plan["resources"] for e in r["changes"]["network_acl_entries"]]
    assert len(numbers) == len(set(numbers)) == 2 * count, "no two instances are given the same rule number"

    result = play(header, extra_vars=dict(extra, contain_mode="apply"))
    assert result.rc == 0, result
    assert {r["status"] for r in _result_of(result)["resources"]} == {"done"}
    denied = vpc.deny_entries()
    assert sorted((egress, cidr) for egress, _n, cidr in denied) == sorted((egress, a) for egress in (False, True) for a in vpc.addresses())
    assert sorted((egress, n) for egress, n, _c in denied) == sorted(numbers)

    result = play(header, extra_vars=dict(extra, contain_mode="rollback"))
    assert result.rc == 0, result
    assert vpc.deny_entries() == []


PLAY_FORMS = """\
- name: Every input form of the contain role
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/secops.guardduty.guardduty:
      endpoint_url: "{{ moto_endpoint }}"
    secops.guardduty.guardduty_investigation_info:
      endpoint_url: "{{ gd_endpoint }}"
  tasks:
    - name: Get the investigation
      secops.guardduty.guardduty_investigation_info:
        investigation_id: "{{ investigation_id }}"
        summary_format: structured
        include_records: true
      register: got

    - name: The investigation itself
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation: "{{ got.investigation }}"

    - name: The registered result
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation: "{{ got }}"

    - name: An element of the lookup
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation: >-
          {{ lookup('secops.guardduty.guardduty_investigation', investigation_id, summary_format='structured', include_records=true,
                    endpoint_url=gd_endpoint) }}

    - name: The id
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation_id: "{{ investigation_id }}"
"""


def test_every_input_form_gives_the_same_plan(world, play, moto_aws):  # pylint: disable=redefined-outer-name
    result = play(PLAY_FORMS, extra_vars={"moto_endpoint": moto_aws.url, "investigation_id": sc.CONTAIN_INV_ID})
    assert result.rc == 0, result
    plans = [t["result"]["ansible_facts"]["contain_result"] for t in result.tasks if t["task"].endswith("Keep the result")]
    assert len(plans) == 4
    for plan in plans:
        assert statuses(plan) == planned(world)
        assert plan["investigation_id"] == sc.CONTAIN_INV_ID and plan["counts"]["planned"] == 6


GROUP_AWS = """\
- name: Contain with the module defaults most AWS playbooks carry (group/aws), nothing else
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/aws:
      endpoint_url: "{{ moto_endpoint }}"
      region: us-east-1
  tasks:
    - name: Get the investigation (the emulator named on the task itself)
      secops.guardduty.guardduty_investigation_info:
        investigation_id: "{{ investigation_id }}"
        endpoint_url: "{{ gd_endpoint }}"
        summary_format: structured
        include_records: true
      register: got

    - name: Contain it
      ansible.builtin.include_role:
        name: secops.guardduty.contain
      vars:
        contain_investigation: "{{ got }}"
        contain_mode: apply
        contain_approved: true
"""


def test_group_aws_alone_reaches_every_call(world, play, moto_aws, tmp_path):  # pylint: disable=redefined-outer-name
    """No AWS_ENDPOINT_URL: were a single call to miss the play's group/aws, it would go to AWS's public endpoint and fail."""
    result = play(GROUP_AWS, extra_vars={"moto_endpoint": moto_aws.url, "investigation_id": sc.CONTAIN_INV_ID,
                                         "contain_record_dir": str(tmp_path / "records")},
                  env={"AWS_ENDPOINT_URL": None, "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"})
    assert result.rc == 0, result
    outcome = _result_of(result)
    assert statuses(outcome) == {key: "done" if value == "planned" else value for key, value in planned(world).items()}
    assert world.key_status() == {world.key: "Inactive"} and world.user_policies(USER) == [POLICY]
    assert world.public_access_block() is not None


def test_a_failed_action_stops_only_what_depends_on_it(world, contain, moto_aws, guardduty_emulator, play, tmp_path):  # pylint: disable=redefined-outer-name
    """S3 refuses the bucket's first change, its marker tag (access denied): the key, the principals and the instance are
    contained all the same, and so is the bucket (a refused marker never holds back the cut it marks); the record says
    the mark failed, the task fails naming it, and rollback restores everything from the record, the bucket too."""
    world.create_contain_groups()
    before = world.snapshot()
    s3 = AwsProxy(moto_aws.url, lambda method, path: (403, "AccessDenied", "not authorized") if method == "PUT" and "tagging" in path else None)
    env = {"AWS_ENDPOINT_URL": moto_aws.url, "AWS_ENDPOINT_URL_GUARDDUTY": guardduty_emulator.url, "AWS_ENDPOINT_URL_S3": s3.url}
    wrapper = "- name: Containment\n  ansible.builtin.import_playbook: secops.guardduty.contain\n"
    try:
        result = play(wrapper, extra_vars={"investigation_id": sc.CONTAIN_INV_ID, "contain_mode": "apply", "contain_approved": True,
                                           "contain_record_dir": str(tmp_path / "records")}, env=env)
    finally:
        s3.close()
    assert result.rc != 0, result
    outcome = _result_of(result)
    assert statuses(outcome)[("s3_bucket", BUCKET)] == "failed"
    assert {status for key, status in statuses(outcome).items() if key != ("s3_bucket", BUCKET)} <= {"done", "skipped"}
    (failure,) = outcome["failures"]
    assert failure.startswith(f"s3_bucket {BUCKET}: mark the bucket with its previous public access block: Access denied calling "
                              f"PutBucketTagging on bucket {BUCKET}: the caller needs s3:PutBucketTagging")
    failed = result.task("secops.guardduty.contain : Fail, naming the actions that failed (the others were carried out, and the record says which)")
    assert failed["status"] == "failed" and f"s3_bucket {BUCKET}" in failed["result"]["msg"]
    # contained all the same: the key, the user, the instance; the bucket untouched
    assert world.key_status() == {world.key: "Inactive"} and world.user_policies(USER) == [POLICY]
    quarantine = world.quarantine_groups()[0]["GroupId"]
    assert world.instance_groups() == {0: [quarantine], 1: [quarantine]}
    assert world.public_access_block() == ALL_BLOCKED and world.bucket_tags() == before["bucket_tags"]
    record = json.loads((tmp_path / "records" / f"{sc.CONTAIN_INV_ID}.json").read_text())
    by = {(r["type"], r["id"]): r for r in record["resources"]}
    assert by[("s3_bucket", BUCKET)]["status"] == "pending" and by[("s3_bucket", BUCKET)]["steps"] == {"mark": "failed", "block": "done"}
    assert by[("iam_access_key", world.key)]["status"] == "applied"
    assert by[("iam_access_key", world.key)]["steps"] == {"mark": "done", "deactivate": "done"}
    assert by[("ec2_instance", world.instance)]["status"] == "applied"
    # the record given back rolls everything back, the pending bucket included (the record says why it has no tags)
    result, rolled = contain(mode="rollback", approved=True, rollback_reactivate_keys=True)
    assert result.rc == 0, result
    after = world.snapshot()
    assert after["groups"] == before["groups"] and after["keys"] == before["keys"] and after["pab"] is None
    assert statuses(rolled)[("s3_bucket", BUCKET)] == "done"
