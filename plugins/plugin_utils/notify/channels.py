# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The channels a notification goes to: ``notify_channels`` checked, completed and told apart.

Each channel is a dict with ``type`` (``OPTIONS`` lists each type's options) and ``name`` (default: the type; two
channels of one type need names). A secret option left out is read from the controller's environment,
``GUARDDUTY_NOTIFY_<TYPE>_<OPTION>``, or ``GUARDDUTY_NOTIFY_<TYPE>_<NAME>_<OPTION>`` for a channel named otherwise than
its type (``env_name``), which is how the AWX credential type of docs/awx.md and an
ansible-rulebook environment give secrets without writing them into variables. Secrets (``SECRETS``) are never
returned: ``secrets_of`` lists them for ``redact``, which takes them out of anything the role shows.

``destination`` names where a channel sends (a hash: a webhook URL is a secret), so that a channel pointed somewhere
else is told again. A plain ``http://`` URL to anything but a loopback address is a warning (``warnings``).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import json
import re
import urllib.parse

from ansible_collections.secops.guardduty.plugins.plugin_utils.investigation_data import type_name
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.risk import RISK_LEVELS

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
TYPES = ("jira", "slack", "teams", "pagerduty", "email", "webhook")
EMAIL_SECURE = ("always", "never", "starttls", "try")

# option -> (kind, default); a default of REQUIRED must be given
REQUIRED = object()
COMMON = {"type": ("str", REQUIRED), "name": ("str", None), "min_risk": ("str", "Info"), "validate_certs": ("bool", True)}
OPTIONS = {
    "jira": {"url": ("url", REQUIRED), "project": ("str", REQUIRED), "issue_type": ("str", "Task"), "username": ("str", None),
             "token": ("str", None), "password": ("str", None), "labels": ("list", []), "cloud": ("bool", None)},
    "slack": {"webhook_url": ("url", REQUIRED)},
    "teams": {"webhook_url": ("url", REQUIRED)},
    "pagerduty": {"routing_key": ("str", REQUIRED), "events_url": ("url", PAGERDUTY_EVENTS_URL), "min_risk": ("str", "High")},
    "email": {"host": ("str", REQUIRED), "port": ("int", 25), "secure": ("str", "try"), "username": ("str", None),
              "password": ("str", None), "sender": ("str", REQUIRED), "to": ("list", REQUIRED)},
    "webhook": {"url": ("url", REQUIRED), "headers": ("dict", {})},
}
# never shown, at any verbosity; read from GUARDDUTY_NOTIFY_<TYPE>[_<NAME>]_<OPTION> when left out
SECRETS = {"jira": ("token", "password"), "slack": ("webhook_url",), "teams": ("webhook_url",), "pagerduty": ("routing_key",),
           "email": ("password",), "webhook": ("url", "headers")}
# also read from the environment when left out (the user of a user and password pair)
FROM_ENVIRONMENT = {kind: secrets + (("username",) if kind in ("jira", "email") else ()) for kind, secrets in SECRETS.items()}
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
_PROJECT_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}", re.ASCII)
_HEADER_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}", re.ASCII)
MASK = "********"


def env_name(channel, option):
    """The environment variable that holds ``option`` of ``channel`` (a dict with type and name):
    GUARDDUTY_NOTIFY_SLACK_WEBHOOK_URL for the slack channel named slack (the default name), and
    GUARDDUTY_NOTIFY_SLACK_SOC_WEBHOOK_URL for the one named soc."""
    parts = [channel["type"]] + ([channel["name"]] if channel["name"] != channel["type"] else []) + [option]
    return "GUARDDUTY_NOTIFY_" + "_".join(re.sub(r"[^A-Z0-9]", "_", part.upper()) for part in parts)


def label(channel):
    """How messages name a channel: its type and name (``slack 'soc'``)."""
    return f"{channel['type']} '{channel['name']}'"


def is_loopback(host):
    """Whether ``host`` (a name or an address) is this machine."""
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_url(where, text, secret):
    """An http(s) URL; (its host, a warning or None). The URL itself is never in a message: it may be a secret."""
    shown = "its value is hidden (a secret)" if secret else repr(text)
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise NotifyError(f"{where} must be an http:// or https:// URL with a host; {shown}")
    warning = None
    if parts.scheme.lower() == "http" and not is_loopback(parts.hostname):
        warning = (f"{where} is plain http:// to {parts.hostname}, not a loopback address: the message"
                   + (" and the secret in the URL travel" if secret else " travels") + " unencrypted; use https://")
    return parts.hostname, warning


def _value(where, kind, value):
    if kind in ("str", "url"):
        if not isinstance(value, str) or not value.strip():
            raise NotifyError(f"{where} must be a non-empty string, got {type_name(value)}")
        return value.strip()
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return value.strip().lower() in ("true", "yes", "on", "1")
        raise NotifyError(f"{where} must be true or false, got {type_name(value)}")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise NotifyError(f"{where} must be a whole number, got {type_name(value)}")
        return int(value)
    if kind == "list":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
            raise NotifyError(f"{where} must be a list of non-empty strings (or one string), got {type_name(value)}")
        return [item.strip() for item in items]
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise NotifyError(f"{where} must be a dict of strings, got {type_name(value)}")
    return dict(value)


def _from_environment(channel, environ):
    """Fill the options a channel left out from GUARDDUTY_NOTIFY_<TYPE>[_<NAME>]_<OPTION>; returns the options filled."""
    filled = []
    for option in FROM_ENVIRONMENT[channel["type"]]:
        found = environ.get(env_name(channel, option), "")
        if channel.get(option) not in (None, "", {}) or not found.strip():
            continue
        if option == "headers":
            try:
                found = json.loads(found)
            except ValueError:
                raise NotifyError(f"Channel {label(channel)}: {env_name(channel, option)} must hold a JSON object "
                                  "of header names and values (its value is hidden: a secret)") from None
        channel[option] = found
        filled.append(option)
    return filled


def _check_jira(channel, where):
    if not _PROJECT_RE.fullmatch(channel["project"]):
        raise NotifyError(f"{where}: project must be a Jira project key (letters, digits and _, a letter first), got {channel['project']!r}")
    for item in channel["labels"]:
        if len(item) > 255 or any(c.isspace() for c in item):
            raise NotifyError(f"{where}: labels must be Jira labels (no spaces, at most 255 characters), got {item!r}")
    if channel.get("token") and channel.get("password"):
        raise NotifyError(f"{where}: give token (an API token or a personal access token) or password, not both")
    if not channel.get("token") and not (channel.get("username") and channel.get("password")):
        raise NotifyError(
            f"{where} has no credentials: give token (Jira Cloud: with username, the account's e-mail; Jira Data Center: a "
            f"personal access token alone) or username and password, in the channel or in {env_name(channel, 'token')}, "
            f"{env_name(channel, 'username')} and {env_name(channel, 'password')} (the AWX credential type of docs/awx.md sets them)")


def _check_email(channel, where):
    if channel["secure"] not in EMAIL_SECURE:
        raise NotifyError(f"{where}: secure must be one of {', '.join(EMAIL_SECURE)}, got {channel['secure']!r}")
    if not 0 < channel["port"] < 65536:
        raise NotifyError(f"{where}: port must be between 1 and 65535, got {channel['port']}")
    if bool(channel.get("username")) != bool(channel.get("password")):
        raise NotifyError(f"{where}: give username and password together (or neither, for a server that asks for no login)")


def _check_webhook(channel, where):
    for name in channel["headers"]:
        if not _HEADER_RE.fullmatch(name):
            raise NotifyError(f"{where}: headers has a name that is not an HTTP header name: {name!r}")


def _destination(channel):
    kind = channel["type"]
    where = {"jira": lambda: [channel["url"].rstrip("/"), channel["project"].upper()], "slack": lambda: [channel["webhook_url"]],
             "teams": lambda: [channel["webhook_url"]], "pagerduty": lambda: [channel["events_url"], channel["routing_key"]],
             "email": lambda: [channel["host"], str(channel["port"])] + sorted(t.lower() for t in channel["to"]),
             "webhook": lambda: [channel["url"]]}[kind]()
    return hashlib.sha256("\n".join([kind] + where).encode("utf-8")).hexdigest()[:12]


def channel_from(given, index, environ):
    """One channel of ``notify_channels``, checked, with its defaults and secrets: (channel, warnings)."""
    where = f"notify_channels[{index}]"
    if not isinstance(given, dict):
        raise NotifyError(f"{where} must be a dict with a type ({', '.join(TYPES)}) and its options, got {type_name(given)}")
    kind = given.get("type")
    if kind not in TYPES:
        raise NotifyError(f"{where}: type must be one of {', '.join(TYPES)}, got {kind!r}")
    spec = dict(COMMON, **OPTIONS[kind])
    unknown = sorted(set(map(str, given)) - set(spec))
    if unknown:
        raise NotifyError(f"{where} ({kind}): unknown option(s) {', '.join(unknown)}; a {kind} channel takes {', '.join(sorted(spec))}")
    channel = {"type": kind}
    channel["name"] = _value(f"{where}.name", "str", given["name"]) if given.get("name") not in (None, "") else kind
    if not _NAME_RE.fullmatch(channel["name"]):
        raise NotifyError(f"{where}.name must be 1 to 64 letters, digits, '.', '_' or '-', got {channel['name']!r}")
    where = f"Channel {label(channel)} ({where})"
    for option, value in given.items():
        if option not in ("type", "name") and value not in (None, ""):
            channel[option] = _value(f"{where}: {option}", spec[option][0], value)
    from_environment = _from_environment(channel, environ)
    for option, (kind_of, default) in spec.items():
        if option in from_environment:
            channel[option] = _value(f"{where}: {option} (from {env_name(channel, option)})", kind_of, channel[option])
        if channel.get(option) in (None, "", []):
            if default is REQUIRED:
                hint = f" (or {env_name(channel, option)} in the environment)" if option in FROM_ENVIRONMENT[kind] else ""
                raise NotifyError(f"{where} needs {option}{hint}")
            channel[option] = copy.deepcopy(default)
    level = channel["min_risk"].strip().capitalize()
    if level not in RISK_LEVELS:
        raise NotifyError(f"{where}: min_risk must be one of {', '.join(RISK_LEVELS)}, got {channel['min_risk']!r}")
    channel["min_risk"] = level
    warnings = []
    for option, (kind_of, _default) in spec.items():
        if kind_of == "url":
            _host, warning = _check_url(f"{where}: {option}", channel[option], option in SECRETS[kind])
            if warning:
                warnings.append(warning)
    {"jira": _check_jira, "email": _check_email, "webhook": _check_webhook}.get(kind, lambda c, w: None)(channel, where)
    if kind == "jira" and channel["cloud"] is None:
        channel["cloud"] = (urllib.parse.urlsplit(channel["url"]).hostname or "").lower().endswith(".atlassian.net")
    channel["key"] = f"{kind}:{channel['name']}"
    channel["destination"] = _destination(channel)
    return channel, warnings


def channels_from(value, environ):
    """``notify_channels`` checked: (channels, warnings). Two channels of one type need different names."""
    if not isinstance(value, list):
        raise NotifyError(f"notify_channels must be a list of channels (dicts with a type and its options), got {type_name(value)}")
    if not value:
        raise NotifyError("notify_channels is empty: give at least one channel (a dict with a type: jira, slack, teams, "
                          "pagerduty, email or webhook, and its options)")
    channels, warnings, seen = [], [], {}
    for index, given in enumerate(value):
        channel, said = channel_from(given, index, environ)
        if channel["key"] in seen:
            raise NotifyError(f"notify_channels[{seen[channel['key']]}] and notify_channels[{index}] are both {label(channel)}: "
                              "give each channel of one type its own name")
        seen[channel["key"]] = index
        channels.append(channel)
        warnings += said
    return channels, warnings


def secrets_of(channels):
    """Every secret value of the channels (and the path of a secret URL, which holds its token) for ``redact``."""
    found = set()
    for channel in channels:
        for option in SECRETS[channel["type"]]:
            value = channel.get(option)
            values = list(value.values()) if isinstance(value, dict) else [value]
            for text in values:
                if isinstance(text, str) and len(text) >= 4:
                    found.add(text)
                    if option in ("webhook_url", "url"):
                        parts = urllib.parse.urlsplit(text)
                        rest = parts.path + ("?" + parts.query if parts.query else "")
                        if len(rest) >= 8:
                            found.add(rest)
        secret = channel.get("password") or channel.get("token")
        if channel["type"] == "jira" and channel.get("username") and secret:  # the Authorization header of basic auth
            found.add(base64.b64encode(f"{channel['username']}:{secret}".encode("utf-8")).decode("ascii"))
    return sorted(found, key=len, reverse=True)


def redact(value, secrets):
    """``value`` (strings, lists, dicts) with every secret replaced by ********."""
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: redact(item, secrets) for key, item in value.items()}
    return value


def public(channel):
    """A channel as the role's result shows it: its type, name, where it sends (no secret) and its min_risk."""
    shown = {"type": channel["type"], "name": channel["name"], "min_risk": channel["min_risk"]}
    if channel["type"] == "jira":
        shown.update(url=channel["url"], project=channel["project"])
    elif channel["type"] == "email":
        shown.update(host=channel["host"], to=channel["to"])
    elif channel["type"] == "pagerduty":
        shown.update(events_url=channel["events_url"])
    return shown
