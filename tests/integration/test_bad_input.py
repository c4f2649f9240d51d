# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input through every face, in real playbooks: one exact message each, no traceback, and no API call at all
when the input is provably wrong. The full table of messages is unit-tested in
tests/unit/plugins/module_utils/test_bad_input.py; here each kind of mistake goes through the module, the lookup
or the start module once, as a user makes it.
"""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import task
from reliability import CONN
from reliability import FAST
from reliability import INFO
from reliability import LOOKUP
from reliability import NO_TRACEBACK
from reliability import RICH
from reliability import START
from reliability import debug

ID_RULE = r"it must be matching [a-fA-F0-9\-]+; a valid id looks like a1b2c3d4-5678-90ab-cdef-ef1234567890"
FILTERS_NEED_SDK = "Failed to import the required Python library (botocore>=1.44.2)"

# task name -> (module, arguments, the message the task fails with)
MODULE_CASES = {
    "malformed id": (INFO, {"investigation_id": "not/an-id"}, f"Invalid investigation id 'not/an-id': {ID_RULE}"),
    "overlong id": (INFO, {"investigation_id": "a" * 65}, f"Invalid investigation id '{'a' * 65}': it must be at most 64 characters"),
    "empty id list": (INFO, {"investigation_ids": []}, "No investigation id was given: give at least one (investigation_ids, or the lookup's terms)"),
    "unknown filter key": (
        INFO,
        {"filters": {"severity": "high"}},
        "Unknown key 'severity' in filters; valid keys are: status, risk_level, confidence, finding_id, investigation_type",
    ),
    "unknown filter value": (INFO, {"filters": {"status": "done"}}, "Invalid value 'done' for filters.status; valid values are: RUNNING, COMPLETED, FAILED"),
    "zero wait_timeout": (
        INFO,
        {"investigation_id": sc.RUNNING_INV_ID, "wait": True, "wait_timeout": 0},
        "wait_timeout must be a positive number of seconds, got 0",
    ),
    "negative wait_sleep": (
        INFO,
        {"investigation_id": sc.RUNNING_INV_ID, "wait": True, "wait_sleep": -1},
        "wait_sleep must be a positive number of seconds, got -1",
    ),
    "wait_sleep over wait_timeout": (
        INFO,
        {"investigation_id": sc.RUNNING_INV_ID, "wait": True, "wait_sleep": 30, "wait_timeout": 10},
        "wait_sleep (30) is longer than wait_timeout (10): the wait would end before the first poll; lower wait_sleep or raise wait_timeout",
    ),
    "two prompt forms": (
        START,
        {"finding_id": sc.DEMO_FINDING_ID, "trigger_prompt": "Investigate this"},
        "Give exactly one of finding_id, account_id, organization=true or trigger_prompt; got finding_id and trigger_prompt. "
        "To ask about a finding in a given account, write the whole question in trigger_prompt",
    ),
    "prompt over 2048 characters": (
        START,
        {"trigger_prompt": "Analyze findings in my organization " + "x" * 2013},
        "trigger_prompt is 2049 characters long; GuardDuty accepts 1 to 2048. Shorten it",
    ),
}

# task name -> (lookup expression, the message quoted in the task's failure)
LOOKUP_CASES = {
    "lookup malformed id": (f"lookup('{LOOKUP}', 'zz top', {CONN})", f"Invalid investigation id 'zz top': {ID_RULE}"),
    "lookup without ids": (f"query('{LOOKUP}', *[], {CONN})", "No investigation id was given: give at least one (investigation_ids, or the lookup's terms)"),
    "lookup negative wait_timeout": (
        f"lookup('{LOOKUP}', '{sc.RUNNING_INV_ID}', {CONN}, wait=true, wait_timeout=-5)",
        "wait_timeout must be a positive number of seconds, got -5",
    ),
    "lookup wait_sleep over wait_timeout": (
        f"lookup('{LOOKUP}', '{sc.RUNNING_INV_ID}', {CONN}, wait=true, wait_sleep=60, wait_timeout=5)",
        "wait_sleep (60) is longer than wait_timeout (5): the wait would end before the first poll; lower wait_sleep or raise wait_timeout",
    ),
}


def _assert_failed_cleanly(run, name, message, quoted=False, answered=False):
    """Failed with the message; a task whose input was refused before any call carries no exception at all,
    one GuardDuty answered keeps the service's error details (amazon.aws style) but shows no traceback."""
    assert run.task(name)["status"] == "failed", (name, run.result(name))
    msg = run.result(name)["msg"]
    assert (message in msg) if quoted else msg.startswith(message), (name, msg)
    assert NO_TRACEBACK not in msg
    if not answered:
        assert "exception" not in run.result(name), name


def test_provably_wrong_input_fails_with_its_message_and_no_call(play, guardduty_emulator):
    tasks = "".join(task(name, module, args, ignore_errors=True) for name, (module, args, _msg) in MODULE_CASES.items())
    tasks += "".join(debug(name, expr, ignore_errors=True) for name, (expr, _msg) in LOOKUP_CASES.items())
    run = play(playbook(tasks), env=FAST)
    assert run.rc == 0, run
    for name, (_module, args, message) in MODULE_CASES.items():
        if not RICH and ("filters" in args or "exclude_filters" in args):
            message = FILTERS_NEED_SDK  # the version check comes first on an old botocore
        _assert_failed_cleanly(run, name, message)
    for name, (_expr, message) in LOOKUP_CASES.items():
        _assert_failed_cleanly(run, name, message, quoted=True)
    assert NO_TRACEBACK not in run.stdout + run.stderr
    assert guardduty_emulator.count() == 0, guardduty_emulator.calls()


def test_unknown_detector_is_named_with_what_to_do(play, guardduty_emulator):
    # a well-formed detector id this account does not own: GuardDuty answers 400 BadRequestException
    other = "0" * 32
    fix = (
        f"detector {other} is not a detector of this account in us-east-1. Check detector_id and the region "
        "(a detector belongs to one account and Region), or leave detector_id out to use the Region's only detector"
    )
    run = play(
        playbook(
            task("get", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "detector_id": other}, ignore_errors=True)
            + task("list", INFO, {"detector_id": other}, ignore_errors=True)
            + debug("lookup", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', {CONN}, detector_id='{other}')", ignore_errors=True)
            + task("start", START, {"organization": True, "detector_id": other}, ignore_errors=True)
        ),
        env=FAST,
    )
    assert run.rc == 0, run
    _assert_failed_cleanly(run, "get", f"GuardDuty rejected GetInvestigation for investigation {sc.COMPLETED_INV_ID}: {fix}", answered=True)
    _assert_failed_cleanly(run, "list", f"GuardDuty rejected ListInvestigations for investigations: {fix}", answered=True)
    _assert_failed_cleanly(run, "lookup", f"GuardDuty rejected GetInvestigation for investigation {sc.COMPLETED_INV_ID}: {fix}", quoted=True, answered=True)
    _assert_failed_cleanly(run, "start", f"GuardDuty rejected ListInvestigations for investigations: {fix}", answered=True)
    assert NO_TRACEBACK not in run.stdout + run.stderr
    assert run.result("get")["error"]["code"] == "BadRequestException"  # the service's answer stays in the result
    assert guardduty_emulator.created() == []
    assert {call["status"] for call in guardduty_emulator.calls()} == {400}


# No credentials anywhere botocore looks: no AWS_* variables, no ~/.aws files, no instance metadata.
NO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true",
}
HOW_TO_PROVIDE = (
    "Provide them in one of the ways amazon.aws reads: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment "
    "variables (plus AWS_SESSION_TOKEN for temporary credentials) or AWS_PROFILE naming a profile in ~/.aws; "
    "the access_key and secret_key (and session_token) options or the profile option; an instance profile or "
    'task/pod role where the task runs; in AWX or Automation Platform, an "Amazon Web Services" credential on the '
    "job template"
)


def test_missing_credentials_say_how_to_provide_them_and_nothing_is_sent(play, guardduty_emulator):
    where = f"on detector {sc.DETECTOR_ID} in us-east-1"
    run = play(
        playbook(
            task("get", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "detector_id": sc.DETECTOR_ID}, ignore_errors=True)
            + task("list", INFO, {}, ignore_errors=True)
            + debug("lookup", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', {CONN}, detector_id='{sc.DETECTOR_ID}')", ignore_errors=True)
            + task("start", START, {"organization": True, "detector_id": sc.DETECTOR_ID}, ignore_errors=True)
        ),
        env=dict(FAST, **NO_CREDENTIALS),
    )
    assert run.rc == 0, run
    nothing = "No AWS credentials were found, so nothing was sent to call"
    _assert_failed_cleanly(run, "get", f"{nothing} GetInvestigation for investigation {sc.COMPLETED_INV_ID} {where}. {HOW_TO_PROVIDE}")
    _assert_failed_cleanly(run, "list", f"{nothing} ListDetectors for detectors on this account in us-east-1. {HOW_TO_PROVIDE}")
    _assert_failed_cleanly(
        run, "lookup", f"{nothing} GetInvestigation for investigation {sc.COMPLETED_INV_ID} {where}. {HOW_TO_PROVIDE}", quoted=True
    )
    _assert_failed_cleanly(run, "start", f"{nothing} ListInvestigations for investigations {where}. {HOW_TO_PROVIDE}")
    for name in ("get", "list", "lookup", "start"):
        assert "retries exhausted" not in run.result(name)["msg"], name
    assert NO_TRACEBACK not in run.stdout + run.stderr
    assert guardduty_emulator.count() == 0, guardduty_emulator.calls()


def test_lookup_without_region_says_module_defaults_do_not_reach_it(play, guardduty_emulator):
    # the play's module_defaults give the modules a Region (so "get" works); the lookup is not given one
    run = play(
        playbook(
            task("get", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "detector_id": sc.DETECTOR_ID})
            + debug("lookup", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', endpoint_url=gd_endpoint)", ignore_errors=True)
            + debug("lookup with aws_region", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', endpoint_url=gd_endpoint, aws_region=gd_region).status")
        ),
        env=dict(FAST, AWS_REGION=None, AWS_CONFIG_FILE="/dev/null"),
    )
    assert run.rc == 0, run
    assert run.result("get")["investigation"]["investigation_id"] == sc.COMPLETED_INV_ID
    _assert_failed_cleanly(
        run,
        "lookup",
        "The secops.guardduty.guardduty_investigation lookup needs a Region and found none. Lookups run on the controller "
        "and do not take module_defaults (not even group/aws): pass the Region to the lookup itself (region='us-east-1', "
        "or its alias aws_region=...), or set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile's ~/.aws/config "
        "section) in the environment ansible-playbook runs in",
        quoted=True,
    )
    assert run.result("lookup with aws_region")["msg"] == "COMPLETED"
    assert NO_TRACEBACK not in run.stdout + run.stderr
