# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Options shared by every plugin that reads investigations (modules and the lookup).
    DOCUMENTATION = r"""
options:
  detector_id:
    description:
      - ID of the GuardDuty detector that owns the investigations.
      - When omitted, the detector is discovered with ListDetectors in the Region. Exactly one detector must exist
        there; with none or several the task fails and lists what it found.
    type: str
  summary_format:
    description:
      - Form of the investigation summary to fetch.
      - V(text) returns the service's text in C(summary). GuardDuty writes it as a JSON document encoded as a
        string; when it parses as JSON it is also returned parsed as C(summary_parsed).
      - V(structured) asks for the structured form and returns it as C(summary_data). When the service has no
        structured form for an investigation (or it is not COMPLETED yet), the text C(summary) is returned instead.
      - V(structured) needs botocore 1.44.2 or newer.
    type: str
    choices: [text, structured]
    default: text
  include_records:
    description:
      - Attach the investigation's reasoning records (every page of ListInvestigationRecords) as C(records).
      - GuardDuty keeps records only for COMPLETED investigations; others get an empty list without an API call.
      - Needs botocore 1.44.2 or newer.
    type: bool
    default: false
  record_types:
    description:
      - Only attach records of these types. Needs O(include_records=true).
    type: list
    elements: str
    choices: [observation, analysis, update, fetch, metadata]
  wait:
    description:
      - Wait until every selected investigation has left RUNNING (COMPLETED or FAILED).
      - The wait is bounded by O(wait_timeout). An investigation that is not found yet (right after it was
        started) is polled again for up to 30 seconds instead of failing at once; after that it counts as not found,
        so a mistyped id fails in seconds, not at the deadline.
      - Reading only, so check mode waits too.
    type: bool
    default: false
  wait_timeout:
    description:
      - How long to wait, in seconds, when O(wait=true). On timeout the task fails, names the investigations still
        RUNNING and the seconds waited, and returns their last state.
      - Investigations usually take about 5 to 15 minutes.
    type: int
    default: 900
  wait_sleep:
    description:
      - Seconds between two polls when O(wait=true). Must not exceed O(wait_timeout).
      - Several investigations are polled together, one ListInvestigations per round plus one
        GetInvestigation for each investigation that left RUNNING, so a wait costs about rounds + N calls.
        Without C(guardduty:ListInvestigations) each investigation is polled on its own (rounds x N calls).
      - The answer comes within about one O(wait_sleep) of the last investigation leaving RUNNING.
    type: int
    default: 15
  allow_failed:
    description:
      - With O(wait=true), an investigation that ends FAILED fails the task with the service's C(error) text
        (the data is still returned). Set this to V(true) to return FAILED investigations without failing.
    type: bool
    default: false
  concurrency:
    description:
      - How many investigations are fetched at the same time (GetInvestigation and ListInvestigationRecords calls
        in flight on one client).
      - From 1 to 32. N investigations take about ceil(N / concurrency) round trips on one client whose
        connections are reused. The default suits most accounts; raise it for hundreds of ids on a fast link.
      - Throttling is still retried with jittered backoff; lower this if the account is throttled often.
    type: int
    default: 8
"""
