# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""``regions`` (issue 17): guardduty_investigation_info and the lookup over several Regions, by ansible-playbook
against the emulator serving each Region separately (scenarios.regional(): us-east-1, eu-west-1, ap-northeast-1)."""

from __future__ import annotations

import textwrap

from gdemu import scenarios as sc
from gdplay import task

MODULE = "secops.guardduty.guardduty_investigation_info"
LOOKUP = "secops.guardduty.guardduty_investigation"
REGIONS = list(sc.REGIONAL_REGIONS)
RISK_ORDER = ["Info", "Low", "Medium", "High", "Critical"]

# The environment gives AWS_REGION=us-east-1 (conftest); module_defaults give only the endpoint, not a Region.
HEADER = """\
- name: Regions
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/secops.guardduty.guardduty:
      endpoint_url: "{{ gd_endpoint }}"
  tasks:
"""


def regional_play(*tasks):
    return HEADER + textwrap.indent("".join(tasks), "    ")


def info(args, name="info"):
    return task(name, MODULE, args, register="out")


def ids_of(items):
    return [(item["region"], item["investigation_id"]) for item in items]


def test_three_regions_merge_into_one_sorted_list(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    run = play(
        regional_play(
            info({"regions": REGIONS}, "newest first"), info({"regions": REGIONS, "sort_by": "risk_level", "sort_order": "asc", "details": True}, "by risk")
        )
    )
    assert run.rc == 0, run
    newest = run.result("newest first")
    # regional() starts the investigations 10 minutes apart, interleaved across the Regions: newest first alternates
    expected = [(REGIONS[place], sc.regional_id(REGIONS[place], index)) for index in range(3) for place in range(3)]
    assert ids_of(newest["investigations"]) == expected
    times = [item["start_time"] for item in newest["investigations"]]
    assert times == sorted(times, reverse=True)
    assert all(item["account_id"] == sc.ACCOUNT_ID for item in newest["investigations"])
    assert newest["region_errors"] == [] and newest["regions"] == REGIONS
    assert newest["detector_ids"] == {region: sc.regional_detector_id(region) for region in REGIONS}
    assert "detector_id" not in newest and newest["changed"] is False
    by_risk = run.result("by risk")["investigations"]
    assert len(by_risk) == 9
    ranks = [RISK_ORDER.index(item["risk_level"]) for item in by_risk]
    assert ranks == sorted(ranks)
    for item in by_risk:  # full investigations: region added, account from the service's Cloud, nothing rewritten
        assert item["region"] == item["cloud"]["region"] and item["account_id"] == item["cloud"]["account"] == sc.ACCOUNT_ID
    # one ListInvestigations per Region, each in its own Region
    assert {call["region"] for call in guardduty_emulator.calls("ListInvestigations")} == set(REGIONS)


def test_ids_are_found_in_their_regions_and_waited_on_together(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional(running=2, running_for=10))
    wanted = [sc.regional_id("ap-northeast-1", 0), sc.regional_id("us-east-1", 0), sc.regional_id("eu-west-1", 2), sc.regional_id("ap-northeast-1", 1)]
    run = play(regional_play(info({"regions": REGIONS, "investigation_ids": wanted, "wait": True, "wait_sleep": 1, "wait_timeout": 60})))
    assert run.rc == 0, run
    result = run.result("info")
    assert ids_of(result["investigations"]) == [
        ("ap-northeast-1", wanted[0]),
        ("us-east-1", wanted[1]),
        ("eu-west-1", wanted[2]),
        ("ap-northeast-1", wanted[3]),
    ]
    assert [item["status"] for item in result["investigations"]] == ["COMPLETED"] * 4
    # each Region waits as one Region does: two RUNNING ids in ap-northeast-1 in batched rounds (one listing of what is
    # RUNNING per round, each id fetched again only once it left RUNNING); one id in us-east-1 polled on its own
    assert guardduty_emulator.count("ListInvestigations", region="ap-northeast-1") >= 2
    for iid in wanted[0], wanted[3]:
        assert guardduty_emulator.count("GetInvestigation", iid) <= 1 + 3  # located in each of the 3 Regions, then once
    assert guardduty_emulator.count("ListInvestigations", region="us-east-1") == 0
    assert guardduty_emulator.count("GetInvestigation", wanted[1], region="us-east-1") >= 2


def test_a_failing_region_is_reported_and_the_others_returned(play, guardduty_emulator):
    guardduty_emulator.load(dict(sc.regional(), region_errors={"eu-west-1": "access_denied"}))
    run = play(regional_play(info({"regions": REGIONS})))
    assert run.rc == 0, run
    result = run.result("info")
    assert {item["region"] for item in result["investigations"]} == {"us-east-1", "ap-northeast-1"}
    assert len(result["investigations"]) == 6
    [error] = result["region_errors"]
    assert error["region"] == "eu-west-1" and error["reason"] == "access_denied"
    assert "guardduty:ListDetectors" in error["message"] and "leave eu-west-1 out of regions" in error["message"]
    # one warning for the one failed Region (ansible-core prints it; the registered result need not carry it)
    assert (run.stderr + run.stdout).count("Region eu-west-1 was not read (access_denied)") == 1, run
    assert "was not read" not in (run.stderr + run.stdout).replace("Region eu-west-1 was not read", ""), run


def test_each_kind_of_region_failure(play, guardduty_emulator):
    failures = {"us-east-1": "no_detector", "eu-west-1": "ai_analysis_not_enabled", "ap-northeast-1": "unreachable"}
    guardduty_emulator.load(dict(sc.regional(regions=REGIONS + ["eu-north-1"]), region_errors=failures))
    run = play(regional_play(info({"regions": REGIONS + ["eu-north-1"]})), timeout=300)
    assert run.rc == 0, run
    result = run.result("info")
    assert [item["region"] for item in result["investigations"]] == ["eu-north-1"] * 3
    reasons = {e["region"]: e["reason"] for e in result["region_errors"]}
    assert reasons == failures
    messages = {e["region"]: e["message"] for e in result["region_errors"]}
    assert "No GuardDuty detector was found in us-east-1" in messages["us-east-1"]
    assert "AI_ANALYST" in messages["eu-west-1"] and sc.regional_detector_id("eu-west-1") in messages["eu-west-1"]
    assert "did not answer after the retries" in messages["ap-northeast-1"]


def test_on_region_error_fail_fails_with_a_clear_message(play, guardduty_emulator):
    guardduty_emulator.load(dict(sc.regional(), region_errors={"ap-northeast-1": "no_detector"}))
    run = play(regional_play(info({"regions": REGIONS, "on_region_error": "fail"})))
    assert run.rc != 0
    result = run.result("info")
    assert result["msg"].startswith("1 of 3 Regions could not be read (on_region_error=fail): ap-northeast-1 (no_detector)")
    assert "Traceback" not in run.stdout + run.stderr
    assert [e["region"] for e in result["region_errors"]] == ["ap-northeast-1"]
    assert {item["region"] for item in result["investigations"]} == {"us-east-1", "eu-west-1"}


def test_a_typo_in_regions_fails_before_any_call_naming_the_nearest_region(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    run = play(regional_play(info({"regions": ["us-east-1", "eu-wset-1"]}, "module")))
    assert run.rc != 0
    msg = run.result("module")["msg"]
    assert msg.startswith("Invalid Region 'eu-wset-1' in regions: no AWS partition has a Region of that name") and "did you mean eu-west-1?" in msg
    assert guardduty_emulator.count() == 0  # refused before any call: no Region read, nothing returned as if it worked
    assert "Traceback" not in run.stdout + run.stderr


def test_a_typo_in_a_lookup_term_fails_naming_the_nearest_region(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    typo = "{{ query('" + LOOKUP + "', 'eu-wset-1:" + sc.regional_id("eu-west-1", 0) + "', endpoint_url=gd_endpoint) }}"
    run = play(regional_play(task("lookup", "ansible.builtin.debug", {"msg": typo})))
    assert run.rc != 0
    assert "'eu-wset-1' is not a Region: no AWS partition has a Region of that name" in run.result("lookup")["msg"]
    assert "did you mean eu-west-1?" in run.result("lookup")["msg"]
    assert guardduty_emulator.count() == 0


def test_when_no_region_can_be_read_the_task_fails_with_each_regions_reason(play, guardduty_emulator):
    failures = {"us-east-1": "no_detector", "eu-west-1": "access_denied", "ap-northeast-1": "ai_analysis_not_enabled"}
    guardduty_emulator.load(dict(sc.regional(), region_errors=failures))
    ids = [sc.regional_id("us-east-1", 0)]
    lookup = "{{ query('" + LOOKUP + "', *ids, regions=regions, endpoint_url=gd_endpoint) }}"
    run = play(
        regional_play(
            # on_region_error: warn (the default) does not make it a success
            task("warn", MODULE, {"regions": REGIONS}, register="out", ignore_errors=True),
            task("lookup", "ansible.builtin.debug", {"msg": lookup}, ignore_errors=True),
        ),
        extra_vars={"ids": ids, "regions": REGIONS},
    )
    result = run.result("warn")
    assert run.task("warn")["status"] == run.task("lookup")["status"] == "failed"
    assert result["msg"].startswith("No Region could be read (3 of 3 failed): us-east-1 (no_detector): No GuardDuty detector was found in us-east-1")
    assert "; eu-west-1 (access_denied): " in result["msg"] and "; ap-northeast-1 (ai_analysis_not_enabled): " in result["msg"]
    assert {e["region"]: e["reason"] for e in result["region_errors"]} == failures and result["investigations"] == []
    assert run.result("lookup")["msg"].endswith(
        "With no Region read there is nothing to return, so the task fails whatever on_region_error says"
    ) and "No Region could be read (3 of 3 failed)" in run.result("lookup")["msg"]
    assert "Traceback" not in run.stdout + run.stderr


def test_regions_all_against_an_unreachable_endpoint_fails(play, guardduty_emulator):
    run = play(
        regional_play(info({"regions": "all", "endpoint_url": "http://127.0.0.1:9"}, "unreachable")),
        env={"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"},
        timeout=300,
    )
    assert run.rc != 0
    result = run.result("unreachable")
    assert result["msg"].startswith("No Region could be read (10 of 10 failed): us-east-1 (unreachable): GuardDuty in us-east-1 did not answer")
    assert len(result["region_errors"]) == 10 and {e["reason"] for e in result["region_errors"]} == {"unreachable"}


def test_regions_beside_a_task_region_is_refused(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    run = play(regional_play(info({"regions": REGIONS, "region": "eu-west-1"})))
    assert run.rc != 0
    msg = run.result("info")["msg"]
    assert msg.startswith("regions and region are mutually exclusive: region 'eu-west-1' was given in the task")
    assert guardduty_emulator.count() == 0


def test_module_defaults_region_is_refused_and_can_be_emptied(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    header = HEADER.replace('endpoint_url: "{{ gd_endpoint }}"', 'endpoint_url: "{{ gd_endpoint }}"\n      region: eu-west-1')
    run = play(header + textwrap.indent(info({"regions": ["ap-northeast-1"]}, "refused"), "    "))
    assert run.rc != 0
    assert "regions and region are mutually exclusive" in run.result("refused")["msg"]
    run = play(header + textwrap.indent(info({"regions": ["ap-northeast-1"], "region": ""}, "emptied"), "    "))
    assert run.rc == 0, run
    assert {item["region"] for item in run.result("emptied")["investigations"]} == {"ap-northeast-1"}


def test_a_region_from_the_environment_does_not_conflict(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    run = play(regional_play(info({"regions": ["eu-west-1"]})), env={"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "ap-northeast-1"})
    assert run.rc == 0, run
    assert {item["region"] for item in run.result("info")["investigations"]} == {"eu-west-1"}


def test_regions_all(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    run = play(regional_play(info({"regions": "all"})))
    assert run.rc == 0, run
    result = run.result("info")
    assert result["regions"] == [
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-north-1",
        "ap-northeast-1",
    ]
    assert len(result["investigations"]) == 9
    # the seven Regions without content have no detector: each reported, none silently skipped
    assert sorted(e["region"] for e in result["region_errors"]) == sorted(set(result["regions"]) - set(REGIONS))
    assert {e["reason"] for e in result["region_errors"]} == {"no_detector"}


def test_lookup_pairs_keep_the_term_order(play, guardduty_emulator):
    guardduty_emulator.load(sc.regional())
    terms = [
        f"eu-west-1:{sc.regional_id('eu-west-1', 1)}",
        f"us-east-1:{sc.regional_id('us-east-1', 0)}",
        f"ap-northeast-1:{sc.regional_id('ap-northeast-1', 2)}",
    ]
    plain = [sc.regional_id("ap-northeast-1", 0), sc.regional_id("us-east-1", 2)]
    expr = f"query('{LOOKUP}', *terms, endpoint_url=gd_endpoint)"
    plain_expr = f"query('{LOOKUP}', *plain, regions=regions, endpoint_url=gd_endpoint) | map(attribute='region') | list"
    run = play(
        regional_play(
            task("pairs", "ansible.builtin.debug", {"msg": "{{ " + expr + " }}"}), task("plain", "ansible.builtin.debug", {"msg": "{{ " + plain_expr + " }}"})
        ),
        extra_vars={"terms": terms, "plain": plain, "regions": REGIONS},
    )
    assert run.rc == 0, run
    assert ids_of(run.result("pairs")["msg"]) == [tuple(term.split(":", 1)) for term in terms]
    assert run.result("plain")["msg"] == ["ap-northeast-1", "us-east-1"]


def test_lookup_refuses_regions_beside_region_and_reports_failed_regions(play, guardduty_emulator):
    guardduty_emulator.load(dict(sc.regional(), region_errors={"eu-west-1": "access_denied"}))
    ids = [sc.regional_id("us-east-1", 0)]
    run = play(
        regional_play(
            task(
                "both",
                "ansible.builtin.debug",
                {"msg": "{{ query('" + LOOKUP + "', *ids, regions=regions, region='eu-west-1', endpoint_url=gd_endpoint) }}"},
                ignore_errors=True,
            ),
            task(
                "warned",
                "ansible.builtin.debug",
                {"msg": "{{ query('" + LOOKUP + "', *ids, regions=regions, endpoint_url=gd_endpoint) | map(attribute='region') | list }}"},
            ),
            task(
                "fail",
                "ansible.builtin.debug",
                {"msg": "{{ query('" + LOOKUP + "', *ids, regions=regions, on_region_error='fail', endpoint_url=gd_endpoint) }}"},
            ),
        ),
        extra_vars={"ids": ids, "regions": REGIONS},
    )
    assert "regions and region are mutually exclusive: region 'eu-west-1'" in run.result("both")["msg"]
    assert run.result("warned")["msg"] == ["us-east-1"]
    assert "Region eu-west-1 was not read (access_denied)" in run.stdout + run.stderr
    assert run.rc != 0
    assert "1 of 3 Regions could not be read (on_region_error=fail): eu-west-1 (access_denied)" in run.result("fail")["msg"]
