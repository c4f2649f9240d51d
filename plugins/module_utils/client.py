# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The GuardDuty client of every plugin: the collection's identity and requirements, retries, the paginator.

Calls go through a client that amazon.aws builds (credentials, endpoint, user agent) wrapped in the collection's
retries; ``read_pages`` (and ``paginate``, all of them) is the one way to read pages; errors become messages in
errors.py.
"""

from __future__ import annotations

import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.amazon.aws.plugins.module_utils.botocore import botocore_at_least
from ansible_collections.amazon.aws.plugins.module_utils.cloud import BackoffIterator
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

COLLECTION_NAME = "secops.guardduty"
COLLECTION_VERSION = "0.3.0"

# First botocore with Create/Get/ListInvestigations, and the one that added SummaryFormat,
# SummaryData, Scope, ListInvestigations filters and ListInvestigationRecords.
BOTOCORE_MINIMUM = "1.43.35"
BOTOCORE_RICH = "1.44.2"

# The Investigation API is a preview available in these Regions only.
PREVIEW_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-northeast-1",
)

# amazon.aws's default retry list lacks the two codes GuardDuty uses for throttling and server errors.
EXTRA_RETRY_CODES = ["ThrottlingException", "InternalServerErrorException"]
RETRIES = 10  # attempts, as AWSRetry.jittered_backoff makes them

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32


class RetryBackoff:
    """The delays of amazon.aws's ``AWSRetry.jittered_backoff`` (its BackoffIterator: 3 s doubling up to 60 s, with
    jitter), waited through ``sleep``, which a test replaces (``RetryBackoff.sleep``) instead of the process-wide
    ``time.sleep``. Each delay is waited before the attempt it precedes and amazon.aws's own wait is given 0, so its
    retry loop decides when to retry exactly as with jittered_backoff. Every call iterates afresh (no state shared
    between threads)."""

    sleep = staticmethod(time.sleep)

    def __init__(self, delay=3, backoff=2.0, max_delay=60):
        self.delay, self.backoff, self.max_delay = delay, backoff, max_delay

    def __iter__(self):
        previous = None
        for delay in BackoffIterator(delay=self.delay, backoff=self.backoff, max_delay=self.max_delay, jitter=True):  # endless
            if previous is not None:
                RetryBackoff.sleep(previous)
            previous = delay
            yield 0


def retry_decorator():
    """amazon.aws's AWSRetry (its retry loop and the error codes it retries) plus ThrottlingException and
    InternalServerErrorException, 10 attempts with jittered backoff (RetryBackoff)."""
    return AWSRetry.base_decorator(
        retries=RETRIES,
        found=AWSRetry.found,
        status_code_from_exception=AWSRetry.status_code_from_exception,
        catch_extra_error_codes=EXTRA_RETRY_CODES,
        sleep_time_generator=RetryBackoff(),
    )


def sdk_requirement(feature):
    """The amazon.aws style "requires botocore>=X" message when ``feature`` needs a newer botocore, else None."""
    if botocore_at_least(BOTOCORE_RICH):
        return None
    return missing_required_lib(f"botocore>={BOTOCORE_RICH}", reason=f"for {feature}")


def region_warning(region):
    if region and region not in PREVIEW_REGIONS:
        return (
            f"Region {region} is not one of the Regions where GuardDuty investigations (preview) are available "
            f"({', '.join(PREVIEW_REGIONS)}); calls may fail."
        )
    return None


def client_config(concurrency=DEFAULT_CONCURRENCY):
    """The connection pool is sized for concurrent fetches; a user's ``aws_config`` still wins (amazon.aws merges it last)."""
    return {"max_pool_connections": max(10, concurrency)}


def guardduty_client(plugin, concurrency=DEFAULT_CONCURRENCY, region=None):
    """A GuardDuty client with the collection's retries, built by amazon.aws (a module or a lookup alike); in
    ``region`` when given (a task over several Regions), else in the plugin's Region."""
    if region is not None:
        return plugin.client("guardduty", retry_decorator=retry_decorator(), config=client_config(concurrency), region=region)
    return plugin.client("guardduty", retry_decorator=retry_decorator(), config=client_config(concurrency))


def guardduty_clients(plugin, regions, connection_info, concurrency=DEFAULT_CONCURRENCY):
    """{region: GuardDuty client} for a task over several Regions. amazon.aws builds the first Region's client
    (guardduty_client: its checks and messages for credentials, profile and Region); the others come from
    session_clients() with the same connection (``connection_info(plugin)``: amazon.aws's get_aws_connection_info of
    a module or of a plugin), or from amazon.aws one by one where session_clients() cannot build them."""
    first = guardduty_client(plugin, concurrency, region=regions[0])
    clients = {regions[0]: first}
    others = list(regions[1:])
    if others:
        _region, endpoint_url, params = connection_info(plugin)
        made = session_clients(others, endpoint_url, params, client_config(concurrency), first.retry)
        clients.update(made if made is not None else {region: guardduty_client(plugin, concurrency, region=region) for region in others})
    return clients


def session_clients(regions, endpoint_url, params, config=None, retry=None):
    """{region: GuardDuty client} for ``regions``, all from one boto3 session (session_factory), wrapped in ``retry``
    when given. amazon.aws builds a new session for every client, and each loads botocore's models again: about 0.1 s
    of CPU per Region, most of a ten-Region task's own time, where a second client of one session costs a few
    milliseconds. None when this amazon.aws has no user agent function to build them with."""
    make = session_factory(endpoint_url, params, config)
    if make is None:
        return None
    clients = {}
    for region in regions:
        client = make("guardduty", region)
        clients[region] = client if retry is None else RetryingBotoClientWrapper(client, retry)
    return clients


def session_factory(endpoint_url, params, config=None, sessions=None):
    """make(service, region) -> a boto3 client, every client on one boto3 session, built as amazon.aws builds a client
    (module_utils/botocore.py, _boto3_conn: its user agent, then ``config``, then the user's ``aws_config``, on a
    session of ``profile_name``; ``endpoint_url`` and ``params`` as its get_aws_connection_info gives them). None when
    this amazon.aws has no user agent function to build them with (the caller then lets amazon.aws build each).
    ``sessions`` ({profile: session}, the caller's) keeps the sessions for further factories: a second factory of the
    same profile (other credentials, another Region) loads no model again; the caller serialises client creation
    then (a session is not safe to share between threads while it builds clients)."""
    try:
        from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore.config  # pylint: disable=import-outside-toplevel

    params = dict(params)
    profile = params.pop("profile_name", None)
    merged = botocore.config.Config(user_agent=_get_user_agent_string())
    for extra in (config, params.pop("config", None), params.pop("aws_config", None)):
        if extra:
            merged = merged.merge(extra if isinstance(extra, botocore.config.Config) else botocore.config.Config(**extra))
    session = sessions.get(profile) if sessions is not None else None
    if session is None:
        session = boto3.session.Session(profile_name=profile)
        if sessions is not None:
            sessions[profile] = session

    def make(service, region):
        return session.client(service, config=merged, region_name=region, endpoint_url=endpoint_url, **params)

    return make


def read_pages(client, operation, result_key, until=None, **params):
    """(items, pages read) of a listing: botocore's paginator, page after page, until ``until(items)`` says enough
    (the event sources stop early) or the last page. The whole read is retried on throttling and server errors, with
    the retries the client was built with (amazon.aws's wrapper keeps them), or the collection's."""

    @(getattr(client, "retry", None) or retry_decorator())
    def read():
        items, count = [], 0
        for page in client.get_paginator(operation).paginate(**params):
            count += 1
            items.extend(page.get(result_key) or [])
            if until is not None and items and until(items):
                break
        return items, count

    return read()


def paginate(client, operation, result_key, **params):
    """Every item of every page of ``operation`` (the ``result_key`` lists), retried as a whole."""
    return read_pages(client, operation, result_key, **params)[0]
