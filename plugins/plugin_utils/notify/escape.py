# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Untrusted text as each channel shows it: literal, never a link, a mention, an image or markup.

Every string an investigation (an AI reading attacker-influenced logs) or an attacker could have written goes through
``untrusted``: the report's ``clean`` (control characters, bidirectional controls and zero-width characters become
visible placeholders), then ``defang``: a URL scheme, an e-mail address or a host name in the text is written the way
incident responders write indicators (``hxxps[:]//evil[.]example``), because chat clients, Jira and mail clients
turn such text into links by themselves. Then the channel's own escaping:

- Slack (mrkdwn and plain_text objects): ``&``, ``<`` and ``>`` as entities (Slack's escaping), so ``<!channel>``,
  ``<!here>``, ``<@U123>`` and ``<https://x|text>`` stay text; the message puts such text in ``plain_text`` objects
  with ``emoji: false``, which have no formatting and no ``:emoji:`` images.
- Teams (Adaptive Card markdown): the report's ``md_inline`` (backslash escapes: no links, emphasis, lists, HTML).
- Jira (wiki markup): a backslash before every character that starts markup (``[text|url]``, ``!image!``,
  ``{html}``, ``[~user]``, ``*bold*``, ``-strike-``, emoticons such as ``(y)`` and ``:)``), on one line; a backslash
  of the text itself (two make a line break in Jira) is shown as U+29F5, which looks like one.
- Mail (HTML): the notification's template is rendered with autoescape (notify/render.py).
"""

from __future__ import annotations

import re

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import clean
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import defang
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_inline

# Jira wiki markup: every character that can start markup, a link, a mention ([~user]), an image, a macro ({html}) or
# an emoticon ((y), :), ;), :P, :D)
_JIRA_SPECIAL_RE = re.compile(r"([\[\]{}!*_\-+^~?|#()]|:(?=[PpDd](?![A-Za-z0-9])))")
# a backslash escapes the next character, and two make a line break: it is shown as the reverse solidus operator
_JIRA_BACKSLASH = "\u29f5"
SLACK_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def untrusted(value, one_line=False, defanged=True):
    """Text an investigation or an attacker wrote, for display anywhere: cleaned as the report cleans it, defanged.
    ``one_line`` joins its lines and runs of white space; ``defanged=False`` leaves out defang() for text the playbook
    gave (where the report is), which is escaped all the same."""
    text = clean(value)
    if one_line:
        text = " ".join(text.split())
    return defang(text) if defanged else text


def shorten(text, limit):
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def slack_text(value, limit=2000, defanged=True):
    """Untrusted text for a Slack text object (plain_text or mrkdwn): defanged, ``& < >`` as entities."""
    text = shorten(untrusted(value, one_line=True, defanged=defanged), limit)
    for char, entity in SLACK_ENTITIES:
        text = text.replace(char, entity)
    return text


def teams_text(value, limit=2000, defanged=True):
    """Untrusted text for Adaptive Card markdown (TextBlock, FactSet): defanged and Markdown-escaped, one line."""
    return str(md_inline(shorten(untrusted(value, one_line=True, defanged=defanged), limit)))


def jira_text(value, limit=4000, defanged=True):
    """Untrusted text for Jira wiki markup: defanged, one line, a backslash before every markup character."""
    text = shorten(untrusted(value, one_line=True, defanged=defanged), limit).replace("\\", _JIRA_BACKSLASH)
    return _JIRA_SPECIAL_RE.sub(r"\\\1", text)


def plain_text(value, limit=1024, defanged=True):
    """Untrusted text for a plain-text field (a Jira summary, a PagerDuty summary, a mail subject): one line, defanged."""
    return shorten(untrusted(value, one_line=True, defanged=defanged), limit)
