# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's "Write your own playbook against the emulator" section does what it says, as written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

from conftest import ansible_env
from gdemu import scenarios as sc

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "README.md")


def section():
    with open(README, encoding="utf-8") as fh:
        text = fh.read()
    start = text.index("## Write your own playbook against the emulator")
    return text[start:text.index("\n## ", start + 1)]


def blocks(text, kind):
    """The contents of the fenced blocks of this kind ("" for a plain fence), in order."""
    found, current = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current = (line[3:].strip(), [])
            else:
                if current[0] == kind:
                    found.append("".join(current[1]))
                current = None
        elif current is not None:
            current[1].append(line)
    return found


def exported(script):
    """The variables the section's shell lines export (``export A=1 B=2  # comment``)."""
    found = {}
    for line in script.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            found.update(word.split("=", 1) for word in words[1:])
    return found


def test_readme_playbook_runs_as_written(tmp_path, guardduty_emulator):
    text = section()
    emulator_cmd, shell, run_cmd = blocks(text, "bash")
    port = re.search(r"--port (\d+)", emulator_cmd).group(1)
    assert "--scenario demo" in emulator_cmd
    env = exported(shell)
    assert env["AWS_URL"] == f"http://127.0.0.1:{port}" and env["AWS_REGION"] == sc.REGION
    assert len(env["AWS_SECRET_ACCESS_KEY"]) >= 40  # long: no_log masks it in results
    env["AWS_URL"] = guardduty_emulator.url  # the test's emulator listens on a free port
    guardduty_emulator.load(sc.demo())
    (playbook,) = blocks(text, "yaml")
    (tmp_path / "my.yml").write_text(playbook, encoding="utf-8")
    assert run_cmd.strip() == "ansible-playbook my.yml"
    run_env = ansible_env(tmp_path, env)
    for key in ("ANSIBLE_CALLBACK_PLUGINS", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_PYTHON_INTERPRETER", "AWS_SESSION_TOKEN"):
        run_env.pop(key, None)  # as in the reader's shell: implicit localhost runs the controller's Python
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "my.yml"],
        cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # what the README shows it prints; the finding's line says RUNNING instead within 5 seconds of the start, as it says
    shown = [line for line in blocks(text, "")[-1].splitlines() if line.strip().startswith('"msg"')]
    assert len(shown) == 4
    finding = f"{sc.FINDING_INV_ID} COMPLETED Critical: "
    assert finding in shown[0]
    if shown[0] not in proc.stdout:
        assert shown[0].replace(finding, f"{sc.FINDING_INV_ID} RUNNING (not assessed yet): ") in proc.stdout, proc.stdout
        assert "the first line says `RUNNING (not assessed yet)`" in " ".join(text.split())
    shown = shown[1:]
    for line in shown:
        assert line in proc.stdout, f"README shows {line!r}; the run printed:\n{proc.stdout}"
    assert guardduty_emulator.calls("GetInvestigation")[-1]["access_key_id"] == env["AWS_ACCESS_KEY_ID"]
