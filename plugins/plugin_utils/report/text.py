# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Untrusted text as a report shows it: cleaned of what could deceive a reader, and escaped for Markdown.

Investigation content is written by an AI from attacker-influenced data. ``clean`` replaces control characters
(terminal escape sequences), bidirectional controls and invisible (zero-width) characters by visible placeholders;
``md_inline``, ``md_paragraphs`` and ``md_code`` make Markdown that renders literally (the HTML report is escaped by
Jinja's autoescape instead); ``defang`` writes URLs, addresses and host names as responders write indicators, and
``plain_line`` makes one line of plain text that no renderer takes for a template, markup, a link or a mention.
"""

from __future__ import annotations

import json
import re

_CONTROL = {code: chr(0x2400 + code) for code in range(32) if code not in (9, 10)}
_CONTROL[0x7F] = "\u2421"
_CONTROL.update({code: "\ufffd" for code in range(0x80, 0xA0)})
# bidirectional embeddings, overrides and isolates can make text display in another order than it is stored, and the
# marks (LRM, RLM, ALM) move neutral characters such as dots and slashes
_BIDI = (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C)
# invisible characters make two different strings look the same ("pay\u200bpal.com"), or hide text between words:
# zero-width space, non-joiner and joiner, word joiner, invisible operators, the byte order mark, soft hyphen,
# Mongolian vowel separator
_INVISIBLE = (0x200B, 0x200C, 0x200D, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x00AD, 0x180E)
_CONTROL.update({code: "\ufffd" for code in _BIDI + _INVISIBLE})


def clean(value):
    """Text for display: str, CRLF/CR -> LF, control characters, bidi controls and zero-width characters replaced by
    visible placeholders."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else str(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


def clean_or_none(value):
    """clean() without surrounding white space; None when nothing is left."""
    text = clean(value).strip()
    return text or None


def paragraphs(value):
    """Text split into paragraphs at blank lines, each with its line breaks kept."""
    text = clean(value).strip()
    if not text:
        return []
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


class Markdown(str):
    """Markdown that is already escaped (output of the md_* helpers); the Markdown environment leaves it as is."""


# always escaped; "_" only at a word boundary, where it could open or close emphasis (IAM_ROLE stays readable)
_MD_ESCAPE_RE = re.compile(r"([\\`*\[\]<>|~])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# what would start a block (heading, list, quote, rule) at the start of a line
_MD_BLOCK_START_RE = re.compile(r"^([#+=-])|^(\d{1,9})([.)])(?=\s|$)")


def md_inline(value):
    """Text as one line of Markdown that renders literally: no HTML, links, emphasis, tables or block syntax."""
    if isinstance(value, Markdown):
        return value
    text = " ".join(clean(value).split())
    text = _MD_ESCAPE_RE.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_BLOCK_START_RE.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)
    return Markdown(text)


# scheme://  (http, https, ftp, file, javascript://..., any scheme a client may link)
_SCHEME_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,31}):(?=//)")
# user@host.tld (mail clients and chat link addresses)
_EMAIL_RE = re.compile(r"(?i)([a-z0-9._%+-]+)@(?=[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,63}\b)")
# host names: labels and a last label a client takes for a top-level domain (lower case, upper case or Capitalised:
# "evil.example", "EVIL.COM"; a finding type's "Exfiltration.OutsideAWS" is none of those)
_HOST_RE = re.compile(
    r"(?<![A-Za-z0-9-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:[a-z]{2,63}|[A-Z]{2,63}|[A-Z][a-z]{1,62}))(?![A-Za-z0-9-])"
)


def defang(text):
    """``text`` with URL schemes, e-mail addresses and host names written as responders write indicators."""
    text = _SCHEME_RE.sub(lambda m: ("hxxp" + m.group(1)[4:] if m.group(1).lower().startswith("http") else m.group(1)) + "[:]", text)
    text = _EMAIL_RE.sub(r"\1[@]", text)
    return _HOST_RE.sub(lambda m: m.group(1).replace(".", "[.]"), text)


# what could make plain text a template, markup or a mention where another tool renders it
_PLAIN = str.maketrans({"{": "(", "}": ")", "<": "\u2039", ">": "\u203a", "@": "\uff20", "`": "'"})


def plain_line(value):
    """Text as one plain line for a place that another tool may render (a Security Hub note): clean(), white space
    collapsed, what could open a template, markup or a mention neutralised (braces become parentheses, angle brackets
    and at signs look-alikes), and URLs and host names defanged (``hxxps[:]//evil[.]example``)."""
    return defang(" ".join(clean(value).split()).translate(_PLAIN))


def md_paragraphs(value):
    """Text as Markdown paragraphs (blank-line separated), each escaped like md_inline."""
    return Markdown("\n\n".join(md_inline(p) for p in paragraphs(value)))


def md_code(value, info="text"):
    """A fenced code block showing ``value`` (a string or a list of lines) literally; the fence outgrows any backtick run."""
    lines = value if isinstance(value, (list, tuple)) else [value]
    text = "\n".join(clean(line) for line in lines)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markdown(f"{fence}{info}\n{text}\n{fence}")
