# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 buckets: all public access blocked, the previous block recorded and given back.

The action type's plan, rollback and record check (containment_plan with a plain state), and the steps of its apply
and rollback run against real boto3 clients with botocore's Stubber (no AWS)."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import stubbed_aws as aws_

found, settings, one = s.found, s.settings, s.one
BUCKET = s.resource("customer-exports", "S3_BUCKET")


def bucket_state(block=None, tags=None, location=None):
    bucket = {"name": "customer-exports", "bucket_location": {"LocationConstraint": location},
              "public_access_block": {"PublicAccessBlockConfiguration": block} if block else {}, "bucket_tagging": tags or {}}
    return {"buckets": [bucket]}


ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
SOME = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}


PREVIOUS = {"block_public_acls": True, "ignore_public_acls": False, "block_public_policy": True, "restrict_public_buckets": False}
PAB_RECORD = "BlockPublicAcls=true IgnorePublicAcls=false BlockPublicPolicy=true RestrictPublicBuckets=false"


def rec_bucket(previous):
    return {"type": "s3_bucket", "id": "customer-exports", "previous_public_access_block": previous}


def test_buckets_are_blocked_once_and_restored_exactly():
    plan = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"owner": "data"})))
    assert plan["changes"] == {"tags": {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": PAB_RECORD},
                               "previous": PREVIOUS}
    assert one(containment_plan(found(BUCKET), settings(), bucket_state(None)))["changes"]["previous"] is None
    assert one(containment_plan(found(BUCKET), settings(), bucket_state(ALL)))["status"] == "unchanged"
    tags = {"owner": "data", "secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": PAB_RECORD}
    plan = one(containment_plan(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, tags)))
    assert plan["changes"] == {"restore": True, "previous": PREVIOUS, "tags": {"owner": "data"}}
    tags["secops-guardduty:public-access-block"] = "none"
    assert one(containment_plan(found(BUCKET), s.rollback(rec_bucket(None)), bucket_state(ALL, tags)))["changes"]["previous"] is None


def test_a_rewritten_bucket_tag_leaves_the_bucket_blocked():
    opened = "BlockPublicAcls=false IgnorePublicAcls=false BlockPublicPolicy=false RestrictPublicBuckets=false"
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": opened}
    plan = one(containment_plan(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, tags)))
    assert plan["status"] == "skipped" and "left blocked" in plan["reason"] and plan["changes"] == {} and opened not in plan["reason"]
    # blocked and tagged, but not in the record: left blocked
    tags["secops-guardduty:public-access-block"] = PAB_RECORD
    assert "holds nothing for it" in one(containment_plan(found(BUCKET), s.rollback(), bucket_state(ALL, tags)))["reason"]


def test_a_bucket_tagged_by_another_investigation_is_taken_over_and_the_plan_says_so():
    other = "0a1b2c3d-1234-4abc-8def-0123456789ab"
    plan = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"secops-guardduty:contained-by": other})))
    assert plan["status"] == "planned" and plan["changes"]["tags"]["secops-guardduty:contained-by"] == s.INV_ID
    assert f"names investigation {other}, which this containment takes over" in plan["reason"]
    assert "leaves the bucket blocked" in plan["reason"]
    forged = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"secops-guardduty:contained-by": "{{ lookup('pipe', 'id') }}"})))
    assert "(not an investigation id)" in forged["reason"] and "lookup" not in forged["reason"]
    mine = one(containment_plan(found(BUCKET), settings(), bucket_state(SOME, {"secops-guardduty:contained-by": s.INV_ID})))
    assert "takes over" not in mine["reason"]


def test_buckets_not_owned_or_in_another_region_are_skipped():
    assert "not a bucket of this account" in one(containment_plan(found(BUCKET), settings(), {"buckets": []}))["reason"]
    assert "in Region eu-west-1" in one(containment_plan(found(BUCKET), settings(), bucket_state(location="EU")))["reason"]


@pytest.mark.parametrize("change,message", [
    (lambda e: e.update(previous_public_access_block={"block_public_acls": "no"}), "previous_public_access_block"),
])
def test_a_record_entry_that_is_not_what_apply_wrote_is_refused_whole(change, message):
    s.assert_refused_whole(change, message, "s3_bucket")


# ---------------------------------------------------------------- the steps of apply and rollback

MARK, BLOCK = "s3_bucket:customer-exports:mark", "s3_bucket:customer-exports:block"
RESTORE, UNMARK = "s3_bucket:customer-exports:restore", "s3_bucket:customer-exports:unmark"
CONTAINED = {"owner": "data", "secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": PAB_RECORD}


def tag_set(tags):
    return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}


def test_apply_marks_the_bucket_keeping_its_tags_then_blocks_all_public_access():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(BUCKET), settings(), bucket_state(SOME, {"owner": "data"}), aws)
    assert aws_.dependencies(steps) == {MARK: [], BLOCK: [MARK]}
    aws.expect("s3", "put_bucket_tagging", {"Bucket": "customer-exports", "Tagging": tag_set(CONTAINED)})
    aws.expect("s3", "put_public_access_block", {"Bucket": "customer-exports", "PublicAccessBlockConfiguration": ALL})
    assert aws_.run(steps, aws)[0] == [(MARK, "done"), (BLOCK, "done")]


def test_a_refused_mark_never_holds_back_the_block():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(BUCKET), settings(), bucket_state(SOME, {"owner": "data"}), aws)
    aws.refuse("s3", "put_bucket_tagging", {"Bucket": "customer-exports", "Tagging": tag_set(CONTAINED)})
    aws.expect("s3", "put_public_access_block", {"Bucket": "customer-exports", "PublicAccessBlockConfiguration": ALL})
    ran, results = aws_.run(steps, aws)
    assert ran == [(MARK, "failed"), (BLOCK, "done")] and "PutBucketTagging" in results[MARK]["error"]


def test_rollback_gives_back_the_recorded_block_then_the_tags_it_had():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, CONTAINED), aws)
    assert aws_.dependencies(steps) == {RESTORE: [], UNMARK: [RESTORE]}
    aws.expect("s3", "put_public_access_block", {"Bucket": "customer-exports", "PublicAccessBlockConfiguration": SOME})
    aws.expect("s3", "put_bucket_tagging", {"Bucket": "customer-exports", "Tagging": tag_set({"owner": "data"})})
    assert aws_.run(steps, aws)[0] == [(RESTORE, "done"), (UNMARK, "done")]


def test_rollback_of_a_bucket_that_had_no_block_and_no_tags_deletes_both():
    aws = aws_.StubbedAWS()
    tags = {"secops-guardduty:contained-by": s.INV_ID, "secops-guardduty:public-access-block": "none"}
    _plan, steps = aws_.steps_of(found(BUCKET), s.rollback(rec_bucket(None)), bucket_state(ALL, tags), aws)
    aws.expect("s3", "delete_public_access_block", {"Bucket": "customer-exports"})
    aws.expect("s3", "delete_bucket_tagging", {"Bucket": "customer-exports"})
    assert aws_.run(steps, aws)[0] == [(RESTORE, "done"), (UNMARK, "done")]


def test_a_failed_restore_keeps_the_tags_that_say_the_bucket_is_contained():
    aws = aws_.StubbedAWS()
    _plan, steps = aws_.steps_of(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, CONTAINED), aws)
    aws.refuse("s3", "put_public_access_block", {"Bucket": "customer-exports", "PublicAccessBlockConfiguration": SOME})
    ran, results = aws_.run(steps, aws)
    assert ran == [(RESTORE, "failed"), (UNMARK, "skipped")] and results[UNMARK]["error"] == f"not run: {RESTORE} did not succeed"


def test_a_bucket_blocked_while_its_mark_failed_is_restored_from_the_record():
    """The record says the mark failed and the block went ahead: no tags is what the record says, not a disagreement."""
    unmarked = dict(rec_bucket(PREVIOUS), steps={"mark": "failed", "block": "done"})
    plan = one(containment_plan(found(BUCKET), s.rollback(unmarked), bucket_state(ALL, {"owner": "data"})))
    assert plan["status"] == "planned" and plan["changes"] == {"restore": True, "previous": PREVIOUS, "tags": {"owner": "data"}}
    # the same bucket without that word of the record: left blocked
    assert one(containment_plan(found(BUCKET), s.rollback(rec_bucket(PREVIOUS)), bucket_state(ALL, {"owner": "data"})))["status"] == "skipped"
