# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: containment_plan
version_added: 0.2.0
author:
  - secops.guardduty contributors (@secops)
short_description: Decide what the contain role does about each resource an investigation names
description:
  - The decision step of the P(secops.guardduty.contain#role) role, as a filter so that it can be tested and reused.
    It changes nothing and reads nothing; it compares the resources of
    P(secops.guardduty.investigation_resources#filter) with the state the role read with amazon.aws info modules.
  - Resources in another account or Region, security groups, temporary (C(ASIA)) access keys and the user or role
    running the containment (C(caller_arn)) are V(skipped) with the reason; so is everything in C(apply) mode when
    the risk level is below Medium, unless C(force).
  - C(auto) mode (graded autonomy) acts without approval, but only on what C(auto_apply) allows, and only when the
    investigation's risk level and confidence reach its thresholds; every other resource is V(skipped) with the
    reason "needs a person", and an instance (with its role) is never contained in this mode.
  - Each other resource is V(planned) (with the C(changes) the role carries out), V(unchanged) (already contained, or
    nothing of this investigation to roll back) or V(skipped) (not found, not owned, changed since containment).
  - What apply changes is kept, before the change, in the containment record (RV(_value.record_before),
    RV(_value.record)) - each network interface's previous groups, the access keys deactivated and their users, the
    inline policy attached, a bucket's previous public access block. C(rollback) restores only what the record given
    back (C(record_file), C(record)) holds. Tags on instances, users and buckets are a marker and a cross-check; where
    they disagree with the record the resource is left contained, with the reason. Access keys stay inactive on
    rollback unless C(reactivate_keys). A rollback without a record is blocked.
positional: _input
options:
  _input:
    description: What P(secops.guardduty.investigation_resources#filter) returns.
    type: dict
    required: true
  settings:
    description:
      - C(mode) (V(plan), V(apply), V(rollback) or V(auto)), C(auto_apply) (required by V(auto) - C(actions), a list of
        V(deactivate_access_key), V(revoke_role_sessions) and V(snapshot_volume); C(risk_level), the lowest risk level
        acted on, V(Medium), V(High) (default) or V(Critical); C(confidence), the lowest confidence acted on, V(Low),
        V(Medium) or V(High) (default)), C(approved), C(force), C(max_resources), C(caller_account) and
        C(caller_arn) (as M(amazon.aws.aws_caller_info) returns them), C(quarantine_group_name), C(snapshots) and
        C(done) (report V(planned) as V(done), because the role carries out the plan right after).
      - The containment record - C(record_dir) (absolute, or starting with C(~); default
        C(~/.ansible/secops-guardduty/contain-records)), C(record_file) (the text of the record file, V(null) when
        there is none; once given, a rollback without a record is blocked), C(record) (C(contain_record), a record as
        a dict or JSON text), C(reactivate_keys) and C(time) (the run's UTC time, C(YYYY-MM-DDTHH:MM:SSZ)).
    type: dict
    required: true
  state:
    description:
      - What the role read, as plain lists of the dicts the amazon.aws info modules return - C(instances)
        (M(amazon.aws.ec2_instance_info)), C(groups) (M(amazon.aws.ec2_security_group_info)), C(snapshots)
        (M(amazon.aws.ec2_snapshot_info)), C(users) (M(amazon.aws.iam_user_info), with C(tags)), C(access_keys)
        (M(amazon.aws.iam_access_key_info)), C(buckets) (M(amazon.aws.s3_bucket_info), with C(bucket_location),
        C(public_access_block), C(bucket_tagging)), C(named_groups) (M(amazon.aws.ec2_security_group_info), the groups
        the investigation names), C(function_concurrency) (the results of M(secops.guardduty.lambda_function_concurrency)),
        C(volumes) (M(amazon.aws.ec2_vol_info)), C(db_instances) (M(amazon.aws.rds_instance_info)), C(db_snapshots)
        (M(amazon.aws.rds_snapshot_info)) - and C(user_policies) and C(role_policies), dicts of user or role
        name to its inline policy names (C(all_policy_names) of M(amazon.aws.iam_policy_info)); a user or role that is
        not in them (or has V(null)) does not exist. A missing member is empty.
      - Omitted, resources within reach are V(pending) (the role's first pass, to know what to read).
    type: dict
seealso:
  - plugin: secops.guardduty.investigation_resources
    plugin_type: filter
"""

EXAMPLES = r"""
- name: See which resources the contain role would look at
  ansible.builtin.debug:
    msg: >-
      {{ (investigation | secops.guardduty.investigation_resources)
         | secops.guardduty.containment_plan({'mode': 'plan'}) }}
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    mode:
      description: The mode the plan is for.
      type: str
    confidence:
      description: The investigation's confidence.
      type: str
      version_added: 0.3.0
    auto_apply:
      description: In C(auto) mode, the policy acted on (C(actions), C(risk_level), C(confidence)); V(null) otherwise.
      type: dict
      version_added: 0.3.0
    blocked:
      description: What stops C(apply) or C(rollback) (approval missing, more resources than C(max_resources), a rollback without a containment record).
      type: list
      elements: str
    gate:
      description:
        - Why the risk level keeps C(apply) from containing anything (also in C(plan) mode), or in C(auto) mode why the
          risk level or confidence keeps it from acting without a person; V(null) when it does not.
      type: str
    counts:
      description: How many resources are C(pending), C(planned), C(done), C(unchanged) and C(skipped).
      type: dict
    resources:
      description: Per resource its C(type), C(id), C(account_id), C(region), C(priority), C(countermeasure), C(status), C(reason) and C(changes).
      type: list
      elements: dict
    unrecognised:
      description: The unrecognised entries of P(secops.guardduty.investigation_resources#filter).
      type: list
      elements: dict
    user_tag_updates:
      description: In C(rollback), the tags each IAM user keeps once the records of reactivated keys are removed.
      type: list
      elements: dict
    record_path:
      description: Where the containment record of this investigation lives (C(record_dir)/C(<investigation id>.json)).
      type: str
    record_before:
      description:
        - When the role acts (C(done)), the containment record to write before anything is changed (in apply, what is
          about to change with status C(pending)); V(null) when there is nothing to write.
      type: dict
    record:
      description:
        - The containment record once the run is done (C(applied) or C(rolled_back) marked), or the record given back
          when the role does not act; V(null) without one. C(record_format), C(investigation_id), C(account_id),
          C(region), C(created), C(updated), C(role_version) and C(resources) (per resource C(type), C(id),
          C(status), C(time) and what rollback restores).
      type: dict
    deny_policy_name:
      description: The name of the deny-all inline policy for this investigation.
      type: str
    deny_policy:
      description: The deny-all inline policy document.
      type: dict
"""

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import containment_plan
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import filter_module

FilterModule = filter_module("containment_plan", containment_plan)
