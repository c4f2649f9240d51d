# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Integration harness: real ansible-playbook runs of the collection against the bundled GuardDuty emulator.

Needs ANSIBLE_COLLECTIONS_PATH pointing at a collections root that holds secops.guardduty and amazon.aws
(scripts/test sets it up). Each test gets its own emulator; ``play`` runs a playbook and returns its task results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulator"))

from gdemu.pytest_plugin import guardduty_emulator  # noqa: F401,E402  pylint: disable=unused-import,wrong-import-position

# Long dummy credentials: no_log masks them in results, so they must not occur in any data.
ACCESS_KEY = "AKIAGDINTEGRATIONTESTKEY0000000000000001"
SECRET_KEY = "gd-integration-secret-key-that-never-occurs-in-data-0123456789"
SESSION_TOKEN = "gd-integration-session-token-that-never-occurs-in-data-9876543210"
REGION = "us-east-1"


class PlayResult:
    """Outcome of one ansible-playbook run: return code, output and the recorded task results."""

    def __init__(self, rc, stdout, stderr, tasks):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.tasks = tasks

    def task(self, name):
        """The (last) result of the task called ``name``."""
        found = [t for t in self.tasks if t["task"] == name]
        if not found:
            raise AssertionError(f"task {name!r} did not run; ran: {[t['task'] for t in self.tasks]}\n{self.stdout}\n{self.stderr}")
        return found[-1]

    def result(self, name):
        return self.task(name)["result"]

    def __repr__(self):
        # the failed tasks first: pytest shortens a long assertion message in the middle, where the failure usually is
        failed = [f"{t['task']}: {t['result'].get('msg')}" for t in self.tasks if t.get("status") == "failed"]
        return f"PlayResult(rc={self.rc}, failed tasks: {failed})\nSTDOUT:\n{self.stdout}\nSTDERR:\n{self.stderr}"


def ansible_env(tmp_path, extra=None):
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("AWS_"):
            del env[key]
    env.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_PIPELINING": "1",  # a quarter faster; the secrets test turns it off again
            "GD_RESULTS_FILE": str(tmp_path / "results.jsonl"),
        }
    )
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)  # None takes a variable out, e.g. the credentials or the Region set above
        else:
            env[key] = value
    return env


@pytest.fixture
def play(tmp_path, guardduty_emulator):  # pylint: disable=redefined-outer-name
    """play(yaml_text, extra_vars=None, check=False, args=(), env=None) -> PlayResult.

    The playbook runs on localhost; ``gd_endpoint`` (the emulator's URL) and ``gd_region`` are extra vars.
    """

    counter = {"n": 0}

    def run(playbook, extra_vars=None, check=False, args=(), env=None, timeout=600):
        counter["n"] += 1
        path = tmp_path / f"playbook{counter['n']}.yml"
        path.write_text(textwrap.dedent(playbook))
        results = tmp_path / "results.jsonl"
        if results.exists():
            results.unlink()
        variables = {"gd_endpoint": guardduty_emulator.url, "gd_region": REGION}
        variables.update(extra_vars or {})
        cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(path), "-e", json.dumps(variables)]
        if check:
            cmd.append("--check")
        cmd.extend(args)
        proc = subprocess.run(cmd, env=ansible_env(tmp_path, env), capture_output=True, text=True, timeout=timeout, check=False)
        tasks = []
        if results.exists():
            tasks = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
        return PlayResult(proc.returncode, proc.stdout, proc.stderr, tasks)

    return run


@pytest.fixture
def ansible_environment(tmp_path):
    """ansible_env(tmp_path): the environment of an Ansible process a test starts itself (ansible-rulebook, runner)."""
    return ansible_env(tmp_path)
