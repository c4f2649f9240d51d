# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The guardduty_investigation lookup's runner and its client cache (controller only: never in a module's payload).

The lookup reads like the info module (module_utils/read.py), on a client it keeps for the next call with exactly the
same connection: building a client loads botocore's endpoint data and the service model again, most of a single-id
lookup's time.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info

from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION
from ansible_collections.amazon.aws.plugins.plugin_utils.botocore import get_aws_connection_info

from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_client
from ansible_collections.secops.guardduty.plugins.module_utils.client import guardduty_clients
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import invalid
from ansible_collections.secops.guardduty.plugins.module_utils.modules import CREDENTIAL_VARIABLES
from ansible_collections.secops.guardduty.plugins.module_utils.modules import profile_conflict
from ansible_collections.secops.guardduty.plugins.module_utils.options import NO_IDS
from ansible_collections.secops.guardduty.plugins.module_utils.options import READ_OPTION_NAMES
from ansible_collections.secops.guardduty.plugins.module_utils.options import check_policies
from ansible_collections.secops.guardduty.plugins.module_utils.read import check_task_options
from ansible_collections.secops.guardduty.plugins.module_utils.read import gather
from ansible_collections.secops.guardduty.plugins.module_utils.read import pick_terms
from ansible_collections.secops.guardduty.plugins.module_utils.read import region_readers
from ansible_collections.secops.guardduty.plugins.module_utils.regions import check_on_region_error
from ansible_collections.secops.guardduty.plugins.module_utils.regions import check_region_name
from ansible_collections.secops.guardduty.plugins.module_utils.regions import check_region_conflict
from ansible_collections.secops.guardduty.plugins.module_utils.regions import region_from_environment
from ansible_collections.secops.guardduty.plugins.module_utils.regions import region_warnings
from ansible_collections.secops.guardduty.plugins.module_utils.regions import resolve_regions

LOOKUP_NAME = COLLECTION_NAME + ".guardduty_investigation"

# Lookups run on the controller: module_defaults never reach them, so a Region given there does not count.
LOOKUP_REGION_HELP = (
    "Lookups run on the controller and do not take module_defaults (not even group/aws): pass the Region to the "
    "lookup itself (region='us-east-1', or its alias aws_region=...), or set AWS_REGION (or AWS_DEFAULT_REGION, or "
    "region in the profile's ~/.aws/config section) in the environment ansible-playbook runs in"
)

# Connection options of amazon.aws plugins (amazon.aws.common.plugins + amazon.aws.region.plugins doc fragments).
CONNECTION_OPTIONS = (
    "region",
    "endpoint_url",
    "access_key",
    "secret_key",
    "session_token",
    "profile",
    "aws_ca_bundle",
    "validate_certs",
    "aws_config",
    "debug_botocore_endpoint_logs",
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")

_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()
_CLIENTS_MAX = 32  # room for every Region of regions: all, under more than one set of connection options


def _file_state(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _connection_key(plugin, concurrency, region=None):
    """Everything that decides which client (and which credentials) a lookup gets, as one digest.

    The lookup's connection options, every AWS_* environment variable (credentials, profile, config and
    credential-file locations, container and web-identity settings) and the proxy variables, the state of the
    config and credentials files, the process (a forked worker never shares its parent's connections), the
    pool size and the Region a client of a task over several Regions is for.
    """
    options = {}
    for name in CONNECTION_OPTIONS:
        try:
            options[name] = plugin.get_option(name)
        except KeyError:
            options[name] = None
    environment = {k: v for k, v in os.environ.items() if k.startswith("AWS_") or k.upper() in PROXY_VARIABLES}
    files = {}
    for path in (environment.get("AWS_CONFIG_FILE") or "~/.aws/config", environment.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"):
        path = os.path.expanduser(path)
        files[path] = _file_state(path)
    material = [os.getpid(), concurrency, options, sorted(environment.items()), sorted(files.items()), region]
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=repr).encode("utf-8")).hexdigest()


def kept_client(plugin, concurrency):
    """guardduty_client(), kept for the next call in the same process with exactly the same connection options,
    environment and AWS files; anything that could change the credentials or the endpoint gives a new client."""
    key = _connection_key(plugin, concurrency)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = guardduty_client(plugin, concurrency)
            _keep(key, client)
    return client


def kept_clients(plugin, concurrency, regions):
    """{region: client} for ``regions``, each kept like kept_client(); the Regions without a kept client get theirs
    from guardduty_clients() (one boto3 session for all but the first)."""
    keys = {region: _connection_key(plugin, concurrency, region) for region in regions}
    with _CLIENTS_LOCK:
        clients = {region: _CLIENTS[key] for region, key in keys.items() if key in _CLIENTS}
        missing = [region for region in regions if region not in clients]
        if missing:
            for region, client in guardduty_clients(plugin, missing, get_aws_connection_info, concurrency).items():
                _keep(keys[region], client)
                clients[region] = client
    return {region: clients[region] for region in regions}


def _keep(key, client):
    if len(_CLIENTS) >= _CLIENTS_MAX:
        _CLIENTS.pop(next(iter(_CLIENTS)))  # the oldest
    _CLIENTS[key] = client


def forget_clients():
    """Drop every kept client (tests, or a caller that knows the credentials changed behind the environment)."""
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


def _flatten(terms):
    for term in terms:
        if isinstance(term, (list, tuple)):
            yield from _flatten(term)
        else:
            yield term


def lookup_investigations(plugin, terms, error_class):
    """guardduty_investigation lookup: one element per term, in term order; errors become ``error_class``.

    One read flow (read.gather) whatever the terms: plain ids in the lookup's one Region (a list of one), or, with
    ``regions`` or ``region:id`` terms, plain ids in each Region of ``regions`` (or the lookup's Region) and
    ``region:id`` terms in their Region, concurrently, put back in term order (read.pick_terms)."""
    set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
    opts = {name: plugin.get_option(name) for name in READ_OPTION_NAMES}
    policies = {name: plugin.get_option(name) for name in ("on_missing", "on_denied")}
    terms = list(_flatten(terms))
    if plugin.get_option("endpoint_url") == "":
        plugin.set_option("endpoint_url", None)  # an empty AWS_URL means the default endpoint, as in the modules
    try:
        check_policies(policies)
        on_region_error = check_on_region_error(plugin.get_option("on_region_error"))
        regions = resolve_regions(plugin.get_option("regions"))
        check_region_conflict(regions, _task_region(plugin))
        conflict = profile_conflict(plugin.get_option("profile"), {name: plugin.get_option(name) for name in CREDENTIAL_VARIABLES})
        if conflict:
            raise invalid(conflict)
        parsed = [parse_term(term) for term in terms]
        regional = regions is not None or any(region is not None for region, _iid in parsed)
        if not parsed:
            raise invalid(NO_IDS)
        plain_in = regions
        if plain_in is None and any(region is None for region, _iid in parsed):
            plain_in = [_lookup_region(plugin, regional)]
        wanted = {}
        for region, iid in parsed:
            for where in [region] if region else plain_in:
                wanted.setdefault(where, [])
                if iid not in wanted[where]:
                    wanted[where].append(iid)
        read_in = [region for region in dict.fromkeys((plain_in or []) + list(wanted)) if wanted.get(region)]
        for warning in region_warnings(read_in):
            plugin.warn(warning)
        opts = check_task_options(dict(opts, investigation_ids=[iid for _region, iid in parsed]), read_in if regional else None)
        concurrency = opts["concurrency"]
        clients = kept_clients(plugin, concurrency, read_in) if regional else {read_in[0]: kept_client(plugin, concurrency)}
        result = gather(region_readers(clients, concurrency), opts, plugin.warn, wanted, regional, on_region_error, **(policies if not regional else {}))
        if not regional:
            by_id = {item["investigation_id"]: item for item in result["investigations"]}
            return [by_id[iid] for _region, iid in parsed if iid in by_id]
        keys = [(region or (None if regions is not None else plain_in[0]), iid) for region, iid in parsed]
        return pick_terms(result, keys, plugin.warn, **policies)
    except GuardDutyError as e:
        raise error_class(str(e)) from None


def _lookup_region(plugin, regional):
    """The lookup's own Region (region, AWS_REGION or the profile) for plain ids; GuardDutyError when there is none."""
    region = plugin.region
    if region:
        return region
    if regional:
        raise invalid(
            f"The {LOOKUP_NAME} lookup found ids without a Region (no region: prefix) and no regions: give regions, "
            f"write the terms as region:investigation_id, or give a Region. {LOOKUP_REGION_HELP}"
        )
    # amazon.aws would say "requires a region ... module parameters", but module_defaults never reach a lookup
    profile = plugin.get_option("profile")
    why = f" (profile {profile!r} gave none: check that it exists and sets region)" if profile else ""
    raise invalid(f"The {LOOKUP_NAME} lookup needs a Region and found none{why}. {LOOKUP_REGION_HELP}")


# ---------------------------------------------------------------- many Regions: ``regions``, region:id terms


def parse_term(term):
    """(Region or None, id) of a term: ``region:investigation_id``, or a plain id. The Region must be one botocore
    knows (regions.check_region_name: a typo names the nearest Regions)."""
    if isinstance(term, str) and ":" in term:
        region, iid = term.split(":", 1)
        region = check_region_name(
            region.strip(),
            f"Invalid term {term!r}: a term is an investigation id, or region:investigation_id, and {region.strip()!r} is not a Region",
        )
        return region, iid.strip()
    return None, term


def _task_region(plugin):
    """The ``region`` given to the lookup itself (not one that only comes from AWS_REGION or a profile), or None."""
    region = plugin.get_option("region")
    if not region:
        return None
    try:
        value, origin = plugin.get_option_and_origin("region")
    except (AttributeError, KeyError):
        value, origin = None, None
    # ansible-core 2.19+ says where the value the lookup holds came from; older cores read the configuration again
    # (which does not know the lookup's arguments): then, as a module does, compare with the environment
    if origin is not None and value == region:
        return None if str(origin).startswith("env") else region
    return None if region_from_environment(region) else region
