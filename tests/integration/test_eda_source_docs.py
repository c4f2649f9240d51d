# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The event sources' reference pages (docs/eda-source-<name>.md) say what the sources' DOCUMENTATION says.

DOCUMENTATION and EXAMPLES are read from the source files with ast + yaml (the sources are not imported), the options
of the doc fragment they extend (secops.guardduty.event_source) merged in: every
documented option is on its page with the same type, default, aliases, choices and environment variables, the page
has no option the source does not have, its examples use only real options, and docs/eda.md links the pages.
"""

from __future__ import annotations

import ast
import os
import re
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_ROOT = os.path.abspath(os.path.join(ROOT, os.pardir, os.pardir, os.pardir))
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)  # the collection's own code merges the doc fragments
SOURCES = ("findings", "investigations")
NONE = "—"  # a cell without a value (no default, no alias, no variable)
COLUMNS = ["option", "type", "default", "aliases", "environment", "description"]


def source_path(name):
    return os.path.join(ROOT, "extensions", "eda", "plugins", "event_source", f"{name}.py")


def page_path(name):
    return os.path.join(ROOT, "docs", f"eda-source-{name}.md")


def module_strings(path):
    """{name: value} of the module-level string constants (DOCUMENTATION, EXAMPLES, ...) of a Python file."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), path)
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def documentation(name):
    """(DOCUMENTATION with the options of the doc fragments it extends, as the sources' code merges them, EXAMPLES)."""
    from ansible_collections.secops.guardduty.plugins.plugin_utils.event_sources import source_documentation  # pylint: disable=import-outside-toplevel

    strings = module_strings(source_path(name))
    return source_documentation(strings["DOCUMENTATION"]), yaml.safe_load(strings["EXAMPLES"])


def read_page(name):
    with open(page_path(name), encoding="utf-8") as handle:
        return handle.read()


def options_table(text):
    """{option: {column: cell}} from the first table under '## Options'; asserts its shape."""
    section = re.search(r"^## Options\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, "the page has no '## Options' section"
    rows = [line.strip() for line in section.group(1).splitlines() if line.strip().startswith("|")]
    assert len(rows) > 2, "the Options section has no table"

    def cells(row):
        return [cell.strip() for cell in row.strip("|").split("|")]

    header = [cell.lower() for cell in cells(rows[0])]
    assert header == COLUMNS, f"Options table columns {header}, expected {COLUMNS}"
    table = {}
    for row in rows[2:]:
        values = cells(row)
        assert len(values) == len(COLUMNS), f"row with {len(values)} cells instead of {len(COLUMNS)} (a '|' in a cell?): {row}"
        match = re.fullmatch(r"`([a-z_]+)`", values[0])
        assert match, f"the option cell must be the option's name in backticks: {values[0]!r}"
        assert match.group(1) not in table, f"option {match.group(1)} is listed twice"
        table[match.group(1)] = dict(zip(COLUMNS, values))
    return table


def code_list(cell):
    """'`a`, `b`' -> ['a', 'b']; the NONE mark -> []."""
    if cell == NONE:
        return []
    items = [item.strip() for item in cell.split(",")]
    assert all(re.fullmatch(r"`[^`]+`", item) for item in items), f"expected `name`, `name` or {NONE}: {cell!r}"
    return [item[1:-1] for item in items]


def same_value(page_value, documented):
    if isinstance(documented, bool) or isinstance(page_value, bool):
        return page_value is documented
    if isinstance(documented, (int, float)) and isinstance(page_value, (int, float)):
        return float(page_value) == float(documented)
    return page_value == documented


def yaml_blocks(text):
    return [yaml.safe_load(block) for block in re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S)]


def source_configs(value, fqcn):
    """Every mapping given to ``fqcn`` anywhere in a loaded YAML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == fqcn:
                yield item or {}
            else:
                yield from source_configs(item, fqcn)
    elif isinstance(value, list):
        for item in value:
            yield from source_configs(item, fqcn)


@pytest.mark.parametrize("name", SOURCES)
def test_page_lists_exactly_the_documented_options(name):
    doc, _examples = documentation(name)
    table = options_table(read_page(name))
    documented = doc["options"]
    missing = sorted(set(documented) - set(table))
    extra = sorted(set(table) - set(documented))
    assert not missing, f"docs/eda-source-{name}.md lacks option(s) {missing} of the source's DOCUMENTATION"
    assert not extra, f"docs/eda-source-{name}.md lists option(s) {extra} that the source does not have"


@pytest.mark.parametrize("name", SOURCES)
def test_page_options_match_documentation(name):
    doc, _examples = documentation(name)
    table = options_table(read_page(name))
    problems = []
    for option, spec in doc["options"].items():
        row = table.get(option)
        if row is None:
            continue  # reported by test_page_lists_exactly_the_documented_options
        if row["type"] != f"`{spec.get('type', 'str')}`":
            problems.append(f"{option}: type {row['type']} on the page, {spec.get('type', 'str')} in DOCUMENTATION")
        if "default" in spec:
            shown = re.fullmatch(r"`([^`]*)`", row["default"])
            if not shown or not same_value(yaml.safe_load(shown.group(1)), spec["default"]):
                problems.append(f"{option}: default {row['default']} on the page, {spec['default']!r} in DOCUMENTATION")
        elif row["default"] != NONE:
            problems.append(f"{option}: default {row['default']} on the page, none in DOCUMENTATION")
        if sorted(code_list(row["aliases"])) != sorted(spec.get("aliases") or []):
            problems.append(f"{option}: aliases {row['aliases']} on the page, {spec.get('aliases') or []} in DOCUMENTATION")
        for choice in spec.get("choices") or []:
            if f"`{choice}`" not in row["description"]:
                problems.append(f"{option}: choice {choice!r} is not on the page")
        description = " ".join(spec.get("description") or [])
        variables = code_list(row["environment"])
        for variable in re.findall(r"C\((AWS_[A-Z_]+)\)", description):
            if variable not in variables:
                problems.append(f"{option}: environment variable {variable} (DOCUMENTATION) is not in the environment column")
        if not row["description"] or row["description"] == NONE:
            problems.append(f"{option}: no description on the page")
    assert not problems, f"docs/eda-source-{name}.md disagrees with {name}.py's DOCUMENTATION:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", SOURCES)
def test_page_examples_are_the_sources_and_use_real_options(name):
    doc, examples = documentation(name)
    text = read_page(name)
    blocks = yaml_blocks(text)
    assert blocks and blocks[0] == examples, f"the first example of docs/eda-source-{name}.md is not the source's EXAMPLES"
    known = set(doc["options"]) | {alias for spec in doc["options"].values() for alias in spec.get("aliases") or []}
    configs = [config for block in blocks for config in source_configs(block, f"secops.guardduty.{name}")]
    assert len(configs) >= 2, "the page shows at least one example beyond the source's EXAMPLES"
    for config in configs:
        assert set(config) <= known, f"an example on docs/eda-source-{name}.md uses unknown option(s) {sorted(set(config) - known)}"


@pytest.mark.parametrize("name", SOURCES)
def test_page_states_the_cost_per_poll(name):
    text = read_page(name)
    section = re.search(r"^## Cost per poll\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, f"docs/eda-source-{name}.md has no '## Cost per poll' section"
    listing = {"findings": "ListFindings", "investigations": "ListInvestigations"}[name]
    assert re.search(rf"quiet poll.*\| 1 {listing}", section.group(1)), f"the cost of a quiet poll (1 {listing}) is not stated"


def test_eda_md_links_both_pages():
    with open(os.path.join(ROOT, "docs", "eda.md"), encoding="utf-8") as handle:
        text = handle.read()
    for name in SOURCES:
        assert f"(eda-source-{name}.md)" in text, f"docs/eda.md does not link eda-source-{name}.md"
