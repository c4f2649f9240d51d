# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write docs/iam/contain-{plan,apply,rollback}.json and docs/iam/dispose-{plan,apply,rollback}.json from what the response engine and its action types declare
(plugins/plugin_utils/respond/iam.py). Run with the project's environment after changing a type's ``iam``:

    eval "$(scripts/env)" && python tests/utils/iam_docs.py

tests/unit/plugins/plugin_utils/respond/test_iam.py fails until the files are written again.
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def main():
    # the collection as scripts/env syncs it (ANSIBLE_COLLECTIONS_PATH): the same code as the checkout's
    sys.path[:0] = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    from ansible_collections.secops.guardduty.plugins.plugin_utils.respond import iam  # pylint: disable=import-outside-toplevel

    for kind in iam.KINDS:
        for mode in iam.MODES:
            path = os.path.join(REPO, "docs", "iam", f"{kind}-{mode}.json")
            with open(path, "w", encoding="utf-8") as f:
                f.write(iam.policy_text(mode, kind))
            print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
