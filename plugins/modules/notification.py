#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: notification
version_added: 0.3.0
short_description: Tell Jira, Slack, Teams, PagerDuty, mail and webhooks an investigation's state, once
description:
  - What the P(secops.guardduty.notify#role) role runs, in one task. Use the role; this action is its engine, and its
    options are the role's variables without the C(notify_) prefix (the role's documentation describes each channel
    type and option).
  - For each channel of O(channels) it decides, under a lock of the investigation's state file in O(state_dir), whether
    the investigation's current state (status, risk level, confidence, and the containment and disposition status when
    given) reaches the channel's C(min_risk) and was not sent to it before, then sends it - Slack, Teams, PagerDuty and
    webhooks with M(ansible.builtin.uri), Jira with M(community.general.jira), mail with M(community.general.mail), run
    on the task's host - and keeps what it sent in the state file at once.
  - HTTP 429 and 5xx answers (and a mail server's temporary refusals) are retried up to O(retries) times with
    exponential backoff from O(retry_delay), honouring a Retry-After header up to O(retry_max_delay).
  - A channel that fails does not stop the others. The task then fails naming the failed channels, or with
    O(on_error=warn) warns.
  - Every text an investigation or an attacker could have written is escaped for its channel, and no secret of a channel
    is ever in the task's result, its warnings or its messages, at any verbosity; the modules it runs are told not to log
    their arguments on the host.
author:
  - secops.guardduty contributors (@secops)
options:
  investigation:
    description:
      - The investigation, as M(secops.guardduty.guardduty_investigation_info) or the
        P(secops.guardduty.guardduty_investigation#lookup) lookup returns it, or the info module's registered result
        holding one.
    type: raw
    required: true
  channels:
    description:
      - The channels, each a dict with C(type) (V(jira), V(slack), V(teams), V(pagerduty), V(email), V(webhook)) and its
        options, as the role's C(notify_channels).
    type: list
    elements: raw
    required: true
  containment:
    description:
      - The containment to tell (the contain role's C(contain_result), or a dict with C(status)), as the role's
        C(notify_containment).
    type: raw
  disposition:
    description:
      - The disposition to tell (a dict with C(status)), as the role's C(notify_disposition).
    type: raw
  report:
    description:
      - Where the report is (a path or URL, or a list of them), as the role's C(notify_report).
    type: raw
  state_dir:
    description:
      - The directory on the controller that keeps what each channel was told (C(<investigation id>.json), mode 0600;
        created with mode 0700).
    type: path
    required: true
  on_error:
    description:
      - V(fail) fails the task when a channel failed (after trying every channel); V(warn) warns instead.
    type: str
    choices: [fail, warn]
    default: fail
  retries:
    description:
      - Retries of a request answered with HTTP 429 or 5xx (or a temporary refusal of the mail server).
    type: int
    default: 3
  retry_delay:
    description:
      - Seconds before the first retry; each further retry waits twice as long (with jitter), unless the answer says
        Retry-After.
    type: float
    default: 2.0
  retry_max_delay:
    description:
      - The longest wait before a retry. A Retry-After asking for longer ends the retries, saying so.
    type: float
    default: 60.0
  timeout:
    description:
      - Seconds each request may take.
    type: int
    default: 10
attributes:
  check_mode:
    support: full
    description: Decides for each channel what would be sent, and sends and writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - This is an action plugin. It decides on the controller, where the state directory is, and runs
    M(ansible.builtin.uri), M(community.general.jira) and M(community.general.mail) on the task's host (C(localhost)
    in the collection's playbooks).
  - Requires the community.general collection for Jira and mail channels.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Tell the on-call channels (the notify role does this, reading the investigation first when given an id)
  secops.guardduty.notification:
    investigation: "{{ info.investigation }}"
    channels:
      - type: slack
        name: soc
        webhook_url: "{{ slack_webhook_url }}"
      - type: pagerduty
        routing_key: "{{ pagerduty_routing_key }}"
    state_dir: ~/.ansible/secops-guardduty/notify-state
  register: told
"""

RETURN = r"""
investigation_id:
  description: The investigation.
  returned: success
  type: str
  sample: a1b2c3d4-5678-90ab-cdef-ef1234567890
state:
  description: The state told (status, risk level, confidence, containment and disposition status).
  returned: success
  type: dict
  sample: {"status": "COMPLETED", "risk_level": "High", "confidence": "High", "containment": null, "disposition": null}
fingerprint:
  description: A short name of that state (12 hexadecimal digits), the same on every runner.
  returned: success
  type: str
  sample: 3f9a1c7e5b2d
resolved:
  description: Whether the containment or the disposition says the matter is resolved (PagerDuty resolves).
  returned: success
  type: bool
  sample: false
state_file:
  description: The state file of the investigation on the controller.
  returned: success
  type: str
  sample: /home/ops/.ansible/secops-guardduty/notify-state/a1b2c3d4-5678-90ab-cdef-ef1234567890.json
channels:
  description:
    - Each channel's outcome, in the order given. C(outcome) is V(sent), V(unchanged) (this state was sent before, by
      this controller or, for Jira, by another runner), V(skipped) (below its C(min_risk)), V(would_send) (check mode)
      or V(failed); C(action) is what was done (V(created), V(commented), V(posted), V(triggered), V(resolved),
      V(mailed)); C(reason) says why or what the service answered; C(change) is V(new) or V(update), with C(changes);
      C(attempts), C(status) (the last HTTP or SMTP status), C(issue_key) (Jira) and C(dedup_key) (PagerDuty) where
      they apply. C(channel) shows where it went, without secrets.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "soc", "type": "slack", "outcome": "sent", "action": "posted", "change": "new", "changes": [],
            "attempts": 1, "status": 200, "reason": "HTTP 200: ok", "sent_at": "2026-07-01T03:12:09Z",
            "channel": {"type": "slack", "name": "soc", "min_risk": "Info"}}]
counts:
  description: How many channels were sent, unchanged, skipped, would_send and failed.
  returned: success
  type: dict
  sample: {"sent": 2, "unchanged": 1, "skipped": 1, "would_send": 0, "failed": 0}
failed_channels:
  description: The channels that failed, as C(<type>:<name>).
  returned: success
  type: list
  elements: str
  sample: ["teams:teams"]
"""
