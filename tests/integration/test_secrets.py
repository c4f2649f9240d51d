# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets: the suite's representative playbooks (info, lookup, start, failures) at -vvv, with distinctive dummy
credentials including a session token, never show the secret key or the session token - not in the output, not
in a task result (module arguments shown at -vvv are masked), not in any file the run writes, not to the API.
"""

from __future__ import annotations

import os

import pytest

from gdemu import scenarios as sc
from gdplay import HEADER
from gdplay import playbook
from gdplay import task
from reliability import CONN
from reliability import INFO
from reliability import LOOKUP
from reliability import RICH
from reliability import START
from reliability import debug

ACCESS_KEY = "AKIAGDSECRETSTESTKEY000000000000000000042"
SECRET_KEY = "gd-secret-test-SECRET-never-printed-3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"
SESSION_TOKEN = "gd-secret-test-TOKEN-never-printed-IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


FAILING = ("not found", "lookup fails", "start refused")  # plus "denied" and "unknown detector" in the full playbook


def _tasks(lookup_conn, full=True):
    """The representative playbook: info, lookup, start, their failures, and a result written to a file."""
    tasks = (
        task("get", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "include_records": RICH}, register="got")
        + task("not found", INFO, {"investigation_id": sc.MISSING_INV_ID}, ignore_errors=True)
        + debug("lookup", f"query('{LOOKUP}', '{sc.COMPLETED_INV_ID}', '{sc.TEXT_ONLY_INV_ID}', {lookup_conn})")
        + debug("lookup fails", f"lookup('{LOOKUP}', '{sc.DENIED_INV_ID}', {lookup_conn})", ignore_errors=True)
        + task("start", START, {"organization": True, "wait": True, "wait_sleep": 1, "wait_timeout": 30})
        + task("start refused", START, {"trigger_prompt": "x" * 2049}, ignore_errors=True)
        + task("write", "ansible.builtin.copy", {"content": "{{ got | to_nice_json }}", "dest": "{{ out_dir }}/result.json", "mode": "0600"})
    )
    if full:
        tasks += (
            task("list", INFO, {"sort_by": "start_time"})
            + task("denied", INFO, {"investigation_id": sc.DENIED_INV_ID}, ignore_errors=True)
            + task("unknown detector", INFO, {"investigation_id": sc.COMPLETED_INV_ID, "detector_id": "0" * 32}, ignore_errors=True)
            + debug("lookup missing", f"query('{LOOKUP}', '{sc.MISSING_INV_ID}', {lookup_conn}, on_missing='warn')")
            + task("start again", START, {"organization": True})
            + task("start in check mode", START, {"account_id": "444455556666"}, check_mode=True)
        )
    return tasks


def _explicit_credentials_play():
    """The same tasks with the credentials written into the play: module_defaults and lookup keyword arguments."""
    header = HEADER.replace(
        '      region: "{{ gd_region }}"\n',
        '      region: "{{ gd_region }}"\n'
        '      access_key: "{{ gd_access_key }}"\n'
        '      secret_key: "{{ gd_secret_key }}"\n'
        '      session_token: "{{ gd_session_token }}"\n',
    )
    conn = f"{CONN}, access_key=gd_access_key, secret_key=gd_secret_key, session_token=gd_session_token"
    body = playbook(_tasks(conn, full=False))[len(HEADER):]
    return header + body


def _files_under(root, skip):
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if path not in skip:
                yield path


@pytest.mark.parametrize("credentials", ["environment", "playbook"])
def test_no_secret_in_any_output(play, guardduty_emulator, tmp_path, credentials):
    data = sc.basic()
    data["create"] = {"running_for": 1}
    guardduty_emulator.load(data)
    out_dir = tmp_path / "written"
    out_dir.mkdir()
    home = tmp_path / "home"
    env = {
        "HOME": str(home),  # whatever Ansible keeps in ~/.ansible lands under tmp_path, and is searched too
        "ANSIBLE_LOG_PATH": str(tmp_path / "ansible.log"),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        # ansible-core 2.21 leaves the module arguments out of results unless asked; ask, they must be masked
        "ANSIBLE_INJECT_INVOCATION": "1",
        # Ansible's default: the module is written to a temp file, which is searched too
        "ANSIBLE_PIPELINING": "0",
    }
    extra = {"out_dir": str(out_dir)}
    if credentials == "environment":
        env.update(AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_SESSION_TOKEN=SESSION_TOKEN)
        text = playbook(_tasks(CONN))
    else:
        env.update(AWS_SECRET_ACCESS_KEY="", AWS_ACCESS_KEY_ID="")
        extra.update(gd_access_key=ACCESS_KEY, gd_secret_key=SECRET_KEY, gd_session_token=SESSION_TOKEN)
        text = _explicit_credentials_play()
    run = play(text, extra_vars=extra, args=["-vvv"], env=env)
    assert run.rc == 0, run

    # the credentials were really used: signed with the key id, the session token sent along
    assert {call["access_key_id"] for call in guardduty_emulator.calls()} == {ACCESS_KEY}
    assert guardduty_emulator.count("CreateInvestigation") == 1
    for name in FAILING + (("denied", "unknown detector") if credentials == "environment" else ()):
        assert run.task(name)["status"] == "failed", name
    # -vvv shows the module arguments, with the secrets masked (so the search below can find what -vvv prints)
    invocation = run.result("get")["invocation"]["module_args"]
    assert invocation["secret_key"] == MASK and invocation["session_token"] == MASK
    assert invocation["access_key"] == ACCESS_KEY
    assert ACCESS_KEY in run.stdout

    inputs = {str(path) for path in tmp_path.glob("playbook*.yml")}
    written = list(_files_under(tmp_path, inputs))
    for path in (tmp_path / "results.jsonl", tmp_path / "ansible.log", out_dir / "result.json"):
        assert str(path) in written  # the task results, Ansible's log, the copied result
    for secret in (SECRET_KEY, SESSION_TOKEN):
        assert secret not in run.stdout and secret not in run.stderr
        assert all(secret not in str(call) for call in guardduty_emulator.calls())
        for path in written:
            with open(path, "rb") as handle:
                assert secret.encode() not in handle.read(), path
