# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report filters as playbooks use them: loaded by FQCN, through Ansible's templating."""

from __future__ import annotations

import os

import pytest

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import filter_loader
from ansible.template import Templar

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.data import report_data
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_html
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_markdown
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.report import samples

try:
    from ansible.template import trust_as_template  # ansible-core >= 2.19: only trusted strings are templates
except ImportError:  # ansible-core < 2.19: every string given to the templar is a template
    from ansible.utils.unsafe_proxy import wrap_var  # ... unless it is unsafe, as registered and lookup results are

    def trust_as_template(value):
        return value

else:

    def wrap_var(value):
        return value  # 2.19+: variables are never trusted as templates unless marked so


FILTERS = {
    "secops.guardduty.investigation_markdown": render_markdown,
    "secops.guardduty.investigation_html": render_html,
    "secops.guardduty.investigation_report_data": report_data,
}
PWNED = "/tmp/secops-guardduty-report-unit-pwned"


def template(expression, **variables):
    # the variables stand for API data: untrusted, as a registered module result or a lookup result is
    variables = {name: wrap_var(value) for name, value in variables.items()}
    return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(expression))


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_filter_is_the_shared_renderer(name):
    inv = samples.investigation()
    assert filter_loader.get(name).j2_function(inv) == FILTERS[name](inv)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_each_filter_refuses_what_is_not_an_investigation_with_one_clear_message(name):
    with pytest.raises(AnsibleError, match=r"Expected an investigation \(a dict with investigation_id.*got a dict with keys failed, msg"):
        template("{{ result | %s }}" % name, result={"failed": True, "msg": "boom"})


def test_markdown_filter_in_a_template_renders_the_report():
    markdown = template("{{ inv | secops.guardduty.investigation_markdown }}", inv=samples.investigation())
    assert markdown.startswith("# GuardDuty investigation a1b2c3d4-5678-90ab-cdef-ef1234567890\n")
    assert "### Immediate" in markdown and "```text\naws iam put-role-policy" in markdown


def test_filters_accept_the_registered_result_of_a_module():
    result = {"changed": False, "investigation": samples.investigation(), "investigations": [samples.investigation()]}
    assert template("{{ result | secops.guardduty.investigation_markdown }}", result=result) == render_markdown(samples.investigation())


def test_api_text_that_looks_like_a_template_stays_text_and_never_runs():
    if os.path.exists(PWNED):
        os.unlink(PWNED)
    inv = samples.investigation(risk=samples.JINJA)
    inv["summary_data"]["key_observations"]["title"] = samples.JINJA
    inv["summary_data"]["key_observations"]["narrative"] = "{% for x in range(3) %}{{ x }}{% endfor %}"
    markdown = template("{{ inv | secops.guardduty.investigation_markdown }}", inv=inv)
    html = template("{{ inv | secops.guardduty.investigation_html }}", inv=inv)
    data = template("{{ (inv | secops.guardduty.investigation_report_data).key_observations.title }}", inv=inv)
    assert samples.JINJA in markdown and "{% for x in range(3) %}{{ x }}{% endfor %}" in markdown
    assert samples.JINJA.replace("'", "&#39;") in html
    assert data == samples.JINJA
    assert not os.path.exists(PWNED)
    # the rendered report, used again as a variable, is still data
    again = template("{{ report }}", report=markdown)
    assert samples.JINJA in again and not os.path.exists(PWNED)


def test_report_data_filter_gives_ordered_actions_for_loops():
    titles = template(
        "{{ (inv | secops.guardduty.investigation_report_data).actions | selectattr('priority', 'eq', 'IMMEDIATE') | map(attribute='title') | list }}",
        inv=samples.investigation(),
    )
    assert titles == ["Revoke sessions", "Quarantine the instance"]
