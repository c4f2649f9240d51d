# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS without AWS for the engine's tests: real boto3 clients behind botocore's Stubber (each request checked against
the service model and against the parameters the test expects, in order), wrapped with the collection's retries as
the engine wraps them; and the steps the engine builds from a plan, run one at a time so that the stubs answer in
order."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.secops.guardduty.plugins.module_utils.client import retry_decorator
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.plan import plan_with_context
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.steps import execute
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.types import TYPES
from ansible_collections.secops.guardduty.tests.unit.conftest import UNIT_ACCESS_KEY
from ansible_collections.secops.guardduty.tests.unit.conftest import UNIT_SECRET_KEY
from ansible_collections.secops.guardduty.tests.unit.plugins.plugin_utils.respond import contain_samples as s

# what every real answer carries besides its members (steps that return "call(...) and True" rely on a non-empty answer)
METADATA = {"RequestId": "unit-test-request", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}


def stubbed(service, region=s.REGION):
    """(the client wrapped with the collection's retries, its active Stubber) of ``service``."""
    client = boto3.client(service, region_name=region, aws_access_key_id=UNIT_ACCESS_KEY, aws_secret_access_key=UNIT_SECRET_KEY)
    stub = Stubber(client)
    stub.activate()
    return RetryingBotoClientWrapper(client, retry_decorator()), stub


class StubbedAWS:
    """What the engine gives the steps as ``context.aws``: ``aws(service)`` is a stubbed client, made when first asked
    for. ``expect`` and ``refuse`` queue the next call of a service; ``slept`` lists the pauses the steps asked for."""

    def __init__(self):
        self.clients, self.stubs, self.slept = {}, {}, []

    def __call__(self, service):
        if service not in self.clients:
            self.clients[service], self.stubs[service] = stubbed(service)
        return self.clients[service]

    def stub(self, service):
        self(service)
        return self.stubs[service]

    def expect(self, service, method, params, response=None):
        """The next call of ``service`` is ``method`` with exactly ``params``; it answers ``response``."""
        self.stub(service).add_response(method, dict(response or {}, ResponseMetadata=METADATA), params)

    def refuse(self, service, method, params, code="AccessDenied", message="User is not authorized to perform this operation", status=403):
        """The next call of ``service`` is ``method`` with exactly ``params``; AWS answers the error ``code`` (one that
        is not retried)."""
        self.stub(service).add_client_error(method, service_error_code=code, service_message=message, http_status_code=status,
                                            expected_params=params)

    def verify(self):
        """Every call the test expected was made."""
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def steps_of(found, settings, state, aws):
    """(the plan, its steps) as the engine makes them when it acts: the plan with ``settings.done``, a Context that
    acts with ``aws``, each done entry's apply (or, in rollback, undo) steps."""
    plan, context = plan_with_context(found, dict(settings, done=True), state)
    context.aws, context.entries, context.sleep = aws, plan["resources"], aws.slept.append
    act = "undo" if plan["mode"] == "rollback" else "apply"
    return plan, [step for e in plan["resources"] if e["status"] == "done" for step in getattr(TYPES[e["type"]], act)(e, context)]


def run(steps, aws):
    """Run ``steps`` one at a time (the stubs answer in order): ([(key, status)] in the order they ended, the results);
    every call expected was made."""
    results, order = execute(steps, workers=1)
    try:
        aws.verify()
    except AssertionError as e:
        raise AssertionError(f"{e}; what became of the steps: {results}") from None
    return [(key, results[key]["status"]) for key in order], results


def dependencies(steps):
    """{step key: the keys it comes after}."""
    return {step.key: list(step.after) for step in steps}
