# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""docs/README.md lists every page and file of docs/, one line each, and the README links it and the pages a newcomer
looks for (issue 25): the two event sources' reference pages and the contain role's README."""

from __future__ import annotations

import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def rows(text):
    """{link target: description} of the table rows of a page: | [name](target) | description |."""
    found = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        link = LINK.search(cells[0]) if len(cells) == 2 else None
        if link:
            found[link.group(1)] = cells[1]
    return found


def test_docs_readme_lists_every_page_and_file_of_docs_one_line_each():
    listed = rows(read(os.path.join(DOCS, "README.md")))
    for folder, _dirs, files in os.walk(DOCS):
        for name in files:
            path = os.path.relpath(os.path.join(folder, name), DOCS)
            if path == "README.md":
                continue
            covered = path in listed or any(target.endswith("/") and path.startswith(target) for target in listed)
            assert covered, f"docs/README.md does not list docs/{path}"
    assert all(description and "\n" not in description for description in listed.values())


def test_every_link_of_the_index_resolves():
    text = read(os.path.join(DOCS, "README.md"))
    targets = LINK.findall(text)
    assert len(targets) >= 20
    for target in targets:
        assert os.path.exists(os.path.normpath(os.path.join(DOCS, target))), f"docs/README.md links {target}, which does not exist"


def test_the_readme_links_the_index_the_event_source_pages_and_the_contain_role():
    readme = read(os.path.join(ROOT, "README.md"))
    more = readme[readme.index("## More"):readme.index("\n## ", readme.index("## More") + 1)]
    linked = set(LINK.findall(more))
    assert {"docs/README.md", "docs/eda-source-investigations.md", "docs/eda-source-findings.md", "roles/contain/README.md"} <= linked
    for target in linked:
        assert os.path.exists(os.path.join(ROOT, target)), target
