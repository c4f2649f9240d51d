# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers of the reliability tests (fault matrix, bad input, hostile data, secrets, IAM, compatibility)."""

from __future__ import annotations

import json
import re

import botocore
import botocore.loaders
import botocore.session

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from gdplay import task

LOOKUP = "secops.guardduty.guardduty_investigation"
INFO = "secops.guardduty.guardduty_investigation_info"
START = "secops.guardduty.guardduty_investigation"
CONN = "endpoint_url=gd_endpoint, region=gd_region"

# summary_format=structured, include_records and filters need botocore 1.44.2; the playbooks run on the test's botocore
BOTOCORE = tuple(int(part) for part in botocore.__version__.split(".")[:3])
RICH = BOTOCORE >= (1, 44, 2)

NO_TRACEBACK = "Traceback (most recent call last)"

# Pipelining sends each module over stdin instead of a temporary file: the same run, about a quarter faster here.
# (test_secrets.py keeps Ansible's default, so the files a default run writes are searched too.)
FAST = {"ANSIBLE_PIPELINING": "1"}


def faults(name, **config):
    """A task that replaces the emulator's faults (its control plane; no signature, never logged as an API call)."""
    return task(
        name,
        "ansible.builtin.uri",
        {"url": "{{ gd_endpoint }}/_emulator/faults", "method": "POST", "body_format": "json", "body": config},
    )


def phase_key(phase):
    """A distinct access key id per phase, so the emulator's request log tells the phases apart."""
    return "AKIAGDPHASE" + re.sub(r"[^A-Z0-9]", "", phase.upper())[:20].ljust(20, "0")


def debug(name, expression, **extra):
    return task(name, "ansible.builtin.debug", {"msg": "{{ " + expression + " }}"}, **extra)


def plugin_client(emulator):
    """A botocore client on the emulator that knows only the installed botocore's own model, like the plugins' client.

    (scripts/test-matrix points AWS_DATA_PATH at the newest model so the emulator serves today's API; the playbooks
    do not see it, and neither does this client.)
    """
    session = botocore.session.Session()
    session.register_component("data_loader", botocore.loaders.create_loader())
    return session.create_client(
        "guardduty",
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAGDRELIABILITYCLIENT00000000001",
        aws_secret_access_key="gd-reliability-client-secret-that-never-occurs-in-data-01",
    )


def as_returned(raw):
    """What the plugins return for botocore data: snake_case keys, ISO-8601 times, every value untouched.

    Computed here with ansible-core's own key conversion, independently of the collection's code.
    """
    raw = dict(raw)
    raw.pop("ResponseMetadata", None)
    data = camel_dict_to_snake_dict(json.loads(json.dumps(raw, default=lambda value: value.isoformat())))
    # the account the investigation is of: GetInvestigation names it only in Cloud.Account, the plugins return it as
    # account_id too (as the listing's AccountId)
    account = data.get("cloud", {}).get("account") if isinstance(data.get("cloud"), dict) else None
    if "account_id" not in data and isinstance(account, str) and account:
        data["account_id"] = account
    summary = data.get("summary")
    if isinstance(summary, str) and summary.lstrip()[:1] in ("{", "["):
        try:
            data["summary_parsed"] = json.loads(summary)
        except ValueError:
            pass
    return data


def boto_investigation(client, detector_id, investigation_id, structured=False, records=False):
    """One investigation as botocore itself parses the emulator's answer, in the plugins' shape."""
    params = {"DetectorId": detector_id, "InvestigationId": investigation_id}
    if structured:
        params["SummaryFormat"] = "STRUCTURED"
    item = as_returned(client.get_investigation(**params)["Investigation"])
    if records:
        item["records"] = []
        if item["status"] == "COMPLETED":
            pages = client.get_paginator("list_investigation_records").paginate(DetectorId=detector_id, InvestigationId=investigation_id)
            item["records"] = [as_returned(record) for page in pages for record in page["Records"]]
    return item


def boto_listing(client, detector_id, **params):
    pages = client.get_paginator("list_investigations").paginate(DetectorId=detector_id, **params)
    return [as_returned(summary) for page in pages for summary in page["Investigations"]]


def statuses(calls):
    return [call["status"] for call in calls]
