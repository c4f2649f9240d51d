# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hostile API data: summaries, risk text, CLI commands, trigger prompts and record narratives carrying Jinja
(``lookup('pipe', 'touch ...')``, ``{% ... %}``), HTML/JS, ANSI escapes, 256 KiB of text and non-ASCII.

Whatever reaches a playbook - through the info module, the lookup (with records) or the start module - is exactly
what botocore itself parses from the emulator's answer: never executed, never rendered or escaped, byte for byte.
"""

from __future__ import annotations

from gdemu import scenarios as sc
from gdplay import playbook
from gdplay import replace_strings
from gdplay import task
from reliability import CONN
from reliability import FAST
from reliability import INFO
from reliability import LOOKUP
from reliability import RICH
from reliability import START
from reliability import boto_investigation
from reliability import boto_listing
from reliability import debug
from reliability import plugin_client

IDS = [sc.HOSTILE_INV_ID, sc.HOSTILE_BIG_INV_ID, sc.HOSTILE_FAILED_INV_ID, sc.HOSTILE_RUNNING_INV_ID]


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)


def test_module_and_lookup_return_hostile_text_byte_for_byte(play, guardduty_emulator, tmp_path):
    marker = tmp_path / "pwned"  # every payload (Jinja pipe lookups, shell $(...) in CLI commands) aims here
    control = tmp_path / "control"
    planted = sc.JINJA_PAYLOAD.replace(sc.PWNED_PATH, str(marker))
    scenario = replace_strings(sc.hostile(), sc.PWNED_PATH, str(marker))
    for entry in scenario["investigations"]:  # the longer path grew the 256 KiB summary: back to the API's limit
        summary = entry["investigation"].get("Summary")
        if summary and len(summary) > sc.BIG_SUMMARY_CHARS:
            entry["investigation"]["Summary"] = summary[: sc.BIG_SUMMARY_CHARS - len(planted)] + planted
    guardduty_emulator.load(scenario)
    client = plugin_client(guardduty_emulator)  # botocore's own parse of the emulator's answers
    hostile_text = sc.HOSTILE_TEXT.replace(sc.PWNED_PATH, str(marker))
    risk_file, summary_file = tmp_path / "risk.txt", tmp_path / "summary.txt"
    lookup = f"query('{LOOKUP}', *ids, {CONN}" + (", include_records=true" if RICH else "") + ")"

    tasks = (
        task("info", INFO, {"investigation_ids": IDS, "include_records": RICH}, register="info")
        + task("listing", INFO, {"sort_by": "start_time"})
        + task("reused", START, {"finding_id": sc.HOSTILE_FINDING_ID})
        + task("via lookup", "ansible.builtin.set_fact", {"via_lookup": "{{ " + lookup + " }}"})
        + debug("looked up", "via_lookup")
        # round trips: into facts, through filters and string concatenation, into files, into a conditional
        + task("copy", "ansible.builtin.set_fact", {"copied": "{{ info.investigations[0] }}"})
        + debug("concatenated", "copied.risk ~ '' ~ copied.trigger_prompt")
        + debug("as json", "copied | to_json | from_json")
        + task("write risk", "ansible.builtin.copy", {"content": "{{ copied.risk }}", "dest": str(risk_file), "mode": "0600"})
        + task("write summary", "ansible.builtin.copy", {"content": "{{ info.investigations[1].summary }}", "dest": str(summary_file), "mode": "0600"})
        + debug("conditional", "'matched'", when="info.investigations[0].risk is search('lookup')")
        # positive control: the same kind of lookup written in the playbook itself does run, so the check can fail
        + debug("control", f"lookup('pipe', 'touch {control}') ~ 'ran'")
    )
    if RICH:
        tasks += task("structured", INFO, {"investigation_id": sc.HOSTILE_INV_ID, "summary_format": "structured"})
    run = play(playbook(tasks), extra_vars={"ids": IDS}, env=FAST)
    assert run.rc == 0, run
    assert control.exists()
    assert not marker.exists(), "a payload from the API was executed"

    expected = [boto_investigation(client, sc.DETECTOR_ID, iid, records=RICH) for iid in IDS]
    assert run.result("info")["investigations"] == expected
    assert run.result("looked up")["msg"] == expected
    assert run.result("listing")["investigations"] == boto_listing(client, sc.DETECTOR_ID, SortCriteria={"AttributeName": "START_TIME"})
    reused = run.result("reused")
    assert (reused["changed"], reused["reused"], reused["investigation_id"]) == (False, True, sc.HOSTILE_INV_ID)
    assert reused["investigation"] == boto_investigation(client, sc.DETECTOR_ID, sc.HOSTILE_INV_ID)
    if RICH:
        assert run.result("structured")["investigation"] == boto_investigation(client, sc.DETECTOR_ID, sc.HOSTILE_INV_ID, structured=True)

    # the payloads themselves, verbatim where they were planted
    first, big, failed, running = run.result("info")["investigations"]
    assert first["risk"] == hostile_text
    assert first["trigger_prompt"] == f"Investigate finding {sc.HOSTILE_FINDING_ID} {planted} {sc.SCRIPT_PAYLOAD}"
    assert failed["error"] == hostile_text and sc.ANSI_PAYLOAD in failed["trigger_prompt"] and sc.NON_ASCII_PAYLOAD in failed["trigger_prompt"]
    assert planted in running["trigger_prompt"]
    assert len(big["summary"]) == sc.BIG_SUMMARY_CHARS and big["summary"].startswith(planted) and big["summary"].endswith(planted)
    assert sc.JINJA_BLOCK_PAYLOAD in big["trigger_prompt"]
    observations = first["summary_parsed"]["keyObservations"]["observations"]
    assert observations == [planted, sc.JINJA_BLOCK_PAYLOAD, sc.SCRIPT_PAYLOAD, sc.ANSI_PAYLOAD, sc.NON_ASCII_PAYLOAD]
    commands = [c for cm in first["summary_parsed"]["countermeasures"] for a in cm["actions"] for c in a.get("cliCommands", [])]
    assert f'echo "$(touch {marker})" {sc.SCRIPT_PAYLOAD}' in commands
    if RICH:
        assert {record["narrative"] for record in first["records"]} == {hostile_text}
        assert first["records"][0]["title"] == f"Started {planted}"
        structured = run.result("structured")["investigation"]["summary_data"]
        assert structured["key_observations"]["narrative"] == hostile_text
        assert f'printf "{sc.ANSI_PAYLOAD}"' in structured["countermeasures"][0]["actions"][0]["cli_commands"]
    # nothing was escaped or rendered on the way (no &lt;, no stripped escape sequences, no {% raw %} evaluated)
    for text in _strings(run.result("info")["investigations"]):
        assert "&lt;" not in text and "&#" not in text

    assert run.result("concatenated")["msg"] == first["risk"] + first["trigger_prompt"]
    assert run.result("as json")["msg"] == first
    assert risk_file.read_bytes() == hostile_text.encode("utf-8")
    assert summary_file.read_bytes() == big["summary"].encode("utf-8")
    assert run.task("conditional")["status"] == "ok"
