# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""No plugin, option or role says it was added in a version that is neither released nor the one being prepared.

The released versions are those of changelogs/changelog.yaml. While changelog fragments wait in changelogs/fragments,
a release is being prepared: the version galaxy.yml names when it is ahead of the last release (the release was
started by bumping it), else the next minor version after the last release (a 0.x collection adds features in minor
versions). With no fragment waiting, galaxy.yml names the last release and nothing may be newer. So
``version_added: 0.3.0`` passes while 0.3.0 is prepared (galaxy.yml at 0.2.0 or already at 0.3.0) and after
``antsibull-changelog release`` made it a release, and ``0.4.0`` (or a typo such as ``3.0.0``) fails at once.
"""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
# where version_added is written: plugin documentation (modules, lookups, filters, tests, doc fragments), the event
# sources, the roles' argument specs, the playbooks and rulebooks
SEARCHED = ("plugins", "extensions", "roles", "playbooks", "meta")
VERSION_ADDED = re.compile(r"""^\s*version_added:\s*["']?([^\s"'#]+)""", re.M)


def version(text):
    found = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", str(text))
    assert found, f"{text!r} is not a version X.Y.Z"
    return tuple(int(part) for part in found.groups())


def shown(parts):
    return ".".join(map(str, parts))


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        return version(yaml.safe_load(handle)["version"])


def released_versions():
    with open(os.path.join(ROOT, "changelogs", "changelog.yaml"), encoding="utf-8") as handle:
        return sorted(version(v) for v in (yaml.safe_load(handle).get("releases") or {}))


def waiting_fragments():
    folder = os.path.join(ROOT, "changelogs", "fragments")
    return sorted(name for name in os.listdir(folder) if name.endswith((".yml", ".yaml"))) if os.path.isdir(folder) else []


def prepared_version():
    """The newest version anything may say it was added in (see the module's docstring)."""
    released, galaxy = released_versions(), galaxy_version()
    last = released[-1] if released else (0, 0, 0)
    if not waiting_fragments():
        return galaxy
    if galaxy > last:
        return galaxy
    return (last[0], last[1] + 1, 0)


def versions_added():
    """{(path, line): version} of every version_added in the collection's plugins, extensions, roles and playbooks."""
    found = {}
    for top in SEARCHED:
        for folder, _dirs, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if not name.endswith((".py", ".yml", ".yaml")):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
                for match in VERSION_ADDED.finditer(text):
                    found[(os.path.relpath(path, ROOT), text.count("\n", 0, match.start()) + 1)] = match.group(1)
    return found


def test_galaxy_yml_names_the_last_release_or_the_one_being_prepared():
    released, galaxy = released_versions(), galaxy_version()
    assert released, "changelogs/changelog.yaml has no release"
    assert galaxy >= released[-1], f"galaxy.yml says {shown(galaxy)}, older than the last release {shown(released[-1])}"
    if not waiting_fragments():
        assert galaxy == released[-1], f"galaxy.yml says {shown(galaxy)} but no changelog fragment waits for it (last release {shown(released[-1])})"
    else:
        assert galaxy in (released[-1], prepared_version())


def test_nothing_was_added_in_a_version_newer_than_the_one_being_prepared():
    newest = prepared_version()
    found = versions_added()
    assert len(found) >= 20  # every plugin and event source says when it came: the scan sees them
    too_new = {f"{path}:{line}": value for (path, line), value in found.items() if version(value) > newest}
    assert not too_new, (
        f"version_added newer than {shown(newest)}, the version being prepared (galaxy.yml {shown(galaxy_version())}, "
        f"last release {shown(released_versions()[-1])}, {len(waiting_fragments())} changelog fragment(s) waiting): {too_new}"
    )


def test_the_rule_allows_the_next_minor_only_while_fragments_wait(monkeypatch):
    """The rule itself: 0.3.0 while 0.3.0 is prepared (galaxy.yml before or after its bump) and once released; not
    0.4.0."""
    module = globals()
    for released, galaxy, fragments, newest in (
        ([(0, 2, 0)], (0, 2, 0), ["25-x.yml"], (0, 3, 0)),  # preparing 0.3.0, galaxy.yml not bumped yet
        ([(0, 2, 0)], (0, 3, 0), ["25-x.yml"], (0, 3, 0)),  # preparing 0.3.0, galaxy.yml bumped
        ([(0, 2, 0), (0, 3, 0)], (0, 3, 0), [], (0, 3, 0)),  # 0.3.0 released
        ([(0, 2, 0)], (0, 2, 0), [], (0, 2, 0)),  # nothing waiting: nothing newer than 0.2.0
    ):
        monkeypatch.setitem(module, "released_versions", lambda released=released: released)
        monkeypatch.setitem(module, "galaxy_version", lambda galaxy=galaxy: galaxy)
        monkeypatch.setitem(module, "waiting_fragments", lambda fragments=fragments: fragments)
        assert prepared_version() == newest
        assert (0, 4, 0) > prepared_version()
