# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Untrusted text in each channel: never a link, a mention, an image or markup; cleaned as the report cleans it."""

from __future__ import annotations

import re

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import defang
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import jira_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import plain_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import slack_text
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.escape import teams_text
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.notify.notify_samples import VECTORS

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f]")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("https://evil.example/login", "hxxps[:]//evil[.]example/login"),
        ("http://198.51.100.23/x", "hxxp[:]//198.51.100.23/x"),
        ("ftp://files.example.net", "ftp[:]//files[.]example[.]net"),
        ("javascript://x", "javascript[:]//x"),
        ("mail attacker@evil.example.org", "mail attacker[@]evil[.]example[.]org"),
        ("www.evil.com and EVIL.COM and Evil.Com", "www[.]evil[.]com and EVIL[.]COM and Evil[.]Com"),
        # what is not a link stays as it is: a finding type, an IP address, versions, abbreviations, ids
        ("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"),
        ("198.51.100.23 e.g. v1.2 i-0a1b2c3d4e5f67890", "198.51.100.23 e.g. v1.2 i-0a1b2c3d4e5f67890"),
    ],
)
def test_defang_writes_links_as_responders_write_indicators(text, expected):
    assert defang(text) == expected


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_slack_text_has_no_mention_link_or_control_character(name):
    text = slack_text(VECTORS[name])
    assert "<" not in text and ">" not in text  # <!channel>, <@U..>, <url|text> need them; &lt; shows them
    assert "://" not in text and not re.search(r"[a-z0-9]\.(com|org|example)\b", text)
    assert not INVISIBLE.search(text)
    if name == "slack_channel":
        assert text == "&lt;!channel&gt; wake up"


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_teams_text_is_markdown_that_renders_literally(name):
    text = teams_text(VECTORS[name])
    assert not re.search(r"(?<!\\)[\[\]<>`*|]", text)  # links, images, HTML, code, emphasis, tables: all escaped
    assert "://" not in text and not INVISIBLE.search(text)
    if name == "markdown_link":
        assert text == r"\[Reset your password\](hxxps\[:\]//evil\[.\]example/login)"


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_jira_text_is_wiki_markup_that_renders_literally(name):
    text = jira_text(VECTORS[name])
    assert not re.search(r"(?<!\\)[\[\]{}!*_+^~?|#()-]", text)  # links, images, macros, mentions, emphasis, emoticons
    assert "\\\\" not in text  # two backslashes are a line break in Jira
    assert "://" not in text and not INVISIBLE.search(text)
    if name == "jira_html":
        assert text == r"\{html\}<img src=x onerror=alert\(1\)>\{html\}"
    if name == "jira_mention":
        assert text == r"\[\~admin\] please approve"


def test_jira_text_shows_a_backslash_without_escaping_the_next_character():
    assert jira_text("a\\[b|c]") == "a\u29f5\\[b\\|c\\]"
    assert jira_text(":P and :D but not :Pa") == "\\:P and \\:D but not :Pa"


def test_text_is_cleaned_as_the_report_cleans_it_and_kept_to_one_line():
    assert slack_text("one\ntwo\r\n\tthree") == "one two three"
    assert slack_text(VECTORS["bidi"]) == "invoice\ufffdgnp[.]exe"  # a file name with a lower-case extension looks like a host name
    assert slack_text(VECTORS["zero_width"]) == "pay\ufffdpal[.]com"
    assert plain_text(VECTORS["ansi"]) == "\u241b[31mRED\u241b[0m"


def test_text_is_cut_to_the_channels_limit_with_an_ellipsis():
    assert slack_text("x" * 50, 10) == "x" * 9 + "\u2026"
    assert plain_text("y" * 300, 255) == "y" * 254 + "\u2026"


def test_text_the_playbook_gave_is_escaped_but_not_defanged():
    assert slack_text("/reports/a1b2.md <b>", defanged=False) == "/reports/a1b2.md &lt;b&gt;"
    assert slack_text("/reports/a1b2.md") == "/reports/a1b2[.]md"
