# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who tells the people: the collection's playbooks and rulebooks with notification channels.

- secops.guardduty.investigate (the AWX job template) with the survey's channels as JSON text: told after the report,
  also when fail_at_risk_level fails the job.
- The rulebook auto_investigate in a real ansible-rulebook: a High verdict is reported, then told (a secret from
  ansible-rulebook's environment); a second rulebook catching the same completion up again (a redelivery) tells nobody.
- The rulebook contain_plan in a real ansible-rulebook (resources in moto): the plan that waits for a person goes to
  guardduty_notify_channels.
"""

from __future__ import annotations

import json

import pytest

from gdemu import scenarios as sc
from moto_server import moto_aws  # noqa: F401  pylint: disable=unused-import
from notify_stubs import WebhookReceiver
from rulebook_harness import check_toolchain
from test_contain import contain_plan_rulebook
from test_contain import rulebook_environment
from test_contain_auto import INV as CONTAIN_INV
from test_contain_auto import World
from test_eda_rulebook import HIGH
from test_eda_rulebook import REACTION
from test_eda_rulebook import RECENT_HIGH_INV
from test_eda_rulebook import completed
from test_eda_rulebook import eda  # noqa: F401  pylint: disable=unused-import
from test_eda_rulebook import rulebook_toolchain  # noqa: F401  pylint: disable=unused-import
from test_eda_rulebook import scenario_without_findings

SLACK_SECRET_NAME = "GUARDDUTY_NOTIFY_SLACK_SOC_WEBHOOK_URL"


@pytest.fixture
def hooks():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def slack_secret_in_environment(hooks, monkeypatch):  # pylint: disable=redefined-outer-name
    """The Slack channel's webhook URL in the environment (of ansible-rulebook, as a credential would put it there)."""
    monkeypatch.setenv(SLACK_SECRET_NAME, hooks.slack())
    return hooks.slack()


def test_investigate_playbook_tells_the_channels_even_when_the_risk_gate_fails_the_job(  # pylint: disable=redefined-outer-name
        play, guardduty_emulator, hooks, tmp_path):
    channels = json.dumps([{"type": "webhook", "name": "soc-hook", "url": hooks.webhook()}])  # the survey's textarea: JSON text
    extra = {"investigation_id": sc.COMPLETED_INV_ID, "fail_at_risk_level": "High", "report_dir": str(tmp_path / "reports"),
             "channels": channels, "notify_state_dir": str(tmp_path / "notify")}
    playbook = "- name: GuardDuty investigation\n  ansible.builtin.import_playbook: secops.guardduty.investigate\n"
    result = play(playbook, extra_vars=extra, env={"AWS_URL": guardduty_emulator.url})
    assert result.rc != 0, result
    failed = [t["result"].get("msg", "") for t in result.tasks if t["status"] == "failed"]
    assert any("at or above the gate" in m for m in failed), failed
    (received,) = hooks.received("/hooks/")
    report = [str(tmp_path / "reports" / f"{sc.COMPLETED_INV_ID}.md"), str(tmp_path / "reports" / f"{sc.COMPLETED_INV_ID}.html")]
    assert received["json"]["investigation_id"] == sc.COMPLETED_INV_ID and received["json"]["notification"]["report"] == report
    assert received["json"]["risk_level"] == "High"


def test_auto_investigate_tells_after_the_report_and_a_redelivery_tells_nobody(  # noqa: F811  pylint: disable=redefined-outer-name
        slack_secret_in_environment, eda, hooks, tmp_path):
    scenario = scenario_without_findings()
    scenario["investigations"] = [completed(RECENT_HIGH_INV, HIGH, "High", ended_ago=60)]
    variables = {"guardduty_lookback": 600, "guardduty_notify_state_dir": str(tmp_path / "notify"),
                 "guardduty_notify_channels": [{"type": "slack", "name": "soc"}, {"type": "webhook", "url": hooks.webhook()}]}

    def verdicts(rulebook):
        return [m for m in rulebook.debug_messages() if m.startswith(f"GuardDuty investigation {RECENT_HIGH_INV} ")]

    first = eda.start(scenario, **variables)
    eda.wait(lambda: verdicts(first), REACTION + 30, f"the verdict of {RECENT_HIGH_INV}", first)
    eda.wait(lambda: len(hooks.received("/hooks/")) == 1 and len(hooks.received("/slack/")) == 1, REACTION, "the channels to be told", first)
    assert eda.report_files(RECENT_HIGH_INV), first.report()
    body = hooks.received("/hooks/")[0]["json"]
    assert body["investigation_id"] == RECENT_HIGH_INV and body["notification"]["report"] == [str(p) for p in eda.report_files(RECENT_HIGH_INV)]
    slack = hooks.received("/slack/")[0]["json"]
    assert slack["blocks"][0]["text"]["text"] == "GuardDuty: High risk, High confidence"
    first.stop()

    # a second rulebook catches the same completion up again (a restart, a redelivery): reported again, told nobody
    second = eda.start(None, **variables)
    eda.wait(lambda: verdicts(second), REACTION + 30, f"the second rulebook's verdict of {RECENT_HIGH_INV}", second)
    assert len(hooks.received("/hooks/")) == 1 and len(hooks.received("/slack/")) == 1, second.report()
    assert slack_secret_in_environment not in first.stdout() + second.stdout() + first.stderr() + second.stderr()


def test_contain_plan_tells_guardduty_notify_channels_what_needs_a_person(  # noqa: F811  pylint: disable=redefined-outer-name
        moto_aws, guardduty_emulator, ansible_environment, hooks, tmp_path):
    check_toolchain()
    moto_aws.reset()
    world = World(moto_aws)
    guardduty_emulator.load(sc.contain_more(world.affected))
    env = rulebook_environment(ansible_environment, moto_aws, guardduty_emulator, HOME=str(tmp_path / "home"))
    variables = {"guardduty_interval": 1, "guardduty_lookback": 86400, "guardduty_notify_channels": [{"type": "webhook", "url": hooks.webhook()}]}
    output, rulebook = contain_plan_rulebook(tmp_path, variables, env, f"plan for investigation {CONTAIN_INV}: ", guardduty_emulator)
    (received,) = hooks.received("/hooks/")
    told = received["json"]["notification"]
    assert received["json"]["investigation_id"] == CONTAIN_INV, rulebook.report()
    assert told["containment"]["status"] == "planned" and told["containment"]["mode"] == "plan"
    waiting = {(item["type"], item["id"]) for item in told["containment"]["needs_person"]}
    assert {("iam_access_key", world.key), ("ec2_instance", world.instance)} <= waiting, told
    assert "Tell the people what needs a person" in output
    state = tmp_path / "home" / ".ansible" / "secops-guardduty" / "notify-state" / f"{CONTAIN_INV}.json"
    assert json.loads(state.read_text())["channels"]["webhook:webhook"]["state"]["containment"] == "planned"
