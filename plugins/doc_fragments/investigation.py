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

    # Options of the plugins that read many Regions in one call (guardduty_investigation_info and the lookup):
    # secops.guardduty.investigation.regions
    REGIONS = r"""
options:
  regions:
    description:
      - Read these Regions in one call, concurrently (one client per Region, each with the collection's retries), the
        detector found in each Region as without this option. A list of Region names, or V(all) for the Regions where
        the investigation API answers (us-east-1, us-east-2, us-west-2, ca-central-1, eu-central-1, eu-west-1,
        eu-west-2, eu-west-3, eu-north-1, ap-northeast-1). A Region outside those gets a warning.
      - Every name must be a Region of an AWS partition as botocore knows them; any other (a typo such as
        C(eu-wset-1)) fails the task before any call, naming the nearest Regions (C(did you mean eu-west-1?)).
      - Mutually exclusive with a O(region) given in the task, its C(module_defaults) or the lookup's arguments; a
        Region that only comes from E(AWS_REGION), E(AWS_DEFAULT_REGION) or the profile does not conflict (this
        option wins). A module cannot tell a O(region) equal to E(AWS_REGION) or E(AWS_DEFAULT_REGION) from that
        variable, so such a value counts as the environment's. In a play whose C(module_defaults) set O(region), set
        O(region) to an empty string in the task.
      - Cannot be combined with O(detector_id) (a detector belongs to one Region).
      - Every investigation returned carries C(region) (the Region it was read in) and C(account_id).
      - Ids are looked for in every Region (one GetInvestigation per id and Region); an id found in none is not found
        (with O(wait=true) it is not polled for 30 seconds as in one Region).
      - Waiting (O(wait=true)) waits in every Region at once, with the same batched rounds per Region as in one.
      - Without this option, one Region is read as before and nothing about the result changes.
    type: list
    elements: str
  on_region_error:
    description:
      - What to do when a Region of O(regions) cannot be read (no detector, AI analysis not enabled, access denied,
        no answer after the retries, ...). The other Regions are returned either way, and each failed Region is
        reported in C(region_errors) (module) with its C(region), C(reason) and a C(message) saying what to do.
      - V(warn) gives one warning per failed Region. V(fail) fails the task, naming every failed Region (the other
        Regions' investigations and C(region_errors) are still in the module's result).
      - When no Region could be read at all, the task fails with each Region's reason whatever this option says (an
        empty result would let a runbook carry on with nothing).
      - Only with O(regions).
    type: str
    choices: [warn, fail]
    default: warn
"""

    # The input of the filters that take an investigation (investigation_markdown, investigation_html,
    # investigation_report_data, investigation_resources): secops.guardduty.investigation.filter_input
    FILTER_INPUT = r"""
options:
  _input:
    description:
      - An investigation as returned by M(secops.guardduty.guardduty_investigation_info) (C(investigation) or an
        element of C(investigations)), M(secops.guardduty.guardduty_investigation) (C(investigation)) or the
        P(secops.guardduty.guardduty_investigation#lookup) lookup.
      - A registered result of one of those modules that holds exactly one investigation is accepted too.
      - Fetched with O(secops.guardduty.guardduty_investigation_info#module:summary_format=structured) and
        O(secops.guardduty.guardduty_investigation_info#module:include_records=true) it gives the most (the structured
        summary and the reasoning records); text summaries holding JSON work alike.
    type: dict
    required: true
"""
