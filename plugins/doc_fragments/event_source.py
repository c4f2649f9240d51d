# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # The options and notes the two event sources (extensions/eda/plugins/event_source: findings, investigations)
    # share, merged into each source's DOCUMENTATION as ansible-doc merges a fragment (plugin_utils/event_sources.py,
    # source_documentation): secops.guardduty.event_source
    DOCUMENTATION = r"""
options:
  detector_id:
    description:
      - The detector whose investigations or findings are watched.
      - When absent, the only detector of the Region is used; with none or several the source stops and says so.
    type: str
  interval:
    description:
      - Seconds between the starts of two polls. A change is reported at most about O(interval) seconds after it happened.
    type: float
    default: 30
  regions:
    description:
      - Watch these Regions with one source and one event stream. A list of Region names (or one string with commas), or
        V(all) for the Regions where the investigation API answers (us-east-1, us-east-2, us-west-2, ca-central-1,
        eu-central-1, eu-west-1, eu-west-2, eu-west-3, eu-north-1, ap-northeast-1).
      - Every name must be a Region of an AWS partition as botocore knows them; any other (a typo such as
        C(eu-wset-1)) stops the source at its start, naming the nearest Regions (C(did you mean eu-west-1?)).
      - Each Region has its own client (the collection's retries in each), its own detector (the only one in the Region)
        and its own state, so each change is reported once, with the Region in the event's C(region). The Regions are
        polled concurrently; a quiet poll is one listing call (ListInvestigations or ListFindings) per Region.
      - A Region that fails (no detector, AI analysis not enabled, access denied, no answer after the retries) is logged
        with its Region and reason and tried again at every poll while the other Regions go on; the source stops only
        when every Region fails for a reason no retry fixes.
      - Mutually exclusive with O(region) given as a source argument; a Region that only comes from E(AWS_REGION),
        E(AWS_DEFAULT_REGION) or the profile does not conflict (this option wins). Cannot be combined with O(detector_id).
    type: list
    elements: str
  region:
    description:
      - The AWS Region. The C(AWS_REGION) or C(AWS_DEFAULT_REGION) environment variables, or the profile's Region, when absent.
      - Without O(regions), the one Region watched.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL to use instead of the default AWS endpoint (the C(AWS_URL) environment variable when absent; empty means the default).
    type: str
    aliases: [aws_endpoint_url]
  profile:
    description:
      - A named AWS profile (the C(AWS_PROFILE) or C(AWS_DEFAULT_PROFILE) environment variables when absent). Cannot be
        combined with O(access_key), O(secret_key) or O(session_token).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key ID (C(AWS_ACCESS_KEY_ID) when absent). Without keys or profile, boto3's credential chain is used
        (environment, shared files, instance or task role).
    type: str
    aliases: [aws_access_key_id, aws_access_key]
  secret_key:
    description:
      - AWS secret access key (C(AWS_SECRET_ACCESS_KEY) when absent).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
  session_token:
    description:
      - AWS session token for temporary credentials (C(AWS_SESSION_TOKEN) when absent).
    type: str
    aliases: [aws_session_token]
  validate_certs:
    description:
      - Whether to verify the endpoint's TLS certificate.
    type: bool
    default: true
  aws_ca_bundle:
    description:
      - CA bundle to verify the endpoint with (C(AWS_CA_BUNDLE) when absent).
    type: path
  aws_config:
    description:
      - botocore client configuration (for example C(retries) or C(read_timeout)); it overrides the source's defaults.
    type: dict
notes:
  - The source ends with one error message (a GuardDutyError) on a fatal problem; ansible-rulebook reports it and shuts down.
"""
