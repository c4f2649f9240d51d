# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection as users get it: built with ansible-galaxy, installed, then used.

scripts/test (step "build") builds the tarball, installs it into a fresh collections root next to amazon.aws and
runs these tests with ANSIBLE_COLLECTIONS_PATH pointing there and GD_BUILT_TARBALL naming the tarball.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))

from gdemu import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from gdemu import scenarios  # noqa: E402  pylint: disable=wrong-import-position

INSTALLED = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "")
TARBALL = os.environ.get("GD_BUILT_TARBALL", "")
REPO = os.environ.get("GD_REPO", "")  # the git checkout (scripts/bootstrap exports it)

# Tracked files that are not part of the built collection (galaxy.yml build_ignore; galaxy.yml itself becomes MANIFEST.json)
NOT_SHIPPED = (".ci/", ".gitignore", "galaxy.yml")
# What a developer's checkout may hold besides its tracked files: none of it may reach the tarball.
LITTER = (
    ".git/HEAD", ".github/workflows/ci.yml", ".gitattributes", "plugins/modules/.gitkeep",
    ".venv/pyvenv.cfg", ".venv/lib/python3.11/site-packages/six.py", "venv/bin/activate", "tests/unit/.venv/pyvenv.cfg",
    ".tox/py311/log.txt",
    ".pytest_cache/v/cache/nodeids", "tests/integration/.pytest_cache/README.md", ".mypy_cache/3.11/cache.db",
    ".ruff_cache/0.6.0/123", "plugins/modules/__pycache__/guardduty_investigation.cpython-311.pyc",
    "plugins/module_utils/common.pyc", "tests/unit/conftest.pyo", ".cache/pip/x", ".coverage", ".coverage.host.123", "htmlcov/index.html",
    "tests/output/junit/python3.11-units.xml", "tests/output/.tmp/sanity.json", ".ansible/collections/x", "roles/investigation_report/.ansible/tmp",
    "collections/ansible_collections/secops/guardduty/README.md", "ansible_collections/amazon/aws/plugins/modules/s3_object.py",
    ".idea/workspace.xml", ".vscode/settings.json", "plugins/modules/.guardduty_investigation.py.swp", "README.md.swo", "README.md~",
    ".DS_Store", "docs/.DS_Store", "build/lib/setup.py", "context/_build/requirements.txt",
    "secops-guardduty-0.0.9.tar.gz", "docs/old-report.tar.gz", "changelogs/.plugin-cache.yaml",
)
# symlinks a virtualenv holds, pointing outside the checkout
LITTER_LINKS = {".venv/bin/python": sys.executable, "venv/lib64": os.path.dirname(sys.executable)}
BIN = os.path.dirname(sys.executable)

pytestmark = pytest.mark.skipif(not TARBALL, reason="run by scripts/test build, which builds and installs the collection first")


def ansible(tool, *args, env=None, check=True):
    run_env = dict(os.environ)
    run_env.update(env or {})
    # run outside the checkout: a working directory inside an ansible_collections tree changes what ansible resolves
    proc = subprocess.run(
        [os.path.join(BIN, tool), *args], capture_output=True, text=True, env=run_env, check=False, timeout=300, cwd=os.path.dirname(INSTALLED)
    )
    if check:
        assert proc.returncode == 0, f"{tool} {args}: rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_tarball_holds_the_collection_and_nothing_local():
    with tarfile.open(TARBALL) as tar:
        names = tar.getnames()
    assert "MANIFEST.json" in names and "FILES.json" in names
    for needed in ("plugins/modules/guardduty_investigation_info.py", "plugins/lookup/guardduty_investigation.py", "meta/runtime.yml", "README.md"):
        assert needed in names
    assert not [n for n in names if n.startswith(("tests/output", ".ci", ".git/")) or "__pycache__" in n or n.endswith(".tar.gz")]
    with tarfile.open(TARBALL) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["dependencies"] == {"amazon.aws": ">=10.0.0", "community.general": ">=11.0.0"}


def tracked_files():
    proc = subprocess.run(["git", "-C", REPO or ".", "ls-files", "-z"], capture_output=True, text=True, check=False)
    assert REPO and proc.returncode == 0, f"GD_REPO must name the git checkout the collection comes from (GD_REPO={REPO!r}): {proc.stderr}"
    return sorted(path for path in proc.stdout.split("\0") if path and os.path.lexists(os.path.join(REPO, path)))


def test_the_build_holds_only_the_collections_own_files_whatever_the_checkout_holds(tmp_path):
    source = tmp_path / "checkout"
    tracked = tracked_files()
    for path in tracked:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(os.path.join(REPO, path), source / path, follow_symlinks=False)
    for path in LITTER:
        assert path not in tracked
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text("litter\n", encoding="utf-8")
    for path, target in LITTER_LINKS.items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, source / path)
    out = tmp_path / "out"
    proc = ansible("ansible-galaxy", "collection", "build", "--output-path", str(out), str(source))
    (tarball,) = out.iterdir()
    with tarfile.open(tarball) as tar:
        shipped = sorted(member.name for member in tar.getmembers() if not member.isdir())
        listed = sorted(entry["name"] for entry in json.load(tar.extractfile("FILES.json"))["files"] if entry["ftype"] == "file")
    expected = sorted(path for path in tracked if not path.startswith(NOT_SHIPPED)) + ["FILES.json", "MANIFEST.json"]
    assert sorted(shipped) == sorted(expected), {"extra": sorted(set(shipped) - set(expected)), "missing": sorted(set(expected) - set(shipped))}
    assert sorted(listed + ["FILES.json", "MANIFEST.json"]) == sorted(shipped)
    assert "Skipping" not in proc.stdout + proc.stderr  # no warning about links out of the collection: ignored before


def test_every_plugin_documents_itself_from_the_installed_copy():
    listing = json.loads(ansible("ansible-doc", "--list", "--json", "secops.guardduty").stdout)
    assert "secops.guardduty.guardduty_investigation_info" in listing
    out = ansible("ansible-doc", "secops.guardduty.guardduty_investigation_info").stdout
    assert os.path.realpath(INSTALLED) in os.path.realpath(out.split("(", 1)[1].split(")", 1)[0])
    ansible("ansible-doc", "-t", "lookup", "secops.guardduty.guardduty_investigation")


def test_the_demo_playbook_runs_on_the_installed_collection(tmp_path):
    with Emulator(scenarios.demo()) as emulator:
        proc = ansible(
            "ansible-playbook",
            os.path.join(ROOT, "docs", "demo", "demo.yml"),
            "-e",
            f"gd_endpoint={emulator.url}",
            env={
                "AWS_ACCESS_KEY_ID": "AKIABUILDTESTKEY000000000000001",
                "AWS_SECRET_ACCESS_KEY": "build-test-secret-key-never-in-data-000000001",
                "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                "ANSIBLE_LOCAL_TEMP": str(tmp_path),
                "ANSIBLE_NOCOLOR": "1",
            },
        )
        assert "Risk level: Critical   Confidence: High" in proc.stdout
        assert emulator.count("GetInvestigation", scenarios.FINDING_INV_ID) >= 1
        assert emulator.emulator_errors == []


def readme_install_lines():
    """The commands of the README's install section, the one 'Without Galaxy' apart: ([all], [without Galaxy])."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index("## Install\n"):text.index("\n## ", text.index("## Install\n") + 1)]
    blocks = [[line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]
              for block in re.findall(r"```bash\n(.*?)```", section, re.S)]
    return blocks[0], blocks[1]


def test_the_readme_install_lines_name_the_version_galaxy_yml_builds():
    with tarfile.open(TARBALL) as tar:
        built = json.load(tar.extractfile("MANIFEST.json"))["collection_info"]["version"]
    lines, offline = readme_install_lines()
    named = re.findall(r"secops-guardduty-([0-9][^ ]*)\.tar\.gz", " ".join(lines + offline))
    assert named and set(named) == {built}, f"the README's install lines name {sorted(set(named))}, the build makes {built}"


def test_the_readme_install_without_galaxy_works_where_amazon_aws_is_already_there(tmp_path):
    """What the README says to run when Galaxy cannot be reached and amazon.aws and community.general are there (as the `ansible` pip
    package has it: on the Python path, not in a configured collections path): it installs, never calls Galaxy (which
    is made unreachable here), and the collection then works."""
    _lines, offline = readme_install_lines()
    assert offline[:2] == ["ansible-galaxy collection list amazon.aws", "ansible-galaxy collection list community.general"]
    install = shlex.split(offline[2])
    assert install[:5] == ["ansible-galaxy", "collection", "install", "--offline", "--no-deps"]
    # each dependency where the `ansible` pip package keeps it: its own ansible_collections tree on the Python path
    roots = [os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(os.path.join(INSTALLED, "ansible_collections", *name.split("."))))))
             for name in ("amazon.aws", "community.general")]
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ANSIBLE_COLLECTIONS_PATH"}
    env.update({  # a user's machine: the default collections path in HOME, the dependencies only on the Python path, no Galaxy
        "HOME": str(home), "PYTHONPATH": os.pathsep.join(dict.fromkeys(roots)),
        "ANSIBLE_GALAXY_SERVER": "http://127.0.0.1:9", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_NOCOLOR": "1",
    })

    def run(*words):
        return subprocess.run([os.path.join(BIN, words[0]), *words[1:]], capture_output=True, text=True, timeout=300, check=False,
                              cwd=str(tmp_path), env=env)

    for line in offline[:2]:
        listed = run(*shlex.split(line))
        assert listed.returncode == 0 and line.split()[-1] in listed.stdout, listed.stdout + listed.stderr
    installed = run(*[TARBALL if re.fullmatch(r"secops-guardduty-.*\.tar\.gz", word) else word for word in install])
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "secops.guardduty" in installed.stdout and "was installed successfully" in installed.stdout, installed.stdout
    assert "Galaxy" not in installed.stdout + installed.stderr
    assert (home / ".ansible" / "collections" / "ansible_collections" / "secops" / "guardduty" / "MANIFEST.json").is_file()
    doc = run("ansible-doc", "secops.guardduty.guardduty_investigation_info")
    assert doc.returncode == 0 and str(home) in doc.stdout, doc.stdout + doc.stderr
    with Emulator(scenarios.demo()) as emulator:
        env.update(AWS_ACCESS_KEY_ID="AKIABUILDTESTKEY000000000000002", AWS_SECRET_ACCESS_KEY="build-test-secret-key-never-in-data-000000002",
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable)
        args = f"investigation_id={scenarios.ACCOUNT_INV_ID} region=us-east-1 endpoint_url={emulator.url}"
        played = run("ansible", "localhost", "-m", "secops.guardduty.guardduty_investigation_info", "-a", args)
    assert played.returncode == 0 and '"status": "COMPLETED"' in played.stdout, played.stdout + played.stderr
    assert f'"investigation_id": "{scenarios.ACCOUNT_INV_ID}"' in played.stdout
