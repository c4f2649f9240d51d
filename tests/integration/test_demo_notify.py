# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`scripts/demo notify` end to end: the emulator and the stand-ins started, docs/demo/notify.yml run three times (the
verdict, a redelivery, the containment done), what each channel received printed, everything stopped. It runs the
demo step of scripts/toolbox.py (what `scripts/demo notify` runs once bootstrap has prepared the toolchain) in the
toolchain and collection copy under test, as test_demo_contain.py does."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from gdemu import scenarios as sc

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLBOX = os.path.join(COLLECTION, "scripts", "toolbox.py")
INV = sc.FINDING_INV_ID


def test_demo_notify_tells_each_channel_once_then_one_update(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GUARDDUTY_NOTIFY_"))}
    env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"),
                "HOME": str(tmp_path), "PATH": os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")})
    for name in ("GD_RESULTS_FILE", "ANSIBLE_CALLBACKS_ENABLED"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, TOOLBOX, "_demo-notify", COLLECTION], env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300, check=False)
    out = proc.stdout
    assert proc.returncode == 0, out
    first, again, update = re.split(r"\[demo notify\] (?:the same run again|the containment is done)", out)
    received = [line.split()[0] for line in first.split("what each channel received:")[1].splitlines() if line.startswith("  ")]
    assert received == ["jira", "slack", "teams", "pagerduty", "email", "webhook"], out
    assert "issue SEC-1 created: 'GuardDuty Critical risk: EC2 instance role credentials used from an external IP address'" in first
    assert f"trigger dedup_key guardduty-{INV}" in first and f"guardduty-{INV}.html" in first
    assert "(nothing: every channel was told this state before)" in again
    assert "comment on SEC-1: 'h4. Update: Containment none \u2192 contained'" in update
    assert f"resolve dedup_key guardduty-{INV}" in update and "update (containment)" in update
    assert out.rstrip().endswith("[demo notify] stand-ins and the emulator stopped")
    assert "Traceback" not in out
