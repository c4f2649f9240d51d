# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""modules.py: the module class's own messages (no Region, a profile beside keys from the environment) and warnings
that reach ansible-core without amazon.aws passing them to exit_json (deprecated in ansible-core 2.19)."""

from __future__ import annotations

from ansible_collections.secops.guardduty.plugins.module_utils import modules
from ansible_collections.secops.guardduty.plugins.modules import guardduty_investigation_info
from ansible_collections.secops.guardduty.tests.unit.conftest import OMIT

KEYS = {"AWS_ACCESS_KEY_ID": "AKIAENVIRONMENTKEYNEVERINDATA001", "AWS_SECRET_ACCESS_KEY": "environment-secret-never-in-data-0001"}


def test_no_region_says_where_a_region_comes_from(run_module, no_aws_credentials):
    result = run_module(guardduty_investigation_info.main, {"region": OMIT})
    assert result.failed
    assert result.result["msg"].startswith("The ")  # the module's name (unit tests run it as basic.py)
    assert result.result["msg"].endswith(
        " module needs a Region and found none: set region in the task, or for every "
        "task of a play with module_defaults (group/secops.guardduty.guardduty: region: us-east-1), or set AWS_REGION "
        "(or AWS_DEFAULT_REGION, or region in the profile's ~/.aws/config section) in the environment the task runs in"
    )


def test_a_profile_beside_keys_from_the_environment_names_the_variables(run_module, no_aws_credentials, monkeypatch):
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    result = run_module(guardduty_investigation_info.main, {"access_key": OMIT, "secret_key": OMIT, "profile": "incident-response"})
    assert result.failed
    assert result.result["msg"] == (
        "profile 'incident-response' was given, and AWS keys came from the environment too (AWS_ACCESS_KEY_ID, "
        "AWS_SECRET_ACCESS_KEY): amazon.aws cannot use both. Unset them (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY) "
        "to use the profile, or leave profile (and AWS_PROFILE) out to use the keys"
    )


def test_a_profile_beside_keys_in_the_task_keeps_amazon_aws_message():
    assert modules.profile_conflict("p", {"access_key": "AKIAINTHETASK00000001", "secret_key": "s", "session_token": None}) is None
    assert modules.profile_conflict(None, {"access_key": "AKIAINTHETASK00000001"}) is None


def test_a_warning_goes_to_ansible_core_not_through_exit_json(run_module, monkeypatch):
    """amazon.aws 11 buffers warnings and passes them to exit_json(warnings=...), which ansible-core 2.19 reports as
    deprecated; the collection's modules warn through ansible-core only (which shows them on every version)."""
    passed = []
    real_exit = modules.AnsibleAWSModule.exit_json

    def exit_json(self, *args, **kwargs):
        passed.append(dict(kwargs))
        return real_exit(self, *args, **kwargs)

    monkeypatch.setattr(modules.AnsibleAWSModule, "exit_json", exit_json)
    monkeypatch.setattr(guardduty_investigation_info, "run_info_module", lambda module: module.exit_json(changed=False))
    result = run_module(guardduty_investigation_info.main, {"region": "ap-south-1"})
    assert not result.failed
    assert "Region ap-south-1 is not one of the Regions" in result.result["warnings"][0]  # ansible-core has it
    assert "warnings" not in passed[0]  # amazon.aws did not pass it on
