# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Normalised investigations (as the modules return them) for the report tests: structured and text forms."""

from __future__ import annotations

import copy
import json

from ansible.module_utils.common.dict_transformations import snake_dict_to_camel_dict

FINDING_ID = "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
SCRIPT = "<script>alert(1)</script>"
JINJA = "{{ lookup('pipe', 'touch /tmp/secops-guardduty-report-unit-pwned') }}"


def _action(title, priority, tactic_uid="T1078.004", commands=None, resources=None):
    return {
        "title": title,
        "description": f"Do {title.lower()}.",
        "priority": priority,
        "defense_technique": "Credential Revocation",
        "mitigates": [tactic_uid],
        "cli_commands": commands or [],
        "disposition": "Access Revoked",
        "affected_resources": resources or [],
    }


def finding_summary():
    """summary_data of a FINDING investigation, actions deliberately out of priority order."""
    return {
        "finding_type": "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        "key_observations": {
            "title": "Instance credentials used from outside AWS",
            "narrative": "First paragraph.\n\nSecond paragraph.",
            "observations": ["198.51.100.23 is on a threat list.", "312 objects were read."],
        },
        "threat_assessment": {
            "attack_progression": [
                {
                    "phase": "Initial Access",
                    "description": "Credentials were used from 198.51.100.23.",
                    "attacks": [
                        {
                            "tactic": {"name": "Initial Access", "uid": "TA0001"},
                            "technique": {"name": "Valid Accounts: Cloud Accounts", "uid": "T1078.004"},
                            "findings": [{"finding_type": "UnauthorizedAccess:IAMUser/X", "uid": FINDING_ID}],
                        }
                    ],
                },
                {
                    "phase": "Collection",
                    "description": "Objects were read.",
                    "attacks": [{"tactic": {"name": "Collection", "uid": "TA0009"}, "technique": {"name": "Data from Cloud Storage", "uid": "T1530"}}],
                },
            ],
            "threat_actor_profile": "Opportunistic.",
        },
        "countermeasures": [
            {
                "defense_tactic": "Harden",
                "description": "Prevent a repeat.",
                "actions": [_action("Require IMDSv2", "STRATEGIC"), _action("Rotate keys", "SHORT_TERM")],
            },
            {
                "defense_tactic": "Evict",
                "description": "Invalidate the stolen session.",
                "actions": [
                    _action(
                        "Revoke sessions",
                        "IMMEDIATE",
                        commands=["aws iam put-role-policy --role-name web-app --policy-name Revoke --policy-document file://revoke.json"],
                        resources=[{"identifier": "web-app", "type": "IAM_ROLE", "arn": "arn:aws:iam::123456789012:role/web-app"}],
                    ),
                    _action(
                        "Quarantine the instance",
                        "IMMEDIATE",
                        tactic_uid="T1530",
                        resources=[{"identifier": "i-0abc", "type": "EC2_INSTANCE", "arn": "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"}],
                    ),
                ],
            },
        ],
    }


def account_summary():
    return {
        "key_observations": {"title": "Credential misuse in account 123456789012", "narrative": "47 findings.", "observations": ["Two roles."]},
        "account_analysis": {
            "findings_summary": {
                "total_findings": 47,
                "severity_breakdown": {"critical": 2, "high": 9, "medium": 21, "low": 12, "info": 3},
                "top_finding_types": [{"finding_type": "Recon:IAMUser/MaliciousIPCaller", "count": 5}],
                "by_time_window": [{"start_time": "2026-01-01T00:00:00+00:00", "end_time": "2026-01-31T00:00:00+00:00", "finding_count": 7}],
            },
            "tactic_coverage": [
                {
                    "phase": "Impact",
                    "finding_count": 6,
                    "finding_types": ["CryptoCurrency:EC2/BitcoinTool.B!DNS"],
                    "techniques": [{"technique": {"name": "Resource Hijacking", "uid": "T1496"}, "finding_count": 6}],
                }
            ],
            "affected_resources": [{"identifier": "build-bot", "type": "IAM_USER", "finding_count": 5}],
        },
        "recommendations": [
            {"title": "Require IMDSv2", "rationale": "SSRF.", "category": "HARDENING", "priority": "STRATEGIC", "cli_commands": ["aws ec2 x"]},
            {"title": "Review principals", "rationale": "Most findings.", "category": "FURTHER_INVESTIGATION", "priority": "IMMEDIATE", "cli_commands": []},
            {"title": "Enable Runtime Monitoring", "rationale": "Visibility.", "category": "ENABLE_PROTECTION", "priority": "SHORT_TERM"},
        ],
    }


def organization_summary():
    return {
        "key_observations": {"title": "Findings in 5 of 14 accounts", "narrative": "One member leads.", "observations": []},
        "organization_analysis": {
            "findings_summary": {
                "total_findings": 132,
                "total_account_count": 14,
                "affected_account_count": 5,
                "severity_breakdown": {"critical": 2, "high": 9, "medium": 106, "low": 12, "info": 3},
            },
            "account_breakdown": [{"account_id": "111122223333", "finding_count": 77}, {"account_id": "123456789012", "finding_count": 31}],
        },
        "recommendations": [{"title": "Enable Runtime Monitoring everywhere", "priority": "SHORT_TERM", "category": "ENABLE_PROTECTION"}],
    }


def records():
    return [
        {"record_id": "rec-0001", "type": "UPDATE", "title": "Investigation started", "narrative": "Started.", "created_at": "2026-01-15T11:50:00+00:00"},
        {
            "record_id": "rec-0002",
            "type": "ANALYSIS",
            "title": "Assessed 198.51.100.23",
            "created_at": "2026-01-15T11:51:00+00:00",
            "supporting_data": {"analysis": {"analysis_type": "REPUTATION", "indicators": [{"value": "198.51.100.23", "type": "IP"}]}},
        },
        {
            "record_id": "rec-0003",
            "type": "METADATA",
            "title": "Metadata",
            "created_at": "2026-01-15T11:55:00+00:00",
            "supporting_data": {"metadata": {"total_time_milliseconds": 300000}},
        },
    ]


def investigation(kind="FINDING", summary=None, **extra):
    """A COMPLETED investigation with a structured summary (``summary_data``), as the info module returns it."""
    scope = {"investigation_type": kind}
    scope.update({"FINDING": {"finding_id": FINDING_ID}, "ACCOUNT": {"account_id": "123456789012"}, "ORGANIZATION": {"admin_account_id": "123456789012"}}[kind])
    if kind != "FINDING":
        scope["query_time_window"] = {"start_time": "2025-10-17T11:50:00+00:00", "end_time": "2026-01-15T11:50:00+00:00"}
    default = {"FINDING": finding_summary, "ACCOUNT": account_summary, "ORGANIZATION": organization_summary}[kind]
    inv = {
        "investigation_id": "a1b2c3d4-5678-90ab-cdef-ef1234567890",
        "status": "COMPLETED",
        "trigger_prompt": f"Investigate finding {FINDING_ID}",
        "triggered_by": "123456789012",
        "risk_level": "High",
        "risk": "Credentials were used outside AWS.",
        "confidence": "Medium",
        "summary_data": summary if summary is not None else default(),
        "scope": scope,
        "cloud": {"provider": "AWS", "region": "us-east-1", "account": "123456789012"},
        "start_time": "2026-01-15T11:50:00+00:00",
        "end_time": "2026-01-15T11:55:00+00:00",
        "records": records(),
    }
    inv.update(extra)
    return inv


def as_text(inv):
    """The same investigation as the text summary GuardDuty sends: a JSON document with camelCase keys."""
    text = copy.deepcopy(inv)
    data = text.pop("summary_data")
    text["summary"] = json.dumps(snake_dict_to_camel_dict(data))
    text["summary_parsed"] = json.loads(text["summary"])
    return text
