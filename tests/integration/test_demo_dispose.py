# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`scripts/demo dispose` end to end: the emulator started with the dispose scenario, docs/demo/dispose.yml run (the
benign and the true-positive investigation, each in plan, apply, rollback, with each finding's state in GuardDuty and
Security Hub after each step), the emulator stopped. It runs the demo step of scripts/toolbox.py (what `scripts/demo
dispose` runs once bootstrap has prepared the toolchain) in the toolchain and collection copy under test, as
test_demo_contain.py does."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from gdemu import scenarios as sc
from test_demo_contain import run_demo


def test_demo_dispose_plans_applies_and_rolls_back_both_verdicts(tmp_path):
    proc = run_demo(tmp_path, "_demo-dispose")
    out = proc.stdout
    assert proc.returncode == 0, out
    assert re.search(r"localhost +: ok=\d+ +changed=\d+ +unreachable=0 +failed=0", out), out
    url = re.search(r"AWS_ENDPOINT_URL_GUARDDUTY=(http://127\.0\.0\.1:\d+)", out).group(1)
    assert f"AWS_ENDPOINT_URL_SECURITYHUB={url}" in out

    def after(step, finding_id):
        found = re.findall(rf'"after {step}: finding {finding_id}: ([^"]*)"', out)
        assert len(found) == 1, (step, finding_id, out)
        return found[0]

    benign = [sc.DISPOSE_BENIGN_FINDING_ID, sc.DISPOSE_RELATED_FINDING_ID]
    for fid in benign:
        assert after("plan", fid) == "GuardDuty active, feedback none; Security Hub NEW, verification none, no note"
        assert after("apply", fid) == "GuardDuty archived, feedback not_useful; Security Hub SUPPRESSED, verification BENIGN_POSITIVE, a note"
        # the feedback stays (the API cannot withdraw it); Security Hub cannot remove a note either
        assert after("rollback", fid) == "GuardDuty active, feedback not_useful; Security Hub NEW, verification UNKNOWN, a note"
    tp = sc.DISPOSE_TP_FINDING_ID
    assert after("plan", tp) == "GuardDuty active, feedback none; Security Hub NEW, verification none, no note"
    assert after("apply", tp) == "GuardDuty active, feedback useful; Security Hub NOTIFIED, verification TRUE_POSITIVE, a note"
    assert after("rollback", tp) == "GuardDuty active, feedback useful; Security Hub NEW, verification UNKNOWN, a note"
    assert f'"apply {sc.DISPOSE_BENIGN_INV_ID}: benign verdict, closed as benign' in out
    assert f'"apply {sc.DISPOSE_TP_INV_ID}: true positive verdict, confirmed, open' in out
    assert f"not acted on | {sc.DISPOSE_OTHER_ACCOUNT_FINDING_ID} | in account {sc.OTHER_ACCOUNT_ID}" in out

    assert "demo-secret-key-for-the-local-emulator-only-0001" not in out
    assert out.rstrip().endswith("[demo dispose] the emulator stopped"), out
    try:
        with urllib.request.urlopen(url + "/_emulator/health", timeout=2):
            stopped = False
    except (urllib.error.URLError, OSError):
        stopped = True
    assert stopped, "the emulator still answers"
