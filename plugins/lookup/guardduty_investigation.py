# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: guardduty_investigation
version_added: 0.1.0
short_description: Amazon GuardDuty investigations inline in templates and conditionals
description:
  - Returns Amazon GuardDuty investigations by id, one element per term in term order, without a C(register) step.
  - C(lookup) of a single id gives the investigation itself; C(query) (or C(lookup) with C(wantlist=true))
    always gives a list.
  - Keys, values and options mean exactly what they mean for M(secops.guardduty.guardduty_investigation_info); both use
    the same code.
  - Many ids are fetched concurrently on one client (see O(concurrency)), so 50 ids cost about what a handful cost.
  - Lookups run on the controller and do not see C(module_defaults); pass connection options as keyword arguments
    or through the usual C(AWS_*) environment variables.
  - Lookups in the same task (for example in a C(loop)) reuse one client and its connections when their connection
    options, C(AWS_*) and proxy environment variables and AWS config and credentials files are the same; any difference gets
    a new client.
  - The returned data is written by an AI from attacker-influenced logs. It is returned as plain, untrusted data and is
    never evaluated as a template.
author:
  - secops.guardduty contributors (@secops)
options:
  _terms:
    description:
      - Investigation ids. Each is checked against the API's format before any call. A list term is flattened.
      - A term C(region:investigation_id) (for example C(eu-west-1:a1b2c3d4-5678-90ab-cdef-ef1234567890)) is read in
        that Region. Plain ids are read in each Region of O(regions), or without it in the lookup's Region (O(region),
        E(AWS_REGION) or the profile). Regions are read concurrently, and the answer keeps the order of the terms; each
        element carries C(region) and C(account_id). A prefix that is not a Region botocore knows (a typo such as
        C(eu-wset-1)) fails the lookup before any call, naming the nearest Regions.
    type: list
    elements: str
    required: true
  on_missing:
    description:
      - What to do when an investigation does not exist.
      - V(error) fails, naming the id and the detector. V(warn) warns and leaves the element out. V(skip) leaves it out quietly.
    type: str
    choices: [error, warn, skip]
    default: error
  on_denied:
    description:
      - What to do when access to an investigation is denied.
      - V(error) fails, saying which permission is missing. V(warn) warns and leaves the element out. V(skip) leaves it out quietly.
    type: str
    choices: [error, warn, skip]
    default: error
extends_documentation_fragment:
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - secops.guardduty.investigation
  - secops.guardduty.investigation.regions
  - secops.guardduty.requirements
"""

EXAMPLES = r"""
# Note: These examples do not set authentication details, see the AWS Guide for details.

- name: Act only when the investigation rates the risk High or Critical
  ansible.builtin.debug:
    msg: Escalating
  when: >-
    lookup('secops.guardduty.guardduty_investigation', inv_id, wait=true, region='us-east-1').risk_level
    in ['High', 'Critical']

- name: Loop over several investigations with their structured summaries
  ansible.builtin.debug:
    msg: "{{ item.investigation_id }}: {{ item.summary_data.key_observations.title | default(item.status) }}"
  loop: "{{ query('secops.guardduty.guardduty_investigation', *inv_ids, summary_format='structured') }}"

- name: Ignore ids that do not exist (anymore), with a warning
  ansible.builtin.set_fact:
    known: "{{ query('secops.guardduty.guardduty_investigation', inv_ids, on_missing='warn', detector_id=detector) }}"

- name: Investigations of several Regions, as region:id pairs, in the order of the terms
  ansible.builtin.debug:
    msg: "{{ item.region }}: {{ item.investigation_id }} {{ item.risk_level | default(item.status) }}"
  loop: >-
    {{ query('secops.guardduty.guardduty_investigation',
             'us-east-1:a1b2c3d4-5678-90ab-cdef-ef1234567890', 'eu-west-1:b2c3d4e5-6789-01bc-def0-ef2345678901') }}

- name: Plain ids looked for in every Region where the API answers; fail when a Region cannot be read
  ansible.builtin.set_fact:
    found: "{{ query('secops.guardduty.guardduty_investigation', inv_ids, regions='all', on_region_error='fail') }}"

- name: Wait up to 20 minutes and keep failed investigations instead of failing
  ansible.builtin.set_fact:
    final: >-
      {{ lookup('secops.guardduty.guardduty_investigation', inv_id, wait=true, wait_timeout=1200,
         wait_sleep=30, allow_failed=true, profile='incident-response') }}
"""

RETURN = r"""
_raw:
  description:
    - One investigation per term, in term order (ids left out by O(on_missing) or O(on_denied) are dropped).
    - With O(regions) or C(region:id) terms, each element also carries C(region) (the Region it was read in) and
      C(account_id); a plain id found in several Regions of O(regions) gives one element per Region, in the order of
      O(regions). Ids of a Region that could not be read are missing (see O(on_region_error)).
    - Keys are the API's in snake_case, times are ISO-8601 strings and values are exactly what the service sent, as
      returned by M(secops.guardduty.guardduty_investigation_info) in its C(investigations).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError

from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase

from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_MINIMUM
from ansible_collections.secops.guardduty.plugins.module_utils.errors import connection_failure
from ansible_collections.secops.guardduty.plugins.plugin_utils.lookup import lookup_investigations


class LookupModule(AWSLookupBase):
    def run(self, terms, variables=None, **kwargs):
        super().run(terms, variables, botocore_version=BOTOCORE_MINIMUM, boto3_version=BOTOCORE_MINIMUM, **kwargs)
        return lookup_investigations(self, terms, AnsibleLookupError)

    def fail_aws(self, message, exception=None):
        # amazon.aws's failure while building the client; missing credentials say how to provide them
        super().fail_aws(*connection_failure(message, exception))
