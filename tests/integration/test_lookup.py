# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The guardduty_investigation lookup in real playbooks against the emulator."""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import replace_strings
from gdplay import task

LOOKUP = "secops.guardduty.guardduty_investigation"
CONN = "endpoint_url=gd_endpoint, region=gd_region"


def debug(name, expression):
    return task(name, "ansible.builtin.debug", {"msg": "{{ " + expression + " }}"})


def test_one_id_gives_the_investigation(play, guardduty_emulator):
    run = play(playbook(debug("one", f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', {CONN})")))
    assert run.rc == 0, run
    inv = run.result("one")["msg"]
    assert isinstance(inv, dict)
    assert inv["investigation_id"] == sc.COMPLETED_INV_ID and inv["risk_level"] == "High"
    assert guardduty_emulator.count("ListDetectors") == 1


def test_many_ids_in_term_order(play, guardduty_emulator):
    ids = [sc.TEXT_ONLY_INV_ID, sc.COMPLETED_INV_ID, sc.RUNNING_INV_ID]
    run = play(
        playbook(
            debug("query", f"query('{LOOKUP}', *ids, {CONN}, summary_format='structured') | map(attribute='investigation_id') | list")
            + debug("list term", f"query('{LOOKUP}', ids, {CONN}) | length")
            + task(
                "in a conditional",
                "ansible.builtin.debug",
                {"msg": "high"},
                when=f"lookup('{LOOKUP}', '{sc.COMPLETED_INV_ID}', {CONN}).risk_level in ['High', 'Critical']",
            )
        ),
        extra_vars={"ids": ids},
    )
    assert run.rc == 0, run
    assert run.result("query")["msg"] == ids
    assert str(run.result("list term")["msg"]) == "3"  # ansible-core < 2.19 templates to text, not native types
    assert run.task("in a conditional")["status"] == "ok"


def test_on_missing(play, guardduty_emulator):
    expr = f"query('{LOOKUP}', '{sc.COMPLETED_INV_ID}', '{sc.MISSING_INV_ID}', {CONN}, on_missing=policy) | map(attribute='investigation_id') | list"
    for policy in ("skip", "warn"):
        run = play(playbook(debug("missing", expr)), extra_vars={"policy": policy})
        assert run.rc == 0, run
        assert run.result("missing")["msg"] == [sc.COMPLETED_INV_ID]
        warned = sc.MISSING_INV_ID in run.stderr + run.stdout
        assert warned is (policy == "warn"), run
    run = play(playbook(debug("missing", expr)), extra_vars={"policy": "error"})
    assert run.rc != 0
    assert f"Investigation {sc.MISSING_INV_ID} was not found on detector {sc.DETECTOR_ID}" in run.result("missing")["msg"]


def test_on_denied(play, guardduty_emulator):
    expr = f"query('{LOOKUP}', '{sc.DENIED_INV_ID}', '{sc.COMPLETED_INV_ID}', {CONN}, on_denied=policy) | map(attribute='investigation_id') | list"
    for policy in ("skip", "warn"):
        run = play(playbook(debug("denied", expr)), extra_vars={"policy": policy})
        assert run.rc == 0, run
        assert run.result("denied")["msg"] == [sc.COMPLETED_INV_ID]
        assert ("guardduty:GetInvestigation" in run.stderr + run.stdout) is (policy == "warn"), run
    run = play(playbook(debug("denied", expr)), extra_vars={"policy": "error"})
    assert run.rc != 0
    assert "guardduty:GetInvestigation" in run.result("denied")["msg"]


def test_wait(play, guardduty_emulator):
    guardduty_emulator.load(sc.demo())
    run = play(playbook(debug("wait", f"lookup('{LOOKUP}', '{sc.FINDING_INV_ID}', {CONN}, wait=true, wait_sleep=1, wait_timeout=30).status")))
    assert run.rc == 0, run
    assert run.result("wait")["msg"] == "COMPLETED"


def test_malformed_id_fails_before_any_call(play, guardduty_emulator):
    run = play(playbook(debug("bad", f"lookup('{LOOKUP}', 'zz top', {CONN})")))
    assert run.rc != 0
    assert "Invalid investigation id 'zz top'" in run.result("bad")["msg"]
    assert guardduty_emulator.count() == 0


def test_throttling_gives_identical_results(play, guardduty_emulator):
    guardduty_emulator.load(sc.many(30))
    expr = f"query('{LOOKUP}', *ids, {CONN}, include_records=true)"
    ids = [sc.many_id(i) for i in range(30)]
    clean = play(playbook(debug("all", expr)), extra_vars={"ids": ids})
    assert clean.rc == 0, clean
    guardduty_emulator.set_faults(throttle_every=3, fail_first={"GetInvestigation": 3})
    faulty = play(playbook(debug("all", expr)), extra_vars={"ids": ids})
    assert faulty.rc == 0, faulty
    assert faulty.result("all")["msg"] == clean.result("all")["msg"]
    assert [i["investigation_id"] for i in faulty.result("all")["msg"]] == ids


def test_template_injection_stays_text(play, guardduty_emulator, tmp_path):
    marker = tmp_path / "pwned"
    control = tmp_path / "control"
    # the hostile scenario plants lookup('pipe', 'touch /tmp/pwned') everywhere; aim it at a per-test path
    scenario = sc.hostile()
    scenario["investigations"] = [e for e in scenario["investigations"] if e["investigation"]["InvestigationId"] == sc.HOSTILE_INV_ID]
    guardduty_emulator.load(replace_strings(scenario, sc.PWNED_PATH, str(marker)))
    inv = f"lookup('{LOOKUP}', '{sc.HOSTILE_INV_ID}', {CONN})"
    run = play(
        playbook(
            task("keep", "ansible.builtin.set_fact", {"inv": "{{ " + inv + " }}"})
            + debug("risk", "inv.risk")
            + debug("observations", "inv.summary_parsed | to_json")
            + debug("concatenated", "inv.trigger_prompt ~ ''")
            + task("write", "ansible.builtin.copy", {"content": "{{ inv.risk }}", "dest": str(tmp_path / "risk.txt"), "mode": "0600"})
            + task("again", "ansible.builtin.set_fact", {"copied": "{{ inv }}"})
            + debug("copied", "copied.risk")
            # positive control: the same lookup written in the playbook itself does run, so the check can fail
            + debug("control", f"lookup('pipe', 'touch {control}') ~ 'ran'")
        )
    )
    assert run.rc == 0, run
    planted = sc.JINJA_PAYLOAD.replace(sc.PWNED_PATH, str(marker))
    assert planted in run.result("risk")["msg"]
    assert sc.SCRIPT_PAYLOAD in run.result("risk")["msg"]
    assert planted in run.result("concatenated")["msg"]
    assert planted in run.result("observations")["msg"]
    assert run.result("copied")["msg"] == run.result("risk")["msg"]
    assert (tmp_path / "risk.txt").read_text() == run.result("risk")["msg"]
    assert control.exists()
    assert not marker.exists()
