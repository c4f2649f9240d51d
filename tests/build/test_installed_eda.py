# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The EDA content as users get it: in the built tarball, and found by ansible-rulebook in the installed collection."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest

INSTALLED = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
TARBALL = os.environ.get("GD_BUILT_TARBALL", "")
BIN = os.path.dirname(sys.executable)
EDA_FILES = (
    "extensions/eda/rulebooks/auto_investigate.yml",
    "extensions/eda/rulebooks/auto_investigate_controller.yml",
    "extensions/eda/plugins/event_source/findings.py",
    "extensions/eda/plugins/event_source/investigations.py",
    "playbooks/eda_investigate_finding.yml",
    "playbooks/eda_report_investigation.yml",
    "decision-environment.yml",
)

pytestmark = pytest.mark.skipif(not TARBALL, reason="run by scripts/test build, which builds and installs the collection first")


def test_tarball_holds_the_eda_content():
    with tarfile.open(TARBALL) as tar:
        names = set(tar.getnames())
    assert not [name for name in EDA_FILES if name not in names]


def test_ansible_rulebook_runs_the_rulebook_and_sources_of_the_installed_collection(tmp_path):
    """A bad threshold makes the findings source stop at once: proof that ansible-rulebook loaded the installed copy."""
    (tmp_path / "inventory.yml").write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n", encoding="utf-8")
    (tmp_path / "vars.yml").write_text("guardduty_region: us-east-1\nguardduty_severity_threshold: 42\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "AKIAGDBUILDTESTKEY000000000000001", "AWS_SECRET_ACCESS_KEY": "gd-build-test-secret-that-never-occurs-0001",
                "PATH": BIN + os.pathsep + env.get("PATH", "")})
    proc = subprocess.run(
        [os.path.join(BIN, "ansible-rulebook"), "-r", "secops.guardduty.auto_investigate", "-i", "inventory.yml", "--vars", "vars.yml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    rulebook = os.path.join(os.path.realpath(INSTALLED), "ansible_collections", "secops", "guardduty", "extensions", "eda", "rulebooks")
    assert f"Loading rulebook from {rulebook}" in out.replace(INSTALLED, os.path.realpath(INSTALLED)), out
    assert "secops.guardduty.findings stopped: min_severity must be a number above 0 and at most 10" in out, out
