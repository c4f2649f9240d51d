# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
short_description: New and updated Amazon GuardDuty findings as events for ansible-rulebook
version_added: 0.2.0
description:
  - An ansible-rulebook event source that polls the findings of one GuardDuty detector and puts one event on the queue
    per new or updated finding whose severity is at least O(min_severity).
  - 'Events: C({"type": "finding", "finding": {...}, "detector_id": "...", "region": "..."}). C(finding) is the
    GetFindings finding with snake_case keys (C(id), C(severity), C(type), C(updated_at), C(resource), C(service), ...);
    values and the keys of maps inside it are untouched; times stay GuardDuty''s ISO-8601 strings.'
  - Each poll costs one ListFindings (every page; severity at least O(min_severity), updated after a cursor, oldest
    update first) plus one GetFindings per 50 new or updated findings. A quiet poll is one ListFindings page. The
    only state is the cursor, the newest C(updatedAt) reported (in milliseconds, GuardDuty's clock), so memory does not
    grow.
  - The events of one poll are put on the queue highest severity first, then the newest update first, so that what
    arrives together can be decided together in that order (see the batch mode of
    M(secops.guardduty.guardduty_investigation)). Polls follow each other in time.
  - A finding updated again is reported again (one event per update, also within the same second); one already reported
    is never reported twice in one run. GuardDuty findings are updated when the same activity recurs (C(service.count)
    grows), so a rulebook that starts work per finding must deduplicate on C(event.finding.id) (throttle, or the
    quota-safe start module).
  - Archived findings (for example suppressed by a suppression rule) are left out unless O(include_archived=true).
  - Throttling, server errors, dropped connections and an endpoint that is down are retried with backoff (botocore's
    standard retries and the collection's AWSRetry), then logged; the poll is repeated with the same cursor, so no update
    is lost. A bad option, access denied, rejected credentials or a too old botocore stop the source with one message
    that says what to fix.
  - Finding text comes from attacker-influenced activity; treat it as untrusted in playbooks.
author:
  - secops.guardduty contributors (@secops)
extends_documentation_fragment:
  - secops.guardduty.event_source
requirements:
  - ansible-rulebook, with ansible-core, boto3 and botocore >= 1.43.35 in its Python.
  - The collections amazon.aws and secops.guardduty installed in a collections path (C(ANSIBLE_COLLECTIONS_PATH)).
  - "IAM: guardduty:ListDetectors (without O(detector_id)), guardduty:ListFindings, guardduty:GetFindings; with O(daily_budget) also
    guardduty:ListInvestigations (which docs/iam/eda-sources.json allows for the investigations source)."
options:
  lookback:
    description:
      - Seconds. At start, also report the findings updated within this many seconds before the start (each once, in
        its latest state), so that a restarted source loses no finding.
      - V(0) reports only findings created or updated after the start.
      - The start is taken from this machine's clock (later cursors come from GuardDuty's own times); keep the clock
        synchronised, or give a few seconds of lookback.
    type: float
    default: 0
  min_severity:
    description:
      - Report findings with at least this severity. A number above 0 and at most 10 (GuardDuty's scale), or a level name,
        V(Low) (1), V(Medium) (4), V(High) (7), V(Critical) (9).
    type: raw
    default: 7
  include_archived:
    description:
      - Also report archived findings.
    type: bool
    default: false
  batch:
    description:
      - V(false) puts one C(finding) event per new or updated finding on the queue.
      - 'V(true) puts one event per poll (per Region with O(regions)) carrying the poll''s findings, so that what arrives
        together is decided together (one playbook run, the batch mode of M(secops.guardduty.guardduty_investigation)):
        C({"type": "findings", "findings": [...], "retried": [...], "detector_id": "...", "region": "..."}).'
      - C(findings) are the findings as the C(finding) events carry them, highest severity first, then the newest;
        C(retried) lists the ids among them that were emitted before (see O(daily_budget)). A poll without findings
        puts no event.
    type: bool
    default: false
  daily_budget:
    description:
      - With O(batch=true) only. The rulebook's daily budget of investigations. The source then remembers the findings
        of its batches (for 24 hours after their first emission, at most 1000) until an investigation covers them (a
        FINDING investigation of the finding, or an ACCOUNT investigation of its account), and emits them again, in a
        later batch and in C(retried), when they were last emitted at least O(retry_after) seconds before and the
        investigations started on the detector in the last 24 hours (not FAILED, counted from ListInvestigations) are
        fewer than O(daily_budget). So findings deferred for the budget are tried again when the window has room, without
        a restart. This costs one ListInvestigations at a poll where a remembered finding is due, and none otherwise.
      - When absent, nothing is remembered or emitted again.
    type: int
  retry_after:
    description:
      - With O(daily_budget). Seconds between two emissions of a finding not investigated yet. Keep it longer than a
        playbook run takes to decide a batch (a finding whose run has not decided it yet would otherwise be emitted
        again); it also bounds how often a finding deferred for GuardDuty's quota is tried again (each try costs at
        most one refused CreateInvestigation for the whole batch).
    type: float
    default: 600
"""

EXAMPLES = r"""
- name: High-severity GuardDuty findings
  hosts: localhost
  sources:
    - secops.guardduty.findings:
        region: us-east-1
        min_severity: High
        interval: 30
  rules:
    - name: Investigate each high-severity finding once
      condition: event.type == "finding"
      throttle:
        once_within: 1 hour
        group_by_attributes:
          - event.finding.id
      action:
        debug:
          msg: "{{ event.finding.id }} {{ event.finding.type }} ({{ event.finding.severity }})"
"""

import os
import sys

# ansible-rulebook runs this file by path, outside Ansible's collection loader: after the paths Python has, the
# collections root that holds this file, then those of ANSIBLE_COLLECTIONS_PATH (amazon.aws may be in another)
sys.path.extend([os.path.abspath(os.path.join(__file__, *[os.pardir] * 8)), *os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)])
try:
    # main(queue, args), what ansible-rulebook calls: plugin_utils/event_sources.py
    from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import findings_main as main  # noqa: F401  pylint: disable=unused-import
except ImportError as error:
    raise ImportError(f"secops.guardduty.findings needs ansible-core, boto3 and botocore, and amazon.aws in ANSIBLE_COLLECTIONS_PATH: {error}") from error
