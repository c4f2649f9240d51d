# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One truth for the boto3/botocore requirements: the versions the plugins check, everywhere they are written."""

from __future__ import annotations

import glob
import os
import re

import pytest
import yaml

from ansible.parsing.plugin_docs import read_docstring
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

from ansible_collections.secops.guardduty.plugins.doc_fragments.requirements import ModuleDocFragment
from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_MINIMUM
from ansible_collections.secops.guardduty.plugins.module_utils.client import BOTOCORE_RICH

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# every plugin that calls AWS: the modules and lookups, but the modules that only document an action of the controller
# (plugins/action/<name>.py, which calls no AWS API)
API_PLUGINS = sorted(path for path in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")) + glob.glob(os.path.join(ROOT, "plugins", "lookup", "*.py"))
                     if not os.path.exists(os.path.join(ROOT, "plugins", "action", os.path.basename(path))))
REQUIREMENTS = yaml.safe_load(ModuleDocFragment().DOCUMENTATION)["requirements"]


def test_the_fragment_states_the_versions_the_plugins_check():
    assert REQUIREMENTS[1:3] == [f"boto3 >= {BOTOCORE_MINIMUM}", f"botocore >= {BOTOCORE_MINIMUM} (the first release with the GuardDuty investigation API)"]
    assert REQUIREMENTS[3].startswith(f"boto3 and botocore >= {BOTOCORE_RICH} for ")


@pytest.mark.parametrize("path", API_PLUGINS, ids=lambda p: os.path.relpath(p, ROOT))
def test_every_api_plugin_documents_these_requirements(path):
    fragments = read_docstring(path)["doc"]["extends_documentation_fragment"]
    assert "secops.guardduty.requirements" in fragments and "amazon.aws.boto3" not in fragments
    assert get_docstring(path, fragment_loader, collection_name="secops.guardduty")[0]["requirements"] == REQUIREMENTS


def test_requirements_txt_and_readme_say_the_same():
    with open(os.path.join(ROOT, "requirements.txt"), encoding="utf-8") as fh:
        pins = sorted(line.strip() for line in fh if line.strip() and not line.startswith("#"))
    assert pins == [f"boto3>={BOTOCORE_MINIMUM}", f"botocore>={BOTOCORE_MINIMUM}"]
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    assert f"botocore/boto3 {BOTOCORE_MINIMUM} or newer" in readme and f"need botocore {BOTOCORE_RICH}" in readme
    # no other floor for them anywhere in the README (the matrix table names tested versions, not floors)
    floors = set(re.findall(r"(?:boto3|botocore)[/a-z0-9]* ?>= ?([0-9.]+[0-9])", readme))
    assert floors <= {BOTOCORE_MINIMUM, BOTOCORE_RICH}, floors
