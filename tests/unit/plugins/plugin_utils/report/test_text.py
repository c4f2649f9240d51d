# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Untrusted text: cleaning and Markdown escaping."""

from __future__ import annotations

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import clean
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_code
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_inline
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import md_paragraphs
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.text import plain_line


def test_clean_makes_control_characters_and_bidi_overrides_visible():
    assert clean("\x1b[31mRED\x1b[0m") == "\u241b[31mRED\u241b[0m"
    assert clean("a\u202eb\x7fc\x85") == "a\ufffdb\u2421c\ufffd"
    assert clean("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u2062",  # invisible
                                  "\u200e", "\u200f", "\u061c", "\u2066", "\u2069"])  # bidi marks and isolates
def test_clean_makes_invisible_and_bidi_characters_visible(char):
    """A zero-width character makes "pay<ZWSP>pal.com" look like paypal.com: shown as a visible placeholder."""
    assert clean(f"pay{char}pal.com") == "pay\ufffdpal.com"
    assert clean("Zugriff über Tōkyō 東京 — Ωμέγα ☠ 🚨") == "Zugriff über Tōkyō 東京 — Ωμέγα ☠ 🚨"  # other text untouched


@pytest.mark.parametrize(
    "text, expected",
    [
        ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
        ("[click](javascript:alert(1))", r"\[click\](javascript:alert(1))"),
        ("![x](http://evil.example/t.png)", r"!\[x\](http://evil.example/t.png)"),
        ("# not a heading", r"\# not a heading"),
        ("- not a list", r"\- not a list"),
        ("1. not a list", r"1\. not a list"),
        ("198.51.100.23 stays", "198.51.100.23 stays"),
        ("IAM_ROLE and web_app stay, _emphasis_ does not", r"IAM_ROLE and web_app stay, \_emphasis\_ does not"),
        ("*bold* `code` a|b ~~s~~ back\\slash", r"\*bold\* \`code\` a\|b \~\~s\~\~ back\\slash"),
        ("two\nlines\n\n# mid-line is no heading", "two lines # mid-line is no heading"),
        ("{{ lookup('pipe', 'id') }}", "{{ lookup('pipe', 'id') }}"),
    ],
)
def test_md_inline_renders_literally(text, expected):
    assert md_inline(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{{ lookup('pipe', 'id') }}", "(( lookup('pipe', 'id') ))"),
        ("{% for x in y %}{# c #}", "(% for x in y %)(# c #)"),
        ("<script>alert(1)</script>", "\u2039script\u203aalert(1)\u2039/script\u203a"),
        ("ping @here and @channel", "ping \uff20here and \uff20channel"),
        ("see https://evil.example/x `code`", "see hxxps[:]//evil[.]example/x 'code'"),
        ("\x1b[31mRED\x1b[0m\n\n  two\tlines ", "\u241b[31mRED\u241b[0m two lines"),
        ("Zugriff über Tōkyō 東京", "Zugriff über Tōkyō 東京"),
        (None, ""),
    ],
)
def test_plain_line_is_one_line_nothing_renders_as_template_markup_link_or_mention(text, expected):
    assert plain_line(text) == expected


def test_md_paragraphs_keeps_paragraphs_and_escapes_each():
    assert md_paragraphs("# one\nline\n\n  \n<b>two</b>") == "\\# one line\n\n\\<b\\>two\\</b\\>"


def test_md_code_fence_is_longer_than_any_backtick_run_in_the_commands():
    block = md_code(["echo ```", "aws s3 ls"])
    assert block == "````text\necho ```\naws s3 ls\n````"
    assert md_code("ls") == "```text\nls\n```"
