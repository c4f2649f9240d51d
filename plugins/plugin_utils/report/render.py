# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Markdown and HTML reports: report_data() rendered with the templates beside this module.

The templates are ``templates/report.md.j2`` and ``templates/report.html.j2`` in this package. They are rendered in
a sandboxed Jinja environment of their own that escapes every value: HTML-escaped (autoescape) in the HTML report,
Markdown-escaped in the Markdown report. The ``investigation_markdown`` / ``investigation_html`` filters call these
functions, and the ``investigation_report`` role writes its reports with those filters, so there is one template per
format and one code path. Investigation content is only ever rendered as text: never evaluated as a template, never
marked trusted, CLI commands shown in code blocks and never run.
"""

from __future__ import annotations

import functools
import os

try:
    from jinja2 import FileSystemLoader
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:  # pragma: no cover - ansible-core always ships Jinja2
    ImmutableSandboxedEnvironment = None

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.data import report_data
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.errors import ReportError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_code
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_inline
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_paragraphs
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import paragraphs

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
MARKDOWN_TEMPLATE = "report.md.j2"
HTML_TEMPLATE = "report.html.j2"


def _md_finalize(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    return md_inline(value)


def _html_finalize(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


@functools.lru_cache(maxsize=None)
def _environment(template_dir, output_format):
    if ImmutableSandboxedEnvironment is None:  # pragma: no cover
        raise ReportError("Rendering reports needs Jinja2")
    common = {
        "loader": FileSystemLoader(template_dir),
        "undefined": StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
    }
    if output_format == "html":
        env = ImmutableSandboxedEnvironment(autoescape=True, finalize=_html_finalize, **common)
        env.filters["paragraphs"] = paragraphs
    else:
        env = ImmutableSandboxedEnvironment(autoescape=False, finalize=_md_finalize, **common)
        env.filters["paragraphs"] = md_paragraphs
        env.filters["code"] = md_code
        env.filters["inline"] = md_inline
    return env


def render_template(template_dir, template, output_format, **context):
    """``template`` of ``template_dir`` rendered in the sandboxed environment of ``output_format`` ("html": autoescaped;
    "markdown": every value Markdown-escaped), as the reports are (the notifications render their mail with it too)."""
    env = _environment(template_dir, output_format)
    try:
        return env.get_template(template).render(**context)
    except OSError as e:  # pragma: no cover - a broken installation
        raise ReportError(f"Cannot read the template {template} in {template_dir}: {e}") from e


def _render(value, output_format, template, template_dir=None):
    return render_template(template_dir or TEMPLATE_DIR, template, output_format, r=report_data(value))


def render_markdown(value, template_dir=None):
    """The investigation as a Markdown report (CommonMark / GitHub-flavoured), every API value escaped."""
    return _render(value, "markdown", MARKDOWN_TEMPLATE, template_dir)


def render_html(value, template_dir=None):
    """The investigation as a self-contained HTML page (inline CSS, no scripts or external assets), autoescaped."""
    return _render(value, "html", HTML_TEMPLATE, template_dir)
