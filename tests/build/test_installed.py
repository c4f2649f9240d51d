# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection as users get it: built with ansible-galaxy, installed, then used.

scripts/test (step "build") builds the tarball, installs it into a fresh collections root next to amazon.aws and
runs these tests with ANSIBLE_COLLECTIONS_PATH pointing there and GD_BUILT_TARBALL naming the tarball.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from gdemu import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from gdemu import scenarios  # noqa: E402  pylint: disable=wrong-import-position

INSTALLED = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
TARBALL = os.environ.get("GD_BUILT_TARBALL", "")
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.skipif(not TARBALL, reason="run by scripts/test build, which builds and installs the collection first")


def ansible(tool, *args, env=None, check=True):
    run_env = dict(os.environ)
    run_env.update(env or {})
    # run outside the checkout: a working directory inside an ansible_collections tree changes what ansible resolves
    proc = subprocess.run(
        [os.path.join(BIN, tool), *args], capture_output=True, text=True, env=run_env, check=False, timeout=300, cwd=os.path.dirname(INSTALLED)
    )
    if check:
        assert proc.returncode == 0, f"{tool} {args}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_tarball_holds_the_collection_and_nothing_local():
    with tarfile.open(TARBALL) as tar:
        names = tar.getnames()
    assert "MANIFEST.json" in names and "FILES.json" in names
    for needed in ("plugins/modules/guardduty_investigation_info.py", "plugins/lookup/guardduty_investigation.py", "meta/runtime.yml", "README.md"):
        assert needed in names
    assert not [n for n in names if n.startswith(("tests/output", ".ci", ".git/")) or "__pycache__" in n or n.endswith(".tar.gz")]
    with tarfile.open(TARBALL) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["dependencies"] == {"amazon.aws": ">=10.0.0"}


def test_every_plugin_documents_itself_from_the_installed_copy():
    listing = json.loads(ansible("ansible-doc", "--list", "--json", "secops.guardduty").stdout)
    assert "secops.guardduty.guardduty_investigation_info" in listing
    out = ansible("ansible-doc", "secops.guardduty.guardduty_investigation_info").stdout
    assert os.path.realpath(INSTALLED) in os.path.realpath(out.split("(", 1)[1].split(")", 1)[0])
    ansible("ansible-doc", "-t", "lookup", "secops.guardduty.guardduty_investigation")


def test_the_demo_playbook_runs_on_the_installed_collection(tmp_path):
    with Emulator(scenarios.demo()) as emulator:
        proc = ansible(
            "ansible-playbook",
            os.path.join(ROOT, "docs", "demo", "demo.yml"),
            "-e",
            f"gd_endpoint={emulator.url}",
            env={
                "AWS_ACCESS_KEY_ID": "AKIABUILDTESTKEY000000000000001",
                "AWS_SECRET_ACCESS_KEY": "build-test-secret-key-never-in-data-000000001",
                "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                "ANSIBLE_LOCAL_TEMP": str(tmp_path),
                "ANSIBLE_NOCOLOR": "1",
            },
        )
        assert "Risk level: Critical   Confidence: High" in proc.stdout
        assert emulator.count("GetInvestigation", scenarios.FINDING_INV_ID) >= 1
        assert emulator.emulator_errors == []
