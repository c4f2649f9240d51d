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
requirements:
  - ansible-rulebook, with ansible-core, boto3 and botocore >= 1.43.35 in its Python (botocore >= 1.44.2 for O(filters)
    and O(summary_format=structured)).
  - The collections amazon.aws and secops.guardduty installed in a collections path (C(ANSIBLE_COLLECTIONS_PATH)).
  - "IAM: guardduty:ListDetectors (without O(detector_id)), guardduty:ListInvestigations, guardduty:GetInvestigation."
options:
  detector_id:
    description:
      - The detector whose investigations are watched.
      - When absent, the only detector of the Region is used; with none or several the source stops and says so.
    type: str
  interval:
    description:
      - Seconds between the starts of two polls. A change is reported at most about O(interval) seconds after it happened.
    type: float
    default: 30
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
  regions:
    description:
      - Watch these Regions with one source and one event stream. A list of Region names (or one string with commas), or
        V(all) for the Regions where the investigation API answers (us-east-1, us-east-2, us-west-2, ca-central-1,
        eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-north-1, ap-northeast-1).
      - Each Region has its own client (the collection's retries in each), its own detector (the only one in the Region)
        and its own state, so each change is reported once, with the Region in the event's C(region). The Regions are
        polled concurrently; a quiet poll is one ListInvestigations per Region.
      - A Region that fails (no detector, AI analysis not enabled, access denied, no answer after the retries) is logged
        with its Region and reason and tried again at every poll while the other Regions go on; the source stops only
        when every Region fails for a reason no retry fixes.
      - Mutually exclusive with O(region) given as a source argument; a Region that only comes from E(AWS_REGION),
        E(AWS_DEFAULT_REGION) or the profile does not conflict (this option wins). Cannot be combined with O(detector_id).
    type: list
    elements: str
  region:
    description:
      - The AWS Region. The C(AWS_REGION) or C(AWS_DEFAULT_REGION) environment variables, or the profile's Region, when absent.
      - Without O(regions), the one Region watched.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL to use instead of the default AWS endpoint (the C(AWS_URL) environment variable when absent; empty means the default).
    type: str
    aliases: [aws_endpoint_url]
  profile:
    description:
      - A named AWS profile (the C(AWS_PROFILE) or C(AWS_DEFAULT_PROFILE) environment variables when absent). Cannot be
        combined with O(access_key), O(secret_key) or O(session_token).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key ID (C(AWS_ACCESS_KEY_ID) when absent). Without keys or profile, boto3's credential chain is used
        (environment, shared files, instance or task role).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key (C(AWS_SECRET_ACCESS_KEY) when absent).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - AWS session token for temporary credentials (C(AWS_SESSION_TOKEN) when absent).
    type: str
    aliases: [aws_session_token]
  validate_certs:
    description:
      - Whether to verify the endpoint's TLS certificate.
    type: bool
    default: true
  aws_ca_bundle:
    description:
      - CA bundle to verify the endpoint with (C(AWS_CA_BUNDLE) when absent).
    type: path
  aws_config:
    description:
      - botocore client configuration (for example C(retries) or C(read_timeout)); it overrides the source's defaults.
    type: dict
notes:
  - The source ends with one error message (a GuardDutyError) on a fatal problem; ansible-rulebook reports it and shuts down.
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
    - name: High-risk verdict
      condition: event.type == "investigation_completed" and event.investigation.risk_level in ["High", "Critical"]
      action:
        debug:
          msg: "{{ event.investigation.investigation_id }}: {{ event.investigation.risk_level }}"
"""

import os
import sys

try:
    from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import INVESTIGATIONS
    from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import run_source
except ImportError:
    # ansible-rulebook loads this file by path: make the collections roots importable (this file's, then
    # ANSIBLE_COLLECTIONS_PATH's), then try again.
    _ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), *[os.pardir] * 7))
    for _path in reversed([_ROOT] + os.environ.get("ANSIBLE_COLLECTIONS_PATH", os.environ.get("ANSIBLE_COLLECTIONS_PATHS", "")).split(os.pathsep)):
        if _path and os.path.isdir(os.path.join(_path, "ansible_collections")) and _path not in sys.path:
            sys.path.insert(0, _path)
    try:
        from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import INVESTIGATIONS
        from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import run_source
    except ImportError as _error:
        IMPORT_ERROR = _error
    else:
        IMPORT_ERROR = None
else:
    IMPORT_ERROR = None


async def main(queue, args):
    """Put one event per investigation state change on ``queue`` until cancelled."""
    if IMPORT_ERROR is not None:
        raise ImportError(
            "secops.guardduty.investigations needs ansible-core, boto3 and botocore in ansible-rulebook's Python and the "
            f"amazon.aws and secops.guardduty collections in ANSIBLE_COLLECTIONS_PATH: {IMPORT_ERROR}"
        )
    await run_source(INVESTIGATIONS, queue, args)
