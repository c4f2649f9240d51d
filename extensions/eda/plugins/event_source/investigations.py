# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
short_description: Amazon GuardDuty investigation state changes as events for ansible-rulebook
version_added: 0.2.0
description:
  - An ansible-rulebook event source that watches the investigations of one GuardDuty detector and puts one event on the
    queue per state change. GuardDuty sends no EventBridge event when an investigation completes; this source is how a
    rulebook reacts to a verdict.
  - 'Events: C({"type": "investigation_started" | "investigation_completed" | "investigation_failed", "investigation": {...},
    "detector_id": "...", "region": "..."}). C(investigation) is normalised exactly like the result of
    M(secops.guardduty.guardduty_investigation_info) (snake_case keys, ISO-8601 times, values untouched). A started event
    carries the listing summary; a completed or failed one the full investigation (one GetInvestigation, with the summary
    and the verdict).'
  - Each poll costs one ListInvestigations, newest first, read until every watched RUNNING investigation has been seen
    (usually one page, also with 50 RUNNING), plus one GetInvestigation per investigation that left RUNNING. Quiet polls
    cost the same however many investigations the detector has. The first poll reads the whole listing once (to find every
    RUNNING investigation). Memory holds the RUNNING ids and the ids that ended in the last minutes only.
  - Never two events for the same change of the same investigation in one run. An investigation that started and ended
    between two polls gives both events, started first.
  - Throttling, server errors, dropped connections and an endpoint that is down are retried with backoff (botocore's
    standard retries and the collection's AWSRetry), then logged; the source keeps running and asks again at the next
    poll, so no change is lost. A bad option, access denied, rejected credentials or a too old botocore stop the source
    with one message that says what to fix.
  - The investigation data is written by an AI from attacker-influenced logs; treat it as untrusted text in playbooks.
author:
  - secops.guardduty contributors (@secops)
extends_documentation_fragment:
  - secops.guardduty.event_source
requirements:
  - ansible-rulebook, with ansible-core, boto3 and botocore >= 1.43.35 in its Python (botocore >= 1.44.2 for O(filters)
    and O(summary_format=structured)).
  - The collections amazon.aws and secops.guardduty installed in a collections path (C(ANSIBLE_COLLECTIONS_PATH)).
  - "IAM: guardduty:ListDetectors (without O(detector_id)), guardduty:ListInvestigations, guardduty:GetInvestigation."
options:
  lookback:
    description:
      - Seconds. At start, also report the investigations that completed or failed within this many seconds before the
        start, once each, so that a restarted source loses no verdict.
      - V(0) reports only changes after the start.
    type: float
    default: 0
  filters:
    description:
      - Report only investigations that match. Same keys, values and validation as O(secops.guardduty.guardduty_investigation_info#module:filters)
        (V(status), V(risk_level), V(confidence), V(finding_id), V(investigation_type); a value or a list, any case).
      - Matched against each event's investigation. A started event has no verdict yet, so it matches only filters on
        V(status) and V(finding_id) (a finding id also matches the investigation's trigger prompt).
      - Changes that do not match still update the source's state; they are never reported later.
      - Needs botocore >= 1.44.2.
    type: dict
  summary_format:
    description:
      - Shape of the summary of completed investigations. V(text) is the API's JSON text, V(structured) the parsed
        structure (needs botocore >= 1.44.2).
    type: str
    choices: [text, structured]
    default: text
notes:
  - "Completed investigations with risk High or above, for example: C(condition: event.type == \"investigation_completed\"
    and event.investigation.risk_level in [\"High\", \"Critical\"])."
"""

EXAMPLES = r"""
- name: Verdicts of GuardDuty investigations
  hosts: localhost
  sources:
    - secops.guardduty.investigations:
        region: us-east-1
        interval: 30
        lookback: 3600
  rules:
    - name: Report a High or Critical verdict (the Markdown and HTML reports of the bundled playbook)
      condition: event.type == "investigation_completed" and event.investigation.risk_level in ["High", "Critical"]
      action:
        run_playbook:
          name: secops.guardduty.eda_report_investigation
          extra_vars:
            guardduty_report_dir: /var/lib/incident-reports
"""

import os
import sys

# ansible-rulebook runs this file by path, outside Ansible's collection loader: after the paths Python has, the
# collections root that holds this file, then those of ANSIBLE_COLLECTIONS_PATH (amazon.aws may be in another)
sys.path.extend([os.path.abspath(os.path.join(__file__, *[os.pardir] * 8)), *os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)])
try:
    # main(queue, args), what ansible-rulebook calls: plugin_utils/event_sources.py
    from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import investigations_main as main  # noqa: F401  pylint: disable=unused-import
except ImportError as error:
    raise ImportError(f"secops.guardduty.investigations needs ansible-core, boto3 and botocore, and amazon.aws in ANSIBLE_COLLECTIONS_PATH: {error}") from error
