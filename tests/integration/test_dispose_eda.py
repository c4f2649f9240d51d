# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The disposition in the event-driven path: a real ansible-rulebook runs secops.guardduty.auto_investigate against the
emulator (scenario ``dispose``). With guardduty_dispose_auto_apply, a High verdict is reported and then its findings
disposed of as far as the policy allows, a Low verdict's findings are archived by the rule for verdicts below High,
and an investigation below the policy's confidence is only planned. The playbook secops.guardduty.eda_dispose_investigation
on its own plans without a policy and disposes of nothing for an investigation that did not complete. Missing
ansible-rulebook or Java fails these tests (never skips them)."""

from __future__ import annotations

import json
import os
import sys

import yaml

from gdemu import scenarios as sc
from rulebook_harness import RulebookProcess
from rulebook_harness import check_toolchain
from rulebook_harness import wait_until
from test_dispose import BENIGN
from test_dispose import BENIGN_IDS
from test_dispose import TP
from test_dispose import UNCERTAIN
from test_dispose import guardduty
from test_dispose import hub
from test_dispose import snapshot
from test_eda_rulebook import RULEBOOK_FILES
from test_eda_rulebook import run_playbook

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = {"actions": ["archive", "feedback", "securityhub"], "confidence": "High"}


def test_auto_investigate_disposes_after_the_report_and_below_high_risk(guardduty_emulator, ansible_environment, tmp_path):
    check_toolchain()
    guardduty_emulator.load(sc.dispose())
    uncertain = snapshot(guardduty_emulator, [sc.DISPOSE_UNCERTAIN_FINDING_ID])
    env = dict(ansible_environment, HOME=str(tmp_path / "home"))  # the record files go under ~/.ansible: this test's own
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    for name in ("GD_RESULTS_FILE", "ANSIBLE_CALLBACKS_ENABLED"):
        env.pop(name, None)
    variables = {"guardduty_region": sc.REGION, "guardduty_endpoint_url": guardduty_emulator.url, "guardduty_interval": 1,
                 "guardduty_lookback": 86400, "guardduty_report_dir": str(tmp_path / "reports"), "guardduty_batch": False,
                 # the true positive's finding (severity 8) is not what this test is about: no new investigation of it
                 "guardduty_severity_threshold": 9, "guardduty_dispose_auto_apply": POLICY}
    rulebook = RulebookProcess(tmp_path / "rulebook", "secops.guardduty.auto_investigate", variables, env)
    rulebook.start()
    try:
        # the true positive: reported, then its finding confirmed without a person (feedback useful, NOTIFIED)
        wait_until(lambda: hub(guardduty_emulator, sc.DISPOSE_TP_FINDING_ID)["workflow"] == "NOTIFIED", 180,
                   "the true positive's finding NOTIFIED in Security Hub", rulebook, guardduty_emulator)
        # the benign verdict (Low risk): archived without a person by the rule for verdicts below High
        wait_until(lambda: all(guardduty(guardduty_emulator, fid)["archived"] for fid in BENIGN_IDS), 120,
                   "the benign verdict's findings archived", rulebook, guardduty_emulator)
        wait_until(lambda: f"auto for investigation {UNCERTAIN}: " in rulebook.stdout(), 120, "the uncertain verdict's disposition",
                   rulebook, guardduty_emulator)
        wait_until(lambda: "PLAY RECAP" in rulebook.stdout().split(f"auto for investigation {UNCERTAIN}: ", 1)[1], 60,
                   "its playbook to finish", rulebook, guardduty_emulator)
        # the report's outcome is still the event the rulebook gets (the disposition publishes nothing after it)
        wait_until(lambda: [m for m in rulebook.debug_messages() if f"investigation {TP} (COMPLETED): risk level High" in m], 60,
                   "the verdict printed from the posted artifacts", rulebook, guardduty_emulator)
    finally:
        rulebook.stop()
    output = rulebook.stdout()
    assert (tmp_path / "reports" / f"{TP}.md").is_file(), rulebook.report()
    assert f"GuardDuty investigation {TP} is COMPLETED: risk level High" in output
    assert output.index(f"GuardDuty investigation {TP} is COMPLETED") < output.index(f"auto for investigation {TP}: "), "report, then dispose"
    assert guardduty(guardduty_emulator, sc.DISPOSE_TP_FINDING_ID) == {"archived": False, "feedback": "USEFUL"}
    assert hub(guardduty_emulator, sc.DISPOSE_TP_FINDING_ID)["verification"] == "TRUE_POSITIVE"
    for fid in BENIGN_IDS:
        assert guardduty(guardduty_emulator, fid) == {"archived": True, "feedback": "NOT_USEFUL"}
        assert hub(guardduty_emulator, fid)["workflow"] == "SUPPRESSED"
    # below the policy's confidence (Low): planned, nothing changed
    assert "the confidence is Low, below dispose_auto_apply.confidence=High" in output
    assert snapshot(guardduty_emulator, [sc.DISPOSE_UNCERTAIN_FINDING_ID]) == uncertain
    # one disposition per investigation, each with its record under the activation's home
    for inv in (BENIGN, TP, UNCERTAIN):
        assert output.count(f"auto for investigation {inv}: ") == 1, rulebook.report()
    records = tmp_path / "home" / ".ansible" / "secops-guardduty" / "dispose-records"
    assert sorted(p.name for p in records.iterdir()) == sorted(f"{inv}.json" for inv in (BENIGN, TP))
    assert {r["status"] for r in json.loads((records / f"{BENIGN}.json").read_text())["resources"]} == {"applied"}


def event(event_type, inv_id):
    return {"ansible_eda": {"event": {"type": event_type, "investigation": {"investigation_id": inv_id}, "detector_id": sc.DETECTOR_ID,
                                      "region": sc.REGION}}}


def test_dispose_playbook_plans_without_a_policy_and_disposes_of_nothing_unfinished(guardduty_emulator, ansible_environment, tmp_path):
    guardduty_emulator.load(sc.dispose())
    before = snapshot(guardduty_emulator, BENIGN_IDS)
    extra = dict(event("investigation_completed", BENIGN), guardduty_endpoint_url=guardduty_emulator.url, guardduty_region=sc.REGION,
                 guardduty_dispose_record_dir=str(tmp_path / "records"))
    proc = run_playbook("secops.guardduty.eda_dispose_investigation", extra, ansible_environment, tmp_path / "plan")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"plan for investigation {BENIGN}: benign verdict (risk Low, confidence High), planned" in proc.stdout
    assert snapshot(guardduty_emulator, BENIGN_IDS) == before and not (tmp_path / "records").exists()

    extra.update(event("investigation_failed", BENIGN))
    proc = run_playbook("secops.guardduty.eda_dispose_investigation", extra, ansible_environment, tmp_path / "failed")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Dispose (plan, or auto with guardduty_dispose_auto_apply)" in proc.stdout and f"for investigation {BENIGN}" not in proc.stdout
    assert snapshot(guardduty_emulator, BENIGN_IDS) == before


def test_the_disposition_rules_of_both_rulebooks_agree_and_the_report_playbook_ends_with_it():
    local, controller = ({r["name"]: r for r in yaml.safe_load(open(RULEBOOK_FILES[name], encoding="utf-8"))[1]["rules"]}
                         for name in ("auto_investigate", "auto_investigate_controller"))
    name = "Plan the disposition of an investigation that completed below High risk"
    assert local[name]["condition"] == controller[name]["condition"] and local[name]["throttle"] == controller[name]["throttle"]
    assert local[name]["action"]["run_playbook"]["name"] == "secops.guardduty.eda_dispose_investigation"
    assert controller[name]["action"]["run_job_template"]["job_args"]["extra_vars"] == local[name]["action"]["run_playbook"]["extra_vars"]
    report = "Report on an investigation that completed with High or Critical risk"
    assert local[report]["action"]["run_playbook"]["extra_vars"]["guardduty_dispose_auto_apply"] == \
        "{{ guardduty_dispose_auto_apply | default({}, true) }}"
    # the report playbook disposes as the disposition playbook does, before its outcome is published (the last set_stats)
    plays = {}
    for name in ("eda_report_investigation", "eda_dispose_investigation"):
        with open(os.path.join(COLLECTION, "playbooks", f"{name}.yml"), encoding="utf-8") as handle:
            plays[name] = yaml.safe_load(handle)[0]["tasks"]
    (report,) = [t for t in plays["eda_report_investigation"] if t.get("ansible.builtin.include_role", {}).get("name") == "secops.guardduty.dispose"]
    (alone,) = [t for t in plays["eda_dispose_investigation"] if t.get("ansible.builtin.include_role", {}).get("name") == "secops.guardduty.dispose"]
    assert {k: v for k, v in report["vars"].items() if k != "dispose_investigation_id"} == \
        {k: v for k, v in alone["vars"].items() if k != "dispose_investigation_id"}
    tasks = plays["eda_report_investigation"]
    (publish,) = [t for t in tasks if "ansible.builtin.set_stats" in t]
    assert publish["ansible.builtin.set_stats"]["data"]["guardduty_report_files"]
    assert tasks.index(report) == tasks.index(publish) - 1
    # after the publish only the notify role runs, which publishes nothing there (no set_stats, no set_fact)
    after = tasks[tasks.index(publish) + 1:]
    assert [t["ansible.builtin.include_role"]["name"] for t in after] == ["secops.guardduty.notify"]
    assert after[0]["vars"]["notify_set_stats"] is False
