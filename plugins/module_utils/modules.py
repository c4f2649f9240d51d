# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""GuardDutyModule: amazon.aws's AnsibleAWSModule, naming this collection, with its connection messages."""

from __future__ import annotations

import os

from ansible_collections.amazon.aws.plugins.module_utils.common import set_collection_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_MINIMUM
from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_NAME
from ansible_collections.secops.guardduty.plugins.module_utils.client import COLLECTION_VERSION
from ansible_collections.secops.guardduty.plugins.module_utils.client import region_warning
from ansible_collections.secops.guardduty.plugins.module_utils.errors import GuardDutyError
from ansible_collections.secops.guardduty.plugins.module_utils.errors import connection_failure
from ansible_collections.secops.guardduty.plugins.module_utils.regions import check_region_conflict
from ansible_collections.secops.guardduty.plugins.module_utils.regions import region_from_environment
from ansible_collections.secops.guardduty.plugins.module_utils.regions import resolve_regions

# Where a Region can come from, for the message when there is none.
REGION_HELP = (
    "set region in the task, or for every task of a play with module_defaults (group/secops.guardduty.guardduty: "
    "region: us-east-1), or set AWS_REGION (or AWS_DEFAULT_REGION, or region in the profile's ~/.aws/config section) "
    "in the environment the task runs in"
)
# The environment variables amazon.aws reads for each credential option (its argument spec's fallbacks).
CREDENTIAL_VARIABLES = {
    "access_key": ("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "EC2_ACCESS_KEY"),
    "secret_key": ("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "EC2_SECRET_KEY"),
    "session_token": ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "EC2_SECURITY_TOKEN"),
}


def profile_conflict(profile, values):
    """The message for a profile given together with keys, naming the variables when the keys came from the
    environment (where a user does not see them in the task); None when there is no conflict.

    ``values``: the access_key, secret_key and session_token the plugin ended up with.
    """
    given = {name: value for name, value in values.items() if value}
    if not profile or not given:
        return None
    from_environment = [var for name, value in given.items() for var in CREDENTIAL_VARIABLES[name] if os.environ.get(var) == value]
    if not from_environment:
        return None  # both in the task: amazon.aws's own message says it
    return (
        f"profile {profile!r} was given, and AWS keys came from the environment too ({', '.join(from_environment)}): "
        "amazon.aws cannot use both. Unset them (unset " + " ".join(from_environment) + ") to use the profile, "
        "or leave profile (and AWS_PROFILE) out to use the keys"
    )


def region_missing(name):
    return f"The {name} module needs a Region and found none: {REGION_HELP}"


class GuardDutyModule(AnsibleAWSModule):
    """AnsibleAWSModule that names this collection in the user agent. ``service`` is the AWS service the module
    calls: the preview Region warning is GuardDuty's (a containment module calling EC2 works in every Region), and
    only for the investigation API: ``preview=False`` for a module that calls GuardDuty's findings or filters, which
    every Region has."""

    def __init__(self, service="guardduty", preview=True, **kwargs):
        set_collection_info(collection_name=COLLECTION_NAME, collection_version=COLLECTION_VERSION)
        super().__init__(**kwargs)
        if self.params.get("endpoint_url") == "":
            # an empty AWS_URL (an AWX credential field left blank) means "the default endpoint", not an invalid one
            self.params["endpoint_url"] = None
        self.require_botocore_at_least(BOTOCORE_MINIMUM, reason="for the GuardDuty investigation API")
        conflict = profile_conflict(self.params.get("profile"), {name: self.params.get(name) for name in CREDENTIAL_VARIABLES})
        if conflict:
            self.fail_json(msg=conflict)
        if self.params.get("regions") is not None:
            self._check_regions()
            return
        if not self.region:
            self.fail_json(msg=region_missing(self._name))
        warning = region_warning(self.region) if service == "guardduty" and preview else None
        if warning:
            self.warn(warning)

    def _check_regions(self):
        """``regions`` (a module that has the option): resolved (``all``), and refused beside a region given in the
        task; a region that only comes from AWS_REGION / AWS_DEFAULT_REGION does not count (regions wins)."""
        region = self.params.get("region")
        try:
            regions = resolve_regions(self.params["regions"])
            check_region_conflict(regions, None if not region or region_from_environment(region) else region)
        except GuardDutyError as e:
            self.fail_json(msg=e.message)
        self.params["regions"] = regions

    def warn(self, warning, *args, **kwargs):
        # ansible-core's own warning: amazon.aws 11 would also pass it to exit_json as `warnings`, which ansible-core
        # 2.19+ reports as deprecated (and already shows the warning itself).
        return self._module.warn(warning, *args, **kwargs)

    def fail_json_aws(self, exception, msg=None, **kwargs):
        """amazon.aws's failure, except that missing or partial credentials say how to provide them, and a profile that
        does not exist says where profiles are read from and how to list them."""
        message, exception = connection_failure(msg, exception)
        if exception is None:
            self.fail_json(msg=message, **kwargs)
        super().fail_json_aws(exception, msg=msg, **kwargs)

    def fail_call(self, error, doing, **kwargs):
        """The failure of a call made while ``doing`` (a GuardDutyError of errors.AWSCallHandler): what the module was
        doing, then the call's message; ``kwargs`` are returned with it."""
        self.fail_json_aws_error(GuardDutyError(f"{doing}: {error.message}", exception=error.exception, reason=error.reason,
                                                **dict(error.kwargs, **kwargs)))

    def fail_json_aws_error(self, exception):
        """amazon.aws's failure for an AnsibleAWSError (a GuardDutyError), with the result data the error carries."""
        if not exception.kwargs:
            super().fail_json_aws_error(exception)
        if exception.exception is not None:
            self.fail_json_aws(exception.exception, msg=exception.message, **exception.kwargs)
        self.fail_json(msg=exception.message, **exception.kwargs)
