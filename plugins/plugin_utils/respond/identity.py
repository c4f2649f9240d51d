# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which identity the contain role acts as in a member account: ``assume_role_request``.

With ``contain_assume_role`` (an IAM role ARN template such as ``arn:aws:iam::{account_id}:role/SecOpsContainment``)
the role assumes, with amazon.aws.sts_assume_role, the role of the investigation's account, in a session named after
the investigation; everything it reads and changes in AWS then runs with those temporary credentials. This module
checks the template and the external id (values of the user, never of the investigation: ``{account_id}`` is replaced
by the investigation's account id, which ``investigation_resources`` checked to be 12 digits) and names the session.
The account of the identity the credentials belong to is checked afterwards, by ``containment_plan``, against the
investigation's (aws_caller_info with the assumed credentials).
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.module_utils.model import ACCOUNT_ID
from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name

PLACEHOLDER = "{account_id}"
SESSION_PREFIX = "secops-guardduty-"
# An IAM role ARN: a partition, no Region, 12 digits, role/, an optional path (/ separated, IAM's path characters but
# nothing that could be read as something else) and a role name (IAM: 1-64 of [\w+=,.@-]).
ROLE_ARN = re.compile(r"arn:aws(?:-cn|-us-gov|-iso|-iso-[a-z])?:iam::(\d{12}):role/((?:[\w+=,.@-]+/){0,20})([\w+=,.@-]{1,64})", re.ASCII)
# STS: RoleSessionName 2-64 of [\w+=,.@-]; ExternalId 2-1224 of [\w+=,.@:/-]
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_INVESTIGATION_ID = re.compile(r"[A-Za-z0-9-]{1,64}", re.ASCII)
_EXAMPLE = "arn:aws:iam::{account_id}:role/SecOpsContainment"


def session_name(investigation_id):
    """The RoleSessionName of the contain role for ``investigation_id`` (what CloudTrail shows as the session):
    ``secops-guardduty-<investigation id>``, cut at STS's 64 characters."""
    if not isinstance(investigation_id, str) or not _INVESTIGATION_ID.fullmatch(investigation_id):
        raise ContainError(f"The investigation id {investigation_id!r} cannot name a role session (expected a GuardDuty investigation id)")
    return (SESSION_PREFIX + investigation_id)[:64]


def role_arn(template, account_id):
    """``template`` with ``{account_id}`` replaced by ``account_id``; ContainError unless that is an IAM role ARN."""
    if not isinstance(template, str) or not template.strip():
        raise ContainError(f"contain_assume_role must be an IAM role ARN, such as {_EXAMPLE}; got {type_name(template)}")
    if not isinstance(account_id, str) or not ACCOUNT_ID.fullmatch(account_id):
        raise ContainError("The investigation names no account (cloud.account): there is no member account whose role to assume")
    arn = template.strip().replace(PLACEHOLDER, account_id)
    if not ROLE_ARN.fullmatch(arn):
        shown = template if len(template) <= 300 and template.isprintable() else repr(template[:300])
        raise ContainError(
            f"contain_assume_role is not an IAM role ARN once {PLACEHOLDER} is replaced by the investigation's account "
            f"{account_id}: {shown} (expected arn:aws:iam::<12 digits or {PLACEHOLDER}>:role/<optional path/><role name>, such as "
            f"{_EXAMPLE}; the only placeholder is {PLACEHOLDER}); nothing was read or changed"
        )
    return arn


def assume_role_request(found, template, external_id=None):
    """What amazon.aws.sts_assume_role gets for the investigation ``found`` (``investigation_resources``'): ``role_arn``
    (``template`` filled in), ``role_session_name`` and ``external_id`` (None when not given). ContainError with one
    message when the template, the external id or the investigation's account does not do."""
    if not isinstance(found, dict):
        raise ContainError(f"Expected what secops.guardduty.investigation_resources returns (a dict); got {type_name(found)}")
    arn = role_arn(template, found.get("account_id"))
    if external_id in (None, ""):
        external_id = None
    elif not isinstance(external_id, str) or not EXTERNAL_ID.fullmatch(external_id):
        raise ContainError("contain_external_id must be 2 to 1224 characters of letters, digits and _+=,.@:/- (the sts:ExternalId "
                           "of the role's trust policy); nothing was read or changed")
    return {"role_arn": arn, "role_session_name": session_name(found.get("investigation_id")), "external_id": external_id}


def acted_as(caller_arn, request=None):
    """Who acted, for the plan and the containment record: the caller's ARN (``aws_caller_info``), and with an assumed
    role its ARN and the session name. Never credentials."""
    identity = {"arn": caller_arn}
    if request:
        identity.update(assumed_role=request["role_arn"], session_name=request["role_session_name"])
    return identity
