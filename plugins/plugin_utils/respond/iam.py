# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The least-privilege IAM policies of containment and disposition, made from what the engine and each action type
declare: docs/iam/contain-{plan,apply,rollback}.json and docs/iam/dispose-{plan,apply,rollback}.json. A unit test keeps
the files equal to this; tests/utils/iam_docs.py writes them.

plan is what every mode reads; apply and rollback are what they add to it. A statement of a regional service is
limited to the Region the policy is for (``aws:RequestedRegion``, REGION in the file); ACCOUNT_ID and REGION are
placeholders to replace.
"""

from __future__ import annotations

import json

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.common import REGIONAL
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import DISPOSE_TYPES
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES

MODES = ("plan", "apply", "rollback")
# what the engine itself calls, whatever the types: the investigation's read (as guardduty_investigation_info reads
# it) and the identity the credentials belong to; sts:AssumeRole is the administrator's (contain-admin-assume.json)
ENGINE = {
    "plan": [("ReadTheInvestigation", ["guardduty:ListDetectors", "guardduty:GetInvestigation", "guardduty:ListInvestigationRecords"], "*", None),
             ("CheckTheAccount", ["sts:GetCallerIdentity"], "*", None)],
    "apply": [],
    "rollback": [],
}
# the disposition's own reads: the investigation, on the detector of its Region (the findings' detector)
DISPOSE_ENGINE = {"plan": ENGINE["plan"][:1], "apply": [], "rollback": []}
# kind -> (the engine's statements, the action types): the file names are docs/iam/<kind>-<mode>.json
KINDS = {"contain": (ENGINE, TYPES), "dispose": (DISPOSE_ENGINE, DISPOSE_TYPES)}


def statements(mode, kind="contain"):
    """[(statement id, actions, resource, condition)] of ``mode``: the engine's, then each type's in the order of its
    registry (``kind``: contain or dispose); two types asking for one statement id are one statement (their actions
    joined)."""
    engine, types = KINDS[kind]
    merged = {}
    for sid, actions, resource, condition in engine[mode] + [s for t in types.values() for s in t.iam.get(mode, [])]:
        if sid in merged:
            merged[sid] = (sid, list(dict.fromkeys(merged[sid][1] + list(actions))), resource, condition)
        else:
            merged[sid] = (sid, list(actions), resource, condition)
    return list(merged.values())


def policy(mode, kind="contain"):
    """The IAM policy document of ``mode``."""
    found = []
    for sid, actions, resource, condition in statements(mode, kind):
        statement = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resource}
        if condition == REGIONAL:
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": "REGION"}}
        found.append(statement)
    return {"Version": "2012-10-17", "Statement": found}


def policy_text(mode, kind="contain"):
    """The file's text: indented JSON, a final newline."""
    return json.dumps(policy(mode, kind), indent=2) + "\n"


def actions(mode, kind="contain"):
    """Every IAM action ``mode`` needs (apply and rollback: with what plan reads)."""
    modes = ("plan",) if mode == "plan" else ("plan", mode)
    return {action for m in modes for _sid, acts, _resource, _condition in statements(m, kind) for action in acts}
