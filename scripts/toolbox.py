# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The secops.guardduty toolbox: everything behind scripts/demo, scripts/test and the other commands in scripts/.

Runs with the machine's python3 (3.11+, standard library only) before any virtualenv exists:

    python3 scripts/toolbox.py bootstrap              prepare everything (what every other command does first)
    python3 scripts/toolbox.py env                    print `export` lines: eval "$(scripts/env)"
    python3 scripts/toolbox.py demo [eda|contain|dispose|notify]  the demo on the bundled emulator; `eda`: the
                                                      event-driven one; `contain`: plan, apply, rollback of the
                                                      contain role (and moto); `dispose`: the same of the dispose
                                                      role; `notify`: the notify role telling six local stand-ins, once
    python3 scripts/toolbox.py test [STEP...]         sanity units lint docs changelog integration build
    python3 scripts/toolbox.py test-matrix [LEG...|--list]
    python3 scripts/toolbox.py benchmark [--eda] [ARGS...]
    python3 scripts/toolbox.py emulator [ARGS...]     tests/emulator/run.py with the project's virtualenv
    python3 scripts/toolbox.py ci                     what CI runs: scripts/test, then the matrix legs

Everything lives outside the checkout, under $SECOPS_GUARDDUTY_WORK (default
${XDG_CACHE_HOME:-$HOME/.cache}/secops-guardduty):

    venv-<key>                 the pinned toolchain (tests/requirements-tools.txt), key: that file and the Python
    amazon-aws-<version>       amazon.aws taken from the `ansible` wheel on PyPI (Galaxy is not reachable everywhere)
    community-general-<version>  community.general (Jira and mail for the notify role) and the collection it depends
                               on, from the same wheel
    collections-<key>          ansible_collections/{amazon/aws, community/general, secops/guardduty (a real copy of the
                               checkout)}
    home                       HOME for ansible-test, with the offline pip bootstrap for its per-test virtualenvs
    matrix/                    the compatibility matrix: a virtualenv and a collections root per leg
    awscli-<version>           the AWS CLI for the benchmark (it brings its own botocore)

Nothing is installed outside that folder unless asked: only the integration step (the HTML report test renders in
Chromium; the rulebook tests run ansible-rulebook, which needs Java 17) and `demo eda` (Java) may install a Debian
package system-wide, and only with GD_INSTALL_CHROMIUM=1 / GD_INSTALL_JAVA=1 (or `test --install-chromium
--install-java`, `demo eda --install-java`); otherwise they say what is missing and how to get it.

Environment: GD_PYTHON (python3.11), GD_AMAZON_AWS_VERSION (11.4.0), GD_CHROMIUM=<path>, GD_INSTALL_CHROMIUM=1,
GD_INSTALL_JAVA=1, GD_AWSCLI_VERSION (1.46.3), GD_DEMO_EDA_TIMEOUT (150).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TOOL = os.path.abspath(__file__)
REPO = os.path.realpath(os.path.join(os.path.dirname(TOOL), os.pardir))
WORK = os.environ.get("SECOPS_GUARDDUTY_WORK") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "secops-guardduty")
MATRIX = os.path.join(WORK, "matrix")
REQUIREMENTS = os.path.join(REPO, "tests", "requirements-tools.txt")
# pinned as in REQUIREMENTS in every matrix leg too; moto for the containment tests every leg runs (CONTAIN_TESTS),
# aiosmtpd for the notify test's SMTP stand-in
RUNNERS = ("pytest", "pytest-xdist", "pytest-mock", "mock", "moto[server]", "aiosmtpd")

# The amazon.aws collection versions we use, and the `ansible` wheel on PyPI that ships each
# (ansible 14.5.0 is a py3.12+ wheel, but the amazon.aws 11.4.0 in it runs on 3.11).
AMAZON_AWS_WHEEL = {"10.1.2": "12.3.0", "11.4.0": "14.5.0"}

STEPS = ("sanity", "units", "lint", "docs", "changelog", "integration", "build")
# What a step needs outside the project's own environment (installed system-wide only when asked): the integration
# step renders the HTML report in Chromium and runs ansible-rulebook (Java 17). Every other step: nothing.
STEP_NEEDS = {"integration": ("chromium", "java")}


def needs(steps):
    """What ``steps`` need outside the project's environment, in order, once each."""
    return list(dict.fromkeys(need for step in steps for need in STEP_NEEDS.get(step, ())))


# The compatibility matrix (README, "Compatibility matrix"): leg -> Python, ansible-core, boto3/botocore, amazon.aws
# (10.1.2: a 10.x, near the galaxy.yml floor >=10.0.0). CI runs every leg but core2.19, scripts/test's own toolchain.
LEGS = {
    "core2.17": ("python3.11", "2.17.14", "1.44.5", "10.1.2"),
    "core2.18": ("python3.11", "2.18.19", "1.44.5", "10.1.2"),
    "core2.19": ("python3.11", "2.19.14", "1.44.5", "11.4.0"),
    "core2.21": ("python3.12", "2.21.5", "1.44.5", "11.4.0"),
    "botocore-floor": ("python3.11", "2.19.14", "1.43.35", "11.4.0"),
}
CI_LEGS = ("core2.17", "core2.18", "core2.21", "botocore-floor")

# The representative integration subset each leg runs (node ids: a renamed test fails loudly here), including the
# template-injection test, the notify role's channels, and the event sources end to end (they run in ansible-rulebook's Python, whatever
# ansible-core and amazon.aws it has). The botocore-floor leg runs the tests that know which botocore they run with.
MATRIX_TESTS = (
    "tests/integration/test_info_module.py::test_get_one",
    "tests/integration/test_lookup.py::test_many_ids_in_term_order",
    "tests/integration/test_lookup.py::test_template_injection_stays_text",
    "tests/integration/test_start_module.py::test_create_then_rerun_returns_the_same_investigation",
    "tests/integration/test_compat.py",
    "tests/integration/test_hostile_data.py",
    "tests/integration/test_bad_input.py",
    "tests/integration/test_secrets.py::test_no_secret_in_any_output[environment]",
    "tests/integration/test_fault_matrix.py::test_info_module_survives_faults",
    "tests/integration/test_regions.py::test_three_regions_merge_into_one_sorted_list",
    "tests/integration/test_regions.py::test_lookup_pairs_keep_the_term_order",
    # the notify role with the leg's community.general (jira, mail) and ansible.builtin.uri
    "tests/integration/test_notify.py::test_every_channel_is_told_once_then_nothing_then_one_update",
    "tests/integration/test_eda_sources.py::test_faults_and_a_restarted_endpoint_lose_nothing_and_duplicate_nothing",
)
# the contain role on every ansible-core of the matrix (not on the botocore floor: it reads structured summaries, which
# need botocore 1.44.2, and says so): every input form, group/aws alone, and apply, a second apply and rollback
CONTAIN_TESTS = (
    "tests/integration/test_contain_engine.py::test_every_input_form_gives_the_same_plan",
    "tests/integration/test_contain_engine.py::test_group_aws_alone_reaches_every_call",
    "tests/integration/test_contain.py::test_apply_again_rollback",
)
# the dispose role on every ansible-core of the matrix too (it reads structured summaries: not on the botocore floor):
# every input form, each module_defaults group alone, and apply, a second apply, rollback and a second rollback
DISPOSE_TESTS = (
    "tests/integration/test_dispose.py::test_every_input_form_gives_the_same_plan_and_exactly_one_is_needed",
    "tests/integration/test_dispose.py::test_module_defaults_alone_reach_every_call",
    "tests/integration/test_dispose.py::test_apply_again_rollback_twice_in_as_few_calls_as_the_apis_allow",
)
# the botocore-floor leg: all but the first two and the notify role (given an id, it reads the structured summary, which
# needs botocore 1.44.2, as the contain and dispose roles do), and the start module under faults
FLOOR_TESTS = (
    *(test for test in MATRIX_TESTS[2:-1] if "test_notify.py" not in test),
    "tests/integration/test_fault_matrix.py::test_start_module_survives_faults_without_a_second_investigation",
    MATRIX_TESTS[-1],
)

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# dummy credentials for the demos: the emulator checks that requests are SigV4-signed, not who signed them
DEMO_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIADEMODEMODEMODEMO0001",
    "AWS_SECRET_ACCESS_KEY": "demo-secret-key-for-the-local-emulator-only-0001",
    "ANSIBLE_LOCALHOST_WARNING": "false",
    "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
}


class Failed(Exception):
    """A setup step that could not be done; its message has been said already, or is the message."""


def say(message, tag="bootstrap"):
    print(f"[{tag}] {message}", file=sys.stderr, flush=True)


def key_of(data):
    """The 12-hex-digit key that names a folder after what it was made from (as `sha256sum | cut -c1-12` did)."""
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()[:12]


def output(command, stderr=subprocess.DEVNULL):
    """What a command prints on stdout (and stderr with stderr=subprocess.STDOUT), stripped; '' when it cannot run."""
    try:
        return subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, text=True, check=False).stdout.strip()
    except OSError:
        return ""


def python_version(python):
    """`python --version` as it prints it ("Python 3.11.7")."""
    proc = subprocess.run([python, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    return proc.stdout.strip()


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def toolchain_versions(venv):
    """(ansible-core, botocore) versions of a virtualenv."""
    code = "from ansible.release import __version__ as core; import botocore; print(core, botocore.__version__)"
    return tuple(output([venv_python(venv), "-c", code]).split()[:2])


# ------------------------------------------------------------------ setup: one of each


PIP_NOISE = re.compile(r"^WARNING: Location .* is ignored")


def pip(venv, *args):
    """pip of a virtualenv, minus the notice that a configured local index folder does not exist on this machine."""
    with subprocess.Popen([os.path.join(venv, "bin", "pip"), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        for line in proc.stdout:
            if not PIP_NOISE.match(line):
                sys.stderr.write(line)
    if proc.returncode:
        raise Failed(f"pip {' '.join(args)} failed (exit {proc.returncode})")


def resolve_python(name):
    """python3.12 as given, or (pyenv installs several Pythons but shims only the global one) the newest pyenv 3.12.x."""
    path = shutil.which(name)
    if path and subprocess.run([path, "-c", ""], capture_output=True, check=False).returncode == 0:
        return path
    if shutil.which("pyenv"):
        version = name.removeprefix("python")
        found = sorted((v for v in output(["pyenv", "versions", "--bare"]).split()
                        if re.fullmatch(re.escape(version) + r"\.[0-9]+", v)),
                       key=lambda v: [int(part) for part in v.split(".")])
        if found:
            path = os.path.join(output(["pyenv", "root"]), "versions", found[-1], "bin", name)
            if os.access(path, os.X_OK):
                return path
    raise Failed(f"no {name} found (install it, e.g. with pyenv)")


def build_venv(venv, python, packages, tag, creating, installing=None):
    """A virtualenv with these packages, built once (marked .complete); returns False when it was there already."""
    if os.path.isfile(os.path.join(venv, ".complete")):
        return False
    say(creating, tag)
    shutil.rmtree(venv, ignore_errors=True)
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    if subprocess.run([python, "-m", "venv", venv], check=False).returncode:
        raise Failed(f"{python} -m venv {venv} failed")
    pip(venv, "install", "-q", "--upgrade", "pip")
    if installing:
        say(installing, tag)
    pip(venv, "install", "-q", *packages)
    open(os.path.join(venv, ".complete"), "w", encoding="utf-8").close()
    return True


def main_venv():
    """The virtualenv with the pinned toolchain, named after tests/requirements-tools.txt and the Python."""
    python = resolve_python(os.environ.get("GD_PYTHON") or "python3.11")
    with open(REQUIREMENTS, "rb") as fh:
        key = key_of(fh.read() + (python_version(python) + "\n").encode())
    venv = os.path.join(WORK, f"venv-{key}")
    if not build_venv(venv, python, ["-r", REQUIREMENTS], "bootstrap",
                      f"creating virtualenv {venv} ({python_version(python)})",
                      "installing the pinned toolchain (tests/requirements-tools.txt)"):
        say(f"virtualenv ready: {venv}")
    return venv


def amazon_aws_version_in(folder, collection="amazon/aws"):
    """The collection version in <folder>/ansible_collections/<collection>/MANIFEST.json ('' if there is none)."""
    try:
        with open(os.path.join(folder, "ansible_collections", *collection.split("/"), "MANIFEST.json"), encoding="utf-8") as fh:
            return json.load(fh)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        return ""


def amazon_aws(venv, version):
    """<work>/amazon-aws-<version>, extracted once from the `ansible` wheel on PyPI that ships it."""
    wheel = AMAZON_AWS_WHEEL.get(version)
    if not wheel:
        raise Failed(f"no ansible wheel known to ship amazon.aws {version} (known: {' '.join(AMAZON_AWS_WHEEL)}; "
                     "see AMAZON_AWS_WHEEL in scripts/toolbox.py)")
    target, tmp = extraction(f"amazon-aws-{version}", f"amazon.aws {version}")
    if tmp is None:
        return target
    # Earlier versions named the folder after the wheel (amazon-aws-<ansible version>); reuse such a copy instead of
    # downloading again, and leave it in place for checkouts that still use it.
    old = os.path.join(WORK, f"amazon-aws-{wheel}")
    if os.path.isfile(os.path.join(old, ".complete")) and amazon_aws_version_in(old) == version:
        say(f"copying amazon.aws {version} from {old} (the folder's former name) to {target}")
        shutil.copytree(old, tmp, symlinks=True)
    else:
        say(f"extracting amazon.aws {version} from the ansible {wheel} wheel (PyPI)")
        extract_from_wheel(ansible_wheel(venv, wheel), "amazon/aws", tmp)
    return keep_extracted(tmp, target, "amazon/aws", version, wheel, "AMAZON_AWS_WHEEL")


def extraction(name, what):
    """(<work>/<name>, None) when that extracted copy is complete already (saying so), else (it, an empty temporary
    folder to extract into)."""
    target = os.path.join(WORK, name)
    if os.path.isfile(os.path.join(target, ".complete")):
        say(f"{what} ready: {target}")
        return target, None
    tmp = f"{target}.tmp.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    return target, tmp


def keep_extracted(tmp, target, collection, version, wheel, table):
    """tmp (a collection extracted from the ansible ``wheel``) checked to hold ``collection`` ``version``, marked
    complete and renamed to target, unless another run finished first; returns target."""
    found = amazon_aws_version_in(tmp, collection)
    if found != version:
        shutil.rmtree(tmp, ignore_errors=True)
        raise Failed(f"the ansible {wheel} wheel holds {collection.replace('/', '.')} {found or '(none)'}, not {version}: "
                     f"fix {table} in scripts/toolbox.py")
    open(os.path.join(tmp, ".complete"), "w", encoding="utf-8").close()
    if os.path.isfile(os.path.join(target, ".complete")):  # another run finished first
        shutil.rmtree(tmp)
    else:
        shutil.rmtree(target, ignore_errors=True)
        os.rename(tmp, target)
    return target


def ansible_wheel(venv, wheel):
    """<work>/download/ansible-<wheel>-py3-none-any.whl, downloaded from PyPI once."""
    download = os.path.join(WORK, "download")
    path = os.path.join(download, f"ansible-{wheel}-py3-none-any.whl")
    if not os.path.isfile(path):
        os.makedirs(download, exist_ok=True)
        pip(venv, "download", "-q", "--no-deps", "--python-version", "3.12", "--only-binary=:all:", f"ansible=={wheel}",
            "-d", download)
    return path


def extract_from_wheel(path, collection, folder):
    """ansible_collections/<collection> (namespace/name) of an ansible wheel, extracted into folder."""
    import zipfile  # pylint: disable=import-outside-toplevel
    with zipfile.ZipFile(path) as zf:
        zf.extractall(folder, members=[n for n in zf.namelist() if n.startswith(f"ansible_collections/{collection}/")])


# community.general (the notify role's Jira and mail channels) comes from the same ansible wheel as amazon.aws: the
# version each wheel ships, with the collection it depends on (13.x: community.library_inventory_filtering_v1, which
# ansible-doc and antsibull-docs look for).
COMMUNITY_GENERAL_IN_WHEEL = {"12.3.0": "11.4.2", "14.5.0": "13.5.0"}
COMMUNITY_COLLECTIONS = ("general", "library_inventory_filtering_v1")


def community_general(venv, amazon_aws_version):
    """<work>/community-general-<version>, extracted once from the ansible wheel that ships amazon.aws
    ``amazon_aws_version`` (so each matrix leg gets the community.general of its ansible release)."""
    wheel = AMAZON_AWS_WHEEL[amazon_aws_version]
    version = COMMUNITY_GENERAL_IN_WHEEL[wheel]
    target, tmp = extraction(f"community-general-{version}", f"community.general {version}")
    if tmp is None:
        return target
    say(f"extracting community.general {version} from the ansible {wheel} wheel (PyPI)")
    for name in COMMUNITY_COLLECTIONS:
        extract_from_wheel(ansible_wheel(venv, wheel), f"community/{name}", tmp)
    return keep_extracted(tmp, target, "community/general", version, wheel, "COMMUNITY_GENERAL_IN_WHEEL")


def link_community_general(root, folder):
    """root/ansible_collections/community/{general, library_inventory_filtering_v1}: links to community_general()'s copy."""
    os.makedirs(os.path.join(root, "ansible_collections", "community"), exist_ok=True)
    for name in COMMUNITY_COLLECTIONS:
        link = os.path.join(root, "ansible_collections", "community", name)
        if os.path.islink(link) or os.path.exists(link):
            os.unlink(link)
        os.symlink(os.path.join(folder, "ansible_collections", "community", name), link)


def sync_checkout(dest):
    """Make dest a copy of the checkout's files (tracked and untracked-but-not-ignored); keeps dest's tests/output."""
    listing = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True,
                             check=True).stdout
    wanted = {p.decode() for p in listing.split(b"\0") if p and os.path.exists(os.path.join(REPO, p.decode()))}
    keep_dirs = {os.path.join("tests", "output")}
    for root, dirs, files in os.walk(dest, topdown=True):
        rel_root = os.path.relpath(root, dest)
        dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel_root, d)) not in keep_dirs]
        for name in files:
            if os.path.normpath(os.path.join(rel_root, name)) not in wanted:
                os.unlink(os.path.join(root, name))
    for rel in sorted(wanted):
        src, dst = os.path.join(REPO, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or os.stat(src).st_mtime != os.stat(dst).st_mtime \
                or os.path.getsize(src) != os.path.getsize(dst):
            shutil.copy2(src, dst)


def collections_root(root, amazon_aws_dir, tag="bootstrap"):
    """root/ansible_collections/{amazon/aws (a link), secops/guardduty (a real copy: ansible-test resolves the cwd and
    needs that path)}; returns the collection's folder."""
    collection = os.path.join(root, "ansible_collections", "secops", "guardduty")
    os.makedirs(os.path.join(root, "ansible_collections", "amazon"), exist_ok=True)
    os.makedirs(collection, exist_ok=True)
    link = os.path.join(root, "ansible_collections", "amazon", "aws")
    if os.path.islink(link) or os.path.exists(link):
        os.unlink(link)
    os.symlink(os.path.join(amazon_aws_dir, "ansible_collections", "amazon", "aws"), link)
    say(f"syncing the checkout into {collection}", tag)
    sync_checkout(collection)
    return collection


def test_home(venv):
    """HOME for ansible-test: its per-test virtualenvs get pip from a bootstrap script it downloads; offline, the
    stand-in tests/utils/get_pip_shim.py serves, under the name of each pip version this ansible-test pins."""
    home = os.path.join(WORK, "home")
    cache = os.path.join(home, ".ansible", "test", "cache")
    os.makedirs(cache, exist_ok=True)
    versions = {"24.2", "25.2"}
    ansible_test = output([venv_python(venv), "-c", "import ansible_test, os; print(os.path.dirname(ansible_test.__file__))"])
    for path in glob.glob(os.path.join(ansible_test, "_data", "requirements", "*.txt")) if ansible_test else []:
        with open(path, encoding="utf-8") as fh:
            versions.update(re.findall(r"^pip\s*==\s*([0-9.]+)", fh.read(), re.M))
    for version in sorted(versions):
        shutil.copy(os.path.join(REPO, "tests", "utils", "get_pip_shim.py"),
                    os.path.join(cache, f"get_pip_{version.replace('.', '_')}.py"))
    return home


def apt_install(package, purpose):
    """Install a Debian package system-wide with apt-get (as root, or with sudo that asks no password), saying first
    what and why; never waits for input. Only called when asked (GD_INSTALL_CHROMIUM / GD_INSTALL_JAVA, or the
    commands' --install-... flags). Where that is not possible it says why and returns False."""
    if not shutil.which("apt-get"):
        say(f"apt-get is not available, so {package} ({purpose}) is not installed")
        return False
    sudo = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            say(f"not root and no sudo, so {package} ({purpose}) is not installed (apt-get install {package} as root)")
            return False
        sudo = ["sudo", "-n"]  # never waits for a password: CI has no terminal
    shown = f"{'sudo ' if sudo else ''}apt-get install {package}"
    say(f"Installing Debian's {package} package SYSTEM-WIDE now, as asked, for {purpose}: {shown}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (sudo + ["apt-get", "update", "-qq"], sudo + ["apt-get", "install", "-y", "-qq", package]):
        if subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False).returncode:
            say(f"could not install {package} (apt-get failed; try: {shown})")
            return False
    return True


def asked(variable, flag, args):
    """True when the user asked for a system-wide install: ``variable``=1 in the environment, or ``flag`` among
    ``args`` (the flag is then taken out of ``args``)."""
    if flag in args:
        args.remove(flag)
        return True
    return os.environ.get(variable, "0") == "1"


def find_chromium():
    """The Chromium or Chrome the HTML report test renders with: GD_CHROMIUM, or one on PATH; None without one."""
    return next((path for path in map(shutil.which, os.environ.get("GD_CHROMIUM", "").split() + list(BROWSERS)) if path), None)


CHROMIUM_HOW = ("sudo apt-get install chromium (Debian/Ubuntu; or dnf install chromium, brew install --cask chromium), "
                "or let `scripts/test integration` do it with GD_INSTALL_CHROMIUM=1 (or --install-chromium), or set "
                "GD_CHROMIUM=<path of a Chromium or Chrome>")


def prepare_chromium(install):
    """The HTML report test (the integration step) renders in headless Chromium: any Chromium or Chrome on PATH (or
    GD_CHROMIUM) does. Without one, Debian's chromium is installed only when ``install`` (asked for); otherwise this
    says what is missing and how to get it, installs nothing, and that one test fails saying the same."""
    if find_chromium():
        return True
    say("The HTML report test (tests/integration/test_report_html_chromium.py) renders the report in a headless "
        f"Chromium or Chrome, and none is on PATH ({', '.join(BROWSERS)}) or named by GD_CHROMIUM.")
    if install and apt_install("chromium", "the HTML report test") and find_chromium():
        return True
    if not install:
        say(f"Nothing was installed. To get one: {CHROMIUM_HOW}.")
    say("Until then that test fails, saying what to install; the other tests run.")
    return False


def java_major(java):
    """The major version of a java binary (17 for "17.0.15"), None when it does not run."""
    settings = output([java, "-XshowSettings:properties", "-version"], subprocess.STDOUT)
    found = re.search(r"^ *java\.specification\.version = ([0-9]+)", settings, re.M)
    return int(found.group(1)) if found else None


JVM_GLOB = "/usr/lib/jvm/java-17-openjdk-*/bin/java"


def find_java():
    """A Java 17+ runtime for ansible-rulebook: JAVA_HOME, `java` on PATH, or Debian's openjdk 17. ansible-rulebook
    finds `java` on PATH by itself; for one elsewhere this exports JAVA_HOME."""
    on_path = shutil.which("java") or ""
    home = os.environ.get("JAVA_HOME")
    candidates = ([os.path.join(home, "bin", "java")] if home else []) + [on_path] + sorted(glob.glob(JVM_GLOB))
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        major = java_major(candidate)
        if not major or major < 17:
            continue
        if not home and candidate != on_path:
            os.environ["JAVA_HOME"] = os.path.realpath(os.path.join(os.path.dirname(candidate), os.pardir))
            say(f"Java {major} for ansible-rulebook: JAVA_HOME={os.environ['JAVA_HOME']}")
        return True
    return False


def prepare_java(install, purpose, command):
    """ansible-rulebook (``purpose``: the EDA rulebook tests, `scripts/demo eda`) needs a Java 17+ runtime. Without
    one, Debian's openjdk-17-jre-headless is installed only when ``install`` (asked for); otherwise this says what is
    missing and how to get it (``command``: the command that installs it when asked) and installs nothing."""
    if find_java():
        return True
    say(f"ansible-rulebook ({purpose}) needs a Java 17+ runtime, and there is none (JAVA_HOME, java on PATH, "
        f"{os.path.dirname(os.path.dirname(JVM_GLOB))}).")
    if install and apt_install("openjdk-17-jre-headless", f"ansible-rulebook ({purpose})") and find_java():
        return True
    if not install:
        say("Nothing was installed. To get one: sudo apt-get install openjdk-17-jre-headless (Debian/Ubuntu; or any "
            f"Java 17+, with JAVA_HOME pointing at it), or let `{command}` do it with GD_INSTALL_JAVA=1 (or --install-java).")
    return False


# A warning every ansible command of this toolchain would print, about ansible-core's own import (its ssh-agent client
# imports DSA from cryptography 46+, which deprecates it), not about anything the user wrote: silenced for that one
# message and category only (CryptographyDeprecationWarning is a UserWarning), wherever the toolbox runs Python.
QUIET_WARNINGS = "ignore:DSA is deprecated:UserWarning"


def quiet_warnings(value):
    """PYTHONWARNINGS with QUIET_WARNINGS added (what the user set is kept, and wins: it comes last)."""
    present = [item for item in (value or "").split(",") if item]
    return ",".join([QUIET_WARNINGS] + [item for item in present if item != QUIET_WARNINGS])


# ansible-test runs its tests in en_US.UTF-8; on a machine without that locale it uses C.UTF-8 and warns so at each
# step. That is about the machine, and the collection's tests do not depend on it. Only a system-wide change adds the
# locale (ansible-test passes no LOCPATH to what it runs), which no step but the integration step may make: the toolbox
# says once what the warning means and how to add the locale, and changes nothing.
TEST_LOCALE = "en_US.UTF-8"


def explain_locale(name=TEST_LOCALE):
    """Say, before ansible-test runs, why it will warn about its locale when the machine lacks ``name``."""
    probe = f"import locale; locale.setlocale(locale.LC_ALL, {name!r})"
    if subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False).returncode == 0:
        return False
    say(f"ansible-test will warn that it uses C.UTF-8: this machine has no {name} locale. The collection's tests do "
        f"not depend on it. To add it (system-wide, as root): localedef -i en_US -f UTF-8 {name}", "ansible-test")
    return True


# ansible-lint records every Python warning ("always") after it starts, so PYTHONWARNINGS cannot reach the one of
# QUIET_WARNINGS: ansible-core's ssh-agent module is imported first, under that filter, then ansible-lint runs as its
# own entry point would run it.
LINT = ("import sys, warnings\n"
        "warnings.filterwarnings('ignore', 'DSA is deprecated', UserWarning)\n"
        "try:\n    import ansible._internal._ssh._ssh_agent\nexcept ImportError:\n    pass\n"
        "from ansiblelint.__main__ import _run_cli_entrypoint\n"
        "sys.argv[0] = 'ansible-lint'\nsys.exit(_run_cli_entrypoint())\n")


class Setup:  # pylint: disable=too-few-public-methods
    """What bootstrap prepared; its variables are exported to every command run afterwards."""

    def __init__(self):
        self.venv = main_venv()
        aws_version = os.environ.get("GD_AMAZON_AWS_VERSION") or "11.4.0"
        self.amazon_aws = amazon_aws(self.venv, aws_version)
        self.collections = os.path.join(WORK, f"collections-{key_of(REPO)}")
        self.collection_dir = collections_root(self.collections, self.amazon_aws)
        link_community_general(self.collections, community_general(self.venv, aws_version))
        self.test_home = test_home(self.venv)
        self.python = venv_python(self.venv)
        os.environ.update({
            "GD_REPO": REPO, "GD_WORK": WORK, "GD_VENV": self.venv, "GD_COLLECTIONS": self.collections,
            "GD_COLLECTION_DIR": self.collection_dir, "GD_TEST_HOME": self.test_home,
            "ANSIBLE_COLLECTIONS_PATH": self.collections,
            "PATH": os.path.join(self.venv, "bin") + os.pathsep + os.environ.get("PATH", ""),
            "PYTHONWARNINGS": quiet_warnings(os.environ.get("PYTHONWARNINGS")),
        })


def bootstrap():
    """The project's own environment (a virtualenv, amazon.aws, the collection copy, ansible-test's HOME), nothing
    system-wide; exits with the reason when it cannot be made."""
    try:
        return Setup()
    except (Failed, OSError, subprocess.CalledProcessError) as exc:
        if str(exc):
            say(str(exc))
        print("bootstrap failed", file=sys.stderr)
        sys.exit(1)


# ------------------------------------------------------------------ running things


class Emulator:
    """tests/emulator/run.py (of collection_dir, with options such as --scenario NAME) in the background, with the URL
    it prints, driven over HTTP (control). Serves scripts/demo, `scripts/demo eda` and benchmarks/run.py."""

    def __init__(self, python, collection_dir, *options, wait=10):
        self.logs = tempfile.mkdtemp()
        out, err = os.path.join(self.logs, "emulator.out"), os.path.join(self.logs, "emulator.err")
        with open(out, "w", encoding="utf-8") as stdout, open(err, "w", encoding="utf-8") as stderr:
            self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [python, os.path.join(collection_dir, "tests", "emulator", "run.py"), "--port", "0", *options],
                stdout=stdout, stderr=stderr)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with open(out, encoding="utf-8") as fh:
                found = re.search(r"^GDEMU_URL=(.*)$", fh.read(), re.M)
            if found:
                self.url = found.group(1)
                return
            if self.proc.poll() is not None:
                with open(err, encoding="utf-8") as fh:
                    said = fh.read()
                self.stop()
                raise Failed(said.strip())
            time.sleep(0.1)
        self.stop()
        raise Failed(f"the emulator did not print its URL within {wait} s")

    def control(self, action, data=None):
        """GET /_emulator/<action>, or POST data there as JSON; the answer's JSON (None if empty)."""
        body = None if data is None else json.dumps(data).encode("utf-8")
        request = urllib.request.Request(f"{self.url}/_emulator/{action}", data=body, method="GET" if body is None else "POST",
                                         headers={} if body is None else {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = response.read()
        return json.loads(answer) if answer.strip() else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.logs, ignore_errors=True)


class Steps:
    """Steps whose output goes to the terminal and to <logs>/<step>.log, timed, with a summary."""

    def __init__(self, width):
        self.width, self.results, self.failed = width, [], 0
        self.logs = tempfile.mkdtemp()
        self.log = None

    def echo(self, text):
        print(text, flush=True)
        if self.log:
            self.log.write(f"{text}\n".encode())

    def run(self, command, cwd=None, env=None, quiet_stdout=False):
        """Run a command, its output (stderr too) teed as it comes, byte for byte; returns its exit code."""
        with subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL if quiet_stdout else subprocess.PIPE,
                              stderr=subprocess.PIPE if quiet_stdout else subprocess.STDOUT) as proc:
            stream = proc.stderr if quiet_stdout else proc.stdout
            while chunk := os.read(stream.fileno(), 65536):
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
                if self.log:
                    self.log.write(chunk)
        return proc.returncode

    def step(self, name, title, action):
        """Run action() (which returns an exit code) as a step; returns that exit code."""
        self.echo(f"\n=== {name}: {title}")
        start = time.monotonic()
        with open(os.path.join(self.logs, f"{name}.log"), "wb") as self.log:
            rc = action()
        self.log = None
        self.record(name, rc, start)
        return rc

    def record(self, name, rc, start):
        self.results.append(f"{name:<{self.width}} {'ok' if rc == 0 else 'FAILED':<6} {int(time.monotonic() - start):>4}s")
        self.failed += rc != 0

    def summary(self, title, label):
        print(f"\n=== {title}")
        print("\n".join(self.results))
        print(f"{label}: {len(self.results) - self.failed} passed, {self.failed} failed", flush=True)

    def count_tests(self, label, failed):
        """The closing line: every pytest test of every log, by tests/utils/count_tests.py."""
        subprocess.run([sys.executable, os.path.join(REPO, "tests", "utils", "count_tests.py"), self.logs, label,
                        str(failed)], check=False)

    def close(self):
        shutil.rmtree(self.logs, ignore_errors=True)


# ------------------------------------------------------------------ the commands


def cmd_bootstrap(args):
    """Everything the commands need; Chromium and Java (integration step, `demo eda`) are only checked and said, and
    installed system-wide only when asked."""
    args = list(args)
    install_chromium = asked("GD_INSTALL_CHROMIUM", "--install-chromium", args)
    install_java = asked("GD_INSTALL_JAVA", "--install-java", args)
    if args:
        print(f"scripts/bootstrap takes no arguments but --install-chromium and --install-java (got: {' '.join(args)})", file=sys.stderr)
        return 2
    setup = bootstrap()
    prepare_chromium(install_chromium)
    prepare_java(install_java, "the EDA rulebook tests, scripts/demo eda", "scripts/bootstrap")
    say(f"ready: ANSIBLE_COLLECTIONS_PATH={setup.collections}")
    return 0


def cmd_env(args):
    """Shell commands that put a shell into the environment scripts/demo and scripts/test use."""
    del args
    stdout = os.dup(1)
    os.dup2(2, 1)  # progress, ours and that of what bootstrap runs, goes to stderr; only the commands to stdout
    try:
        setup = bootstrap()  # nothing system-wide: playbooks need no browser and no Java
    finally:
        sys.stdout.flush()
        os.dup2(stdout, 1)
        os.close(stdout)
    bin_dir = shlex.quote(os.path.join(setup.venv, "bin"))
    core, botocore = toolchain_versions(setup.venv)
    print(f'case ":$PATH:" in *:{bin_dir}:*) ;; *) export PATH={bin_dir}:"$PATH" ;; esac')
    print(f"export ANSIBLE_COLLECTIONS_PATH={shlex.quote(setup.collections)}")
    warnings = shlex.quote(quiet_warnings(os.environ.get("PYTHONWARNINGS")))
    print(f"export PYTHONWARNINGS={warnings}   # one warning of ansible-core's own imports, not yours (QUIET_WARNINGS, scripts/toolbox.py)")
    print(f"export GD_REPO={shlex.quote(REPO)} GD_VENV={shlex.quote(setup.venv)} "
          f"GD_COLLECTION_DIR={shlex.quote(setup.collection_dir)}")
    print(f'echo "secops.guardduty environment: ansible-core {core}, botocore {botocore}, '
          f'collections from {setup.collections}" >&2')


def cmd_emulator(args):
    try:
        venv = main_venv()
    except Failed as exc:
        say(str(exc))
        sys.exit(1)
    os.execv(venv_python(venv), [venv_python(venv), os.path.join(REPO, "tests", "emulator", "run.py"), *args])


def cmd_demo(args):
    """The main job on the bundled emulator: a FINDING investigation is RUNNING and completes after a few seconds;
    docs/demo/demo.yml waits for it and prints its risk level, confidence and recommended actions."""
    if args[:1] == ["eda"]:
        return demo_eda(args[1:])
    if args[:1] == ["contain"]:
        return demo_contain(args[1:])
    if args[:1] == ["notify"]:
        return demo_notify(args[1:])
    if args[:1] == ["dispose"]:
        return demo_dispose(args[1:])
    setup = bootstrap()
    print("[demo] starting the GuardDuty emulator with the demo scenario", flush=True)
    emulator = start_emulator(setup.python, setup.collection_dir, "demo", "demo")
    if not emulator:
        return 1
    try:
        print(f"[demo] emulator listening at {emulator.url}")
        print("[demo] running docs/demo/demo.yml (ansible-playbook)", flush=True)
        env = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=setup.python, **DEMO_ENV)
        return subprocess.run(["ansible-playbook", os.path.join(setup.collection_dir, "docs", "demo", "demo.yml"),
                               "-e", f"gd_endpoint={emulator.url}"], env=env, check=False).returncode
    finally:
        emulator.stop()
        print("[demo] emulator stopped", flush=True)


def start_emulator(python, collection_dir, tag, scenario, *options):
    """The emulator of the collection copy with this scenario, or None (having said why) when it did not start."""
    try:
        return Emulator(python, collection_dir, "--scenario", scenario, *options)
    except Failed as exc:
        print(f"{exc}\n[{tag}] the emulator did not start".lstrip(), file=sys.stderr)
        return None


def demo_eda(args):
    """`scripts/demo eda`: a High finding appears; the findings source emits it and the rulebook
    secops.guardduty.auto_investigate starts its investigation; the finding is updated (an event, but no second
    investigation); the investigation completes with a High verdict; the investigations source emits it and the
    rulebook writes the reports and prints the verdict. Stops once the verdict is printed (or after
    GD_DEMO_EDA_TIMEOUT seconds, default 150), or on Ctrl-C. The reports stay in <work dir>/demo-eda-reports."""
    args = list(args)
    install_java = asked("GD_INSTALL_JAVA", "--install-java", args)
    if args:
        print(f"scripts/demo eda takes no arguments but --install-java (got: {' '.join(args)})", file=sys.stderr)
        return 2
    setup = bootstrap()
    if not prepare_java(install_java, "scripts/demo eda", "scripts/demo eda"):
        print("[demo eda] stopped before starting anything: ansible-rulebook needs a Java 17+ runtime (see above)", file=sys.stderr)
        return 1

    def note(message):
        print(f"\n[demo eda] {message}", flush=True)

    version = subprocess.run(["ansible-rulebook", "--version"], capture_output=True, text=True, check=False) \
        if shutil.which("ansible-rulebook") else None
    if version is None or version.returncode or not re.search(r"Java version = [0-9]", version.stdout + version.stderr):
        print("[demo eda] ansible-rulebook cannot run: it needs ansible-rulebook (scripts/bootstrap installs it) and a "
              "Java 17\n[demo eda] runtime (Debian: apt-get install openjdk-17-jre-headless, or scripts/demo eda --install-java, or "
              "set JAVA_HOME). It said:\n"
              + (version.stdout + version.stderr if version else "ansible-rulebook: command not found"), file=sys.stderr)
        return 1
    timeout_s, interval, finding_id = int(os.environ.get("GD_DEMO_EDA_TIMEOUT") or 150), 2, "1ab2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
    reports = os.path.join(WORK, "demo-eda-reports")
    workdir = tempfile.mkdtemp()
    emulator = rulebook = None
    stop_tail = threading.Event()

    def emulator_data(*what):
        """The emulator's own builders (tests/emulator/gdemu), which need the virtualenv's botocore."""
        return json.loads(output([setup.python, TOOL, "_emulator-data", setup.collection_dir, *what]))

    def interrupted(signum, frame):
        del signum, frame
        note("interrupted, stopping")
        sys.exit(130)

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    log = os.path.join(workdir, "rulebook.log")
    try:
        note("starting the GuardDuty emulator (an account with no findings yet)")
        scenario = os.path.join(workdir, "scenario.json")
        with open(scenario, "w", encoding="utf-8") as fh:
            json.dump(emulator_data("scenario"), fh)
        emulator = start_emulator(setup.python, setup.collection_dir, "demo eda", scenario)
        if not emulator:
            return 1
        print(f"[demo eda] emulator listening at {emulator.url}")
        shutil.rmtree(reports, ignore_errors=True)
        os.makedirs(reports)
        with open(os.path.join(workdir, "vars.yml"), "w", encoding="utf-8") as fh:
            fh.write(f"guardduty_region: us-east-1\nguardduty_endpoint_url: {emulator.url}\n"
                     f"guardduty_interval: {interval}\nguardduty_report_dir: {reports}\n")
        # run_playbook actions need an inventory: the playbooks run on localhost
        with open(os.path.join(workdir, "inventory.yml"), "w", encoding="utf-8") as fh:
            fh.write("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")

        note(f"starting ansible-rulebook -r secops.guardduty.auto_investigate --print-events (polling every {interval} s)")
        env = dict(os.environ, ANSIBLE_PYTHON_INTERPRETER=setup.python, ANSIBLE_NOCOLOR="1", **DEMO_ENV)
        with open(log, "w", encoding="utf-8") as out:
            rulebook = subprocess.Popen(  # pylint: disable=consider-using-with
                ["ansible-rulebook", "-r", "secops.guardduty.auto_investigate", "-i", "inventory.yml",
                 "--vars", "vars.yml", "--print-events"],
                cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group: it and the playbooks it runs stop together
        tail = threading.Thread(target=follow, args=(log, stop_tail), daemon=True)
        tail.start()

        deadline = time.monotonic() + timeout_s

        def wait_for(what, done):
            while not done():
                if rulebook.poll() is not None:
                    time.sleep(0.5)
                    print("[demo eda] ansible-rulebook exited early; its output is above", file=sys.stderr)
                    sys.exit(1)
                if time.monotonic() >= deadline:
                    print(f"[demo eda] gave up after {timeout_s} s waiting for {what} (GD_DEMO_EDA_TIMEOUT sets the limit)",
                          file=sys.stderr)
                    sys.exit(1)
                time.sleep(0.5)

        def counts():
            calls = emulator.control("log")
            return calls["counts"].get("ListFindings", 0), calls["counts"].get("ListInvestigations", 0), len(calls["created"])

        def verdict():
            with open(log, encoding="utf-8", errors="replace") as fh:
                return re.search(r"GuardDuty investigation .* risk level", fh.read())

        wait_for("both event sources to poll GuardDuty", lambda: all(counts()[:2]))
        note(f"a High finding appears: {finding_id} (severity 8.0)")
        emulator.control("findings", {"findings": [emulator_data("finding", finding_id, "8.0")]})
        wait_for("the investigation of the finding to start", lambda: counts()[2])
        time.sleep(interval)
        note("the finding is updated (severity 8.5): it comes in the next poll's batch, and the playbook reuses its "
             "investigation (decided: reused; no second investigation)")
        emulator.control("findings", {"findings": [emulator_data("finding", finding_id, "8.5")]})
        wait_for("the verdict", verdict)
        time.sleep(1)
        stop_tail.set()
        tail.join()
        with open(log, encoding="utf-8", errors="replace") as fh:
            received = fh.read().count("[received event]")
        note(f"done: {received} events received, {counts()[2]} investigation(s) started")
        print("[demo eda] reports:")
        for path in sorted(glob.glob(os.path.join(reports, "*"))):
            print(f"  {path}")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_tail.set()
        if rulebook:
            stop_group(rulebook)
        if emulator:
            emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def demo_contain_options(args):
    """(serve, {"emulator": port, "moto": port}) of `scripts/demo contain [--serve [--emulator-port N] [--moto-port N]]`;
    ValueError with what is wrong."""
    args, ports, serve = list(args), dict(DEMO_CONTAIN_PORTS), False
    while args:
        word = args.pop(0)
        if word == "--serve":
            serve = True
        elif word in ("--emulator-port", "--moto-port") and args and args[0].isdigit() and 0 < int(args[0]) < 65536:
            ports[word[2:-5]] = int(args.pop(0))
        elif word in ("--emulator-port", "--moto-port"):
            raise ValueError(f"{word} takes a port number from 1 to 65535")
        else:
            raise ValueError(f"scripts/demo contain takes --serve [--emulator-port N] [--moto-port N] (got: {word})")
    if not serve and ports != DEMO_CONTAIN_PORTS:
        raise ValueError("--emulator-port and --moto-port go with --serve (without it, free ports are picked)")
    if ports["emulator"] == ports["moto"]:
        raise ValueError(f"--emulator-port and --moto-port are both {ports['moto']}: give two ports")
    return serve, ports


def demo_contain(args):
    """`scripts/demo contain [--serve [--emulator-port N] [--moto-port N]]`: the ports are checked first (nothing is
    started when one is in use), then bootstrap, then the demo itself (cmd_demo_contain_run) in the virtualenv's
    Python, which has boto3, moto and the emulator's scenario builders."""
    try:
        serve, ports = demo_contain_options(args)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    busy = [f"{port} ({name}, --{name}-port)" for name, port in ports.items() if serve and not port_free(port)]
    if busy:
        print(f"[demo contain] --serve needs the ports {' and '.join(busy)} of 127.0.0.1, which are in use; nothing was "
              "started. Stop what uses them, or choose others with --emulator-port N and --moto-port N", file=sys.stderr)
        return 1
    setup = bootstrap()
    sys.stdout.flush()
    sys.stderr.flush()
    served = ["--serve", str(ports["emulator"]), str(ports["moto"])] if serve else []
    os.execv(setup.python, [setup.python, TOOL, "_demo-contain", setup.collection_dir, *served])
    return 1


# scripts/demo contain --serve: these ports by default, so that the README's export lines can be pasted as they are
# the services the contain role calls besides GuardDuty, as botocore names their endpoint variables
# (AWS_ENDPOINT_URL_<service id>): moto serves them all in the contain demo
MOTO_SERVICE_IDS = ("EC2", "AUTO_SCALING", "ELASTIC_LOAD_BALANCING_V2", "IAM", "LAMBDA", "RDS", "S3", "STS")
DEMO_CONTAIN_PORTS = {"emulator": 18777, "moto": 18778}
# What scripts/demo contain creates in moto; the investigation names all of it (and the ssh group, open to the world).
DEMO_CONTAIN = {"user": "build-bot", "role": "web-app-instance-role", "bucket": "customer-exports-demo"}


def demo_contain_resources(moto):
    """Create in moto what the demo's investigation names; returns their ids (moto makes them up)."""
    ec2, iam, s3 = moto.client("ec2"), moto.client("iam"), moto.client("s3")
    ids = dict(DEMO_CONTAIN)
    ids["vpc"] = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    for name, port in (("web", 443), ("ssh", 22)):
        ids[name] = ec2.create_security_group(GroupName=name, Description=f"{name}, open to the internet",
                                              VpcId=ids["vpc"])["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=ids[name], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    iam.create_role(RoleName=ids["role"], AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    iam.create_instance_profile(InstanceProfileName=ids["role"])
    iam.add_role_to_instance_profile(InstanceProfileName=ids["role"], RoleName=ids["role"])
    # one image by name: describing all of moto's 1300 images takes seconds
    image = (ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["amzn2-ami-hvm-*-x86_64-gp2"]}])
             ["Images"] or ec2.describe_images()["Images"])[0]["ImageId"]
    # the groups given on the interface: moto would add instance-level groups (SecurityGroupIds) to every interface
    ids["instance"] = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", IamInstanceProfile={"Name": ids["role"]},
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Groups": [ids["web"], ids["ssh"]]}],
    )["Instances"][0]["InstanceId"]
    iam.create_user(UserName=ids["user"])
    ids["key"] = iam.create_access_key(UserName=ids["user"])["AccessKey"]["AccessKeyId"]
    s3.create_bucket(Bucket=ids["bucket"])  # no public access block: public access allowed
    return ids


def cmd_demo_contain_run(args):
    """Run by `scripts/demo contain` in the virtualenv's Python (args: the collection copy [--serve]): moto in server
    mode with an instance (in a VPC, with its security groups), an IAM user with an access key, a role and a bucket; the
    emulator with a COMPLETED Critical investigation that names them; then docs/demo/contain.yml: plan, apply, rollback.
    GuardDuty calls go to the emulator and EC2, IAM, S3 and STS calls to moto, through botocore's per-service endpoint
    variables only. Both servers stop on exit, Ctrl-C too. --serve: on fixed ports, printing the shell lines that point
    a shell at them, until Ctrl-C, instead of running the playbook."""
    collection_dir, serve = args[0], args[1:2] == ["--serve"]
    ports = {"emulator": int(args[2]), "moto": int(args[3])} if serve else {}
    sys.path[:0] = [os.path.join(collection_dir, "tests", "integration"), os.path.join(collection_dir, "tests", "emulator")]
    # pylint: disable=import-outside-toplevel,import-error
    from gdemu import scenarios
    from moto_server import MotoServer

    def note(message):
        print(f"[demo contain] {message}", flush=True)

    def terminated(signum, frame):
        del signum, frame
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, terminated)  # also where SIGINT was ignored at start (a background job)
    signal.signal(signal.SIGTERM, terminated)
    workdir = tempfile.mkdtemp(prefix="demo-contain-")
    moto = emulator = None
    started = time.monotonic()
    try:
        note("starting moto in server mode (EC2, Auto Scaling, Elastic Load Balancing v2, IAM, Lambda, RDS, S3, STS) on 127.0.0.1")
        try:
            moto = MotoServer(os.path.join(workdir, "moto.log"), port=ports.get("moto"))
        except RuntimeError as exc:
            note(f"moto did not start: {exc}")
            return 1
        note(f"moto listening at {moto.url}")
        ids = demo_contain_resources(moto)
        note(f"created in moto: VPC {ids['vpc']}; security groups web {ids['web']} and ssh {ids['ssh']} (both open to "
             "0.0.0.0/0)")
        note(f"  instance {ids['instance']} (interface in web and ssh, instance profile {ids['role']}); IAM user "
             f"{ids['user']} with access key {ids['key']} (Active); role {ids['role']}; bucket {ids['bucket']} (no public "
             "access block)")
        scenario = os.path.join(workdir, "scenario.json")
        with open(scenario, "w", encoding="utf-8") as fh:
            json.dump(scenarios.contain_demo(ids["instance"], ids["key"], ids["user"], ids["role"], ids["bucket"], ids["ssh"]),
                      fh)
        inv_id = scenarios.CONTAIN_DEMO_INV_ID
        note(f"starting the GuardDuty emulator: investigation {inv_id} (COMPLETED, Critical) names them")
        emulator = start_emulator(sys.executable, collection_dir, "demo contain", scenario,
                                  *(["--port", str(ports["emulator"])] if serve else []))
        if not emulator:
            return 1
        note(f"emulator listening at {emulator.url}")
        endpoints = {"AWS_ENDPOINT_URL_GUARDDUTY": emulator.url,
                     **{f"AWS_ENDPOINT_URL_{service}": moto.url for service in MOTO_SERVICE_IDS}}
        for name, url in endpoints.items():
            note(f"  {name}={url}")
        if serve:
            return demo_contain_serve(endpoints, ids, inv_id)
        records = os.path.join(workdir, "records")
        os.makedirs(records)
        note("running docs/demo/contain.yml (ansible-playbook): plan, apply (approved), rollback (approved)")
        return run_demo_playbook(collection_dir, "contain.yml", scenarios.REGION, endpoints,
                                 {"investigation_id": inv_id, "record_dir": records, "approved": True}, note, started)
    except KeyboardInterrupt:
        note("interrupted")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if emulator:
            emulator.stop()
        if moto:
            moto.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        note("moto and the emulator stopped")


def exec_demo(name, args):
    """`scripts/demo NAME`: bootstrap, then the demo itself (the internal command _demo-NAME) in the virtualenv's Python,
    which has the stand-ins, moto and the emulator's scenario builders."""
    if args:
        print(f"scripts/demo {name} takes no arguments (got: {' '.join(args)}; scripts/demo --help)", file=sys.stderr)
        return 2
    setup = bootstrap()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(setup.python, [setup.python, TOOL, f"_demo-{name}", setup.collection_dir])
    return 1


def demo_notify(args):
    """`scripts/demo notify`: cmd_demo_notify_run in the virtualenv's Python (aiosmtpd, the stand-ins)."""
    return exec_demo("notify", args)


# The secrets of the notify demo's channels, as the AWX credential type "GuardDuty notification channels" injects them
DEMO_NOTIFY_SECRETS = {"GUARDDUTY_NOTIFY_JIRA_USERNAME": "guardduty-bot@example.com",
                       "GUARDDUTY_NOTIFY_JIRA_TOKEN": "demo-jira-api-token-0001",
                       "GUARDDUTY_NOTIFY_PAGERDUTY_ROUTING_KEY": "demo-pagerduty-routing-key-0001"}


def demo_notify_received(hooks, jira, smtp, seen):
    """Print what each stand-in received since ``seen`` (counts per channel, updated)."""
    def show(channel, items, describe):
        for item in items[seen.get(channel, 0):]:
            print(f"  {channel:<10} {describe(item)}")
        seen[channel] = len(items)

    issues = sorted(jira.issues.items())
    show("jira", issues, lambda item: f"issue {item[0]} created: {item[1]['fields']['summary']!r}, labels {item[1]['fields']['labels']}")
    comments = [(key, text) for key, issue in issues for text in issue["comments"]]
    show("jira ", comments, lambda item: f"comment on {item[0]}: {item[1].splitlines()[0]!r}")

    def slack(request):
        blocks = request["json"]["blocks"]
        return f"Block Kit: {blocks[0]['text']['text']!r} / {blocks[1]['text']['text']!r} ({len(blocks)} blocks)"

    def teams(request):
        body = request["json"]["attachments"][0]["content"]["body"]
        return f"Adaptive Card: {body[0]['text']!r} / {body[1]['text']!r}"

    def pagerduty(request):
        event = request["json"]
        summary = event.get("payload", {}).get("summary", "")
        return f"{event['event_action']} dedup_key {event['dedup_key']}" + (f": {summary!r}" if summary else "")

    def webhook(request):
        body, told = request["json"], request["json"]["notification"]
        changed = ", ".join(c["field"] for c in told["changes"])
        return (f"JSON schema_version {body['schema_version']}, investigation {body['investigation_id']}, "
                f"{told['change']}{f' ({changed})' if changed else ''}, state {told['state']}")

    def mail(message):
        parts = [part.get_filename() or part.get_content_type() for part in message["message"].walk() if not part.is_multipart()]
        return f"to {message['recipients']}: {message['message']['Subject']!r}, parts {parts}"

    show("slack", hooks.received("/slack/"), slack)
    show("teams", hooks.received("/teams/"), teams)
    show("pagerduty", hooks.received("/pagerduty/"), pagerduty)
    show("email", smtp.messages, mail)
    show("webhook", hooks.received("/hooks/"), webhook)


def cmd_demo_notify_run(args):
    """Run by `scripts/demo notify` in the virtualenv's Python (args: the collection copy): the emulator with a COMPLETED
    Critical investigation, the stand-ins (a Jira REST stub, one webhook receiver for Slack, Teams, PagerDuty and a
    webhook, an SMTP server), then docs/demo/notify.yml three times: the verdict (every channel told), the same run again
    (an EDA redelivery: nobody told), and with the containment done (one update each: a Jira comment, a PagerDuty
    resolve). After each run it prints what each channel received."""
    collection_dir = args[0]
    sys.path[:0] = [os.path.join(collection_dir, "tests", "integration"), os.path.join(collection_dir, "tests", "emulator")]
    # pylint: disable=import-outside-toplevel,import-error
    from gdemu import scenarios
    from notify_stubs import JiraStub, SmtpServer, WebhookReceiver

    def note(message):
        print(f"[demo notify] {message}", flush=True)

    workdir = tempfile.mkdtemp(prefix="demo-notify-")
    emulator = None
    try:
        scenario = scenarios.demo()
        for entry in scenario["investigations"]:
            entry.pop("running_for", None)  # completed already: the demo is about telling, not waiting
        with open(os.path.join(workdir, "scenario.json"), "w", encoding="utf-8") as fh:
            json.dump(scenario, fh)
        emulator = start_emulator(sys.executable, collection_dir, "demo notify", os.path.join(workdir, "scenario.json"))
        if not emulator:
            return 1
        jira = JiraStub(username=DEMO_NOTIFY_SECRETS["GUARDDUTY_NOTIFY_JIRA_USERNAME"],
                        token=DEMO_NOTIFY_SECRETS["GUARDDUTY_NOTIFY_JIRA_TOKEN"])
        with jira, WebhookReceiver() as hooks, SmtpServer() as smtp:
            note(f"emulator at {emulator.url}: investigation {scenarios.FINDING_INV_ID} (COMPLETED, Critical)")
            note(f"stand-ins: Jira {jira.url}, webhooks (Slack, Teams, PagerDuty, generic) {hooks.url}, SMTP 127.0.0.1:{smtp.port}")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GUARDDUTY_NOTIFY_"))}
            env.update(DEMO_ENV, **DEMO_NOTIFY_SECRETS, AWS_URL=emulator.url, AWS_REGION=scenarios.REGION,
                       ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_PIPELINING="1", ANSIBLE_DISPLAY_SKIPPED_HOSTS="false",
                       GUARDDUTY_NOTIFY_SLACK_SOC_WEBHOOK_URL=hooks.slack(), GUARDDUTY_NOTIFY_TEAMS_SOC_WEBHOOK_URL=hooks.teams(),
                       GUARDDUTY_NOTIFY_WEBHOOK_SOAR_URL=hooks.webhook("soar"))
            extra = {"investigation_id": scenarios.FINDING_INV_ID, "state_dir": os.path.join(workdir, "notify-state"),
                     "jira_url": jira.url, "pagerduty_url": hooks.pagerduty(), "smtp_port": smtp.port}
            seen = {}
            steps = (("the verdict: every channel is told", {}),
                     ("the same run again (an EDA redelivery, a retried job): nobody is told twice", {}),
                     ("the containment is done: one update each", {"containment": {"status": "contained", "resolved": True}}))
            for title, more in steps:
                note(title)
                rc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                                     os.path.join(collection_dir, "docs", "demo", "notify.yml"), "-e", json.dumps(dict(extra, **more))],
                                    env=env, stdin=subprocess.DEVNULL, check=False).returncode
                if rc:
                    note(f"ansible-playbook failed (exit {rc})")
                    return rc
                note("what each channel received:")
                before = sum(seen.values())
                demo_notify_received(hooks, jira, smtp, seen)
                if sum(seen.values()) == before:
                    print("  (nothing: every channel was told this state before)")
        return 0
    finally:
        if emulator:
            emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        note("stand-ins and the emulator stopped")


def run_demo_playbook(collection_dir, name, region, endpoints, extra_vars, note, started):
    """ansible-playbook docs/demo/<name> of the collection copy with these extra vars, the demo's credentials, the
    ``region``, and AWS reached only through the per-service ``endpoints``; says how it ended; its exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}  # no profile, no other endpoint
    # pipelining: a quarter faster; skipped tasks not shown: what the role did not need to do is noise here
    env.update(DEMO_ENV, AWS_REGION=region, ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_PIPELINING="1",
               ANSIBLE_DISPLAY_SKIPPED_HOSTS="false", **endpoints)
    rc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(collection_dir, "docs", "demo", name),
                         "-e", json.dumps(extra_vars)], env=env, stdin=subprocess.DEVNULL, check=False).returncode
    note(f"{'done' if rc == 0 else f'ansible-playbook failed (exit {rc})'} in {int(time.monotonic() - started)} s")
    return rc


def demo_dispose(args):
    """`scripts/demo dispose`: cmd_demo_dispose_run in the virtualenv's Python."""
    return exec_demo("dispose", args)


def cmd_demo_dispose_run(args):
    """Run by `scripts/demo dispose` in the virtualenv's Python (args: the collection copy): the emulator with the dispose
    scenario (GuardDuty and Security Hub on one endpoint), then docs/demo/dispose.yml: the benign and the true-positive
    investigation, each in plan, apply and rollback, with every finding's state in GuardDuty and Security Hub after each
    step. GuardDuty and Security Hub are reached through botocore's per-service endpoint variables only. The emulator
    stops on exit, Ctrl-C too."""
    collection_dir = args[0]
    sys.path[:0] = [os.path.join(collection_dir, "tests", "emulator")]
    from gdemu import scenarios  # pylint: disable=import-outside-toplevel,import-error

    def note(message):
        print(f"[demo dispose] {message}", flush=True)

    def terminated(signum, frame):
        del signum, frame
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, terminated)
    signal.signal(signal.SIGTERM, terminated)
    workdir = tempfile.mkdtemp(prefix="demo-dispose-")
    emulator = None
    started = time.monotonic()
    try:
        investigations = [scenarios.DISPOSE_BENIGN_INV_ID, scenarios.DISPOSE_TP_INV_ID]
        note(f"starting the GuardDuty emulator (and its Security Hub): investigation {investigations[0]} (COMPLETED, Low risk, "
             f"High confidence: benign) and {investigations[1]} (COMPLETED, High risk, High confidence: true positive)")
        emulator = start_emulator(sys.executable, collection_dir, "demo dispose", "dispose")
        if not emulator:
            return 1
        note(f"emulator listening at {emulator.url}")
        endpoints = {"AWS_ENDPOINT_URL_GUARDDUTY": emulator.url, "AWS_ENDPOINT_URL_SECURITYHUB": emulator.url}
        for name, url in endpoints.items():
            note(f"  {name}={url}")
        note("running docs/demo/dispose.yml (ansible-playbook): for each, plan, apply (approved), rollback (approved)")
        return run_demo_playbook(collection_dir, "dispose.yml", scenarios.REGION, endpoints,
                                 {"investigation_ids": investigations, "approved": True, "record_dir": os.path.join(workdir, "records")},
                                 note, started)
    except KeyboardInterrupt:
        note("interrupted")
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if emulator:
            emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        note("the emulator stopped")


def port_free(port):
    """Whether a TCP port of 127.0.0.1 can be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def demo_contain_serve(endpoints, ids, inv_id):
    """scripts/demo contain --serve: print what points a shell at the servers, then wait for Ctrl-C."""
    print("\n# In another terminal, from the checkout (README.md, \"Try containment on your machine\"):")
    print('eval "$(scripts/env)"')
    print("unset AWS_PROFILE AWS_SESSION_TOKEN AWS_URL AWS_ENDPOINT_URL   # one endpoint for all would send GuardDuty to moto")
    print(f"export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID={DEMO_ENV['AWS_ACCESS_KEY_ID']} "
          f"AWS_SECRET_ACCESS_KEY={DEMO_ENV['AWS_SECRET_ACCESS_KEY']}")
    print(f"export AWS_ENDPOINT_URL_GUARDDUTY={endpoints['AWS_ENDPOINT_URL_GUARDDUTY']}   # GuardDuty: the emulator")
    print("export " + " ".join(f"{name}={url}" for name, url in endpoints.items() if name != "AWS_ENDPOINT_URL_GUARDDUTY")
          + "   # moto")
    print(f"ansible-playbook docs/demo/contain.yml -e investigation_id={inv_id} -e approved=true")
    print(f"\n# The investigation {inv_id} names instance {ids['instance']}, access key {ids['key']}, user "
          f"{ids['user']}, role {ids['role']}, bucket {ids['bucket']}, security group {ids['ssh']}.", flush=True)
    print("[demo contain] serving until Ctrl-C", flush=True)
    while True:
        time.sleep(3600)


def follow(path, stop):
    """Print what is appended to a file until stop is set (tail -f)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        while True:
            line = fh.readline()
            if line:
                sys.stdout.write(line)
                sys.stdout.flush()
            elif stop.is_set():
                return
            else:
                time.sleep(0.2)


def stop_group(proc):
    """SIGINT to a process's own process group (it and what it runs), SIGKILL after 15 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def cmd_emulator_data(args):
    """Run in the virtualenv's Python by demo_eda: the emulator's scenario or finding builders, as JSON."""
    collection_dir, what = args[0], args[1]
    sys.path.insert(0, os.path.join(collection_dir, "tests", "emulator"))
    from gdemu import scenarios  # pylint: disable=import-outside-toplevel,import-error
    if what == "scenario":  # an empty account; an investigation the rulebook starts runs for 6 s
        data = scenarios.empty()
        data["create"] = {"running_for": 6}
    else:
        data = scenarios.finding(finding_id=args[2], severity=float(args[3]))
    print(json.dumps(data))


def cmd_test(args):
    """The whole test suite (or some steps), each step saying what it runs, then a summary. Only the integration step
    needs anything outside the project's environment (Chromium for the HTML report test, Java for ansible-rulebook):
    it is checked first and installed only when asked (--install-chromium / --install-java, or GD_INSTALL_CHROMIUM=1 /
    GD_INSTALL_JAVA=1); otherwise what is missing is said, and the tests that need it fail saying so."""
    args = list(args)
    install_chromium = asked("GD_INSTALL_CHROMIUM", "--install-chromium", args)
    install_java = asked("GD_INSTALL_JAVA", "--install-java", args)
    unknown = [name for name in args if name not in STEPS]
    if unknown:
        print(f"unknown step: {' '.join(unknown)} (steps: {' '.join(STEPS)}; scripts/test --help)", file=sys.stderr)
        return 2
    selected = args or STEPS
    setup = bootstrap()
    for need in needs(selected):
        if need == "chromium":
            prepare_chromium(install_chromium)
        elif need == "java":
            prepare_java(install_java, "the EDA rulebook tests of the integration step", "scripts/test integration")
    pyver = output([setup.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    steps = Steps(12)
    cwd = setup.collection_dir
    # ansible-test keeps its per-test virtualenvs in HOME
    test_env = dict(os.environ, HOME=setup.test_home)
    if {"sanity", "units"} & set(selected):
        explain_locale()

    def docs():
        rc = steps.run(["antsibull-docs", "lint-collection-docs", "--plugin-docs", "."], cwd=cwd)
        for kind in ("module", "lookup", "filter", "test"):
            folder = os.path.join(cwd, "plugins", kind + "s" if kind == "module" else kind)
            for plugin in sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py")) if os.path.isdir(folder) else []:
                option = [] if kind == "module" else ["-t", kind]
                if steps.run(["ansible-doc", *option, f"secops.guardduty.{plugin}"], cwd=cwd, quiet_stdout=True):
                    steps.echo(f"ansible-doc failed: {kind} {plugin}")
                    rc = 1
        return 1 if rc else 0

    def build():
        # build and install the collection the way users get it, then use it from the installed copy
        with tempfile.TemporaryDirectory() as out:
            installed = os.path.join(out, "installed")
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=installed)
            if steps.run(["ansible-galaxy", "collection", "build", "--force", "--output-path", out, "."], cwd=cwd):
                return 1
            (tarball,) = glob.glob(os.path.join(out, "secops-guardduty-*.tar.gz"))
            if steps.run(["ansible-galaxy", "collection", "install", "--force", "--offline", "--no-deps", "-p", installed,
                          tarball], cwd=cwd, env=env):
                return 1
            for namespace in ("amazon", "community"):  # the dependencies (amazon.aws; community.general for the notify role)
                os.symlink(os.path.join(setup.collections, "ansible_collections", namespace),
                           os.path.join(installed, "ansible_collections", namespace))
            if steps.run(["ansible-doc", "secops.guardduty.guardduty_investigation_info"], cwd=cwd, env=env, quiet_stdout=True):
                return 1
            return steps.run([setup.python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/build"], cwd=cwd,
                             env=dict(env, GD_BUILT_TARBALL=tarball))

    def command(*words, env=None):
        return " ".join(words).replace(setup.python, "python"), lambda: steps.run(list(words), cwd=cwd, env=env)

    actions = {
        "sanity": command("ansible-test", "sanity", "--local", "--python", pyver, "--color", "no", env=test_env),
        "units": command("ansible-test", "units", "--local", "--python", pyver, "--color", "no", env=test_env),
        "lint": ("ansible-lint --nocolor", lambda: steps.run([setup.python, "-c", LINT, "--nocolor"], cwd=cwd)),
        "docs": ("antsibull-docs lint-collection-docs, ansible-doc of every plugin", docs),
        "changelog": command("antsibull-changelog", "lint"),
        # the emulator's self-tests, then real ansible-playbook runs against it: 3 workers on 2 cores (a third of the time
        # a test waits for a poll, a retry's backoff or ansible-rulebook's start); the slowest tests are printed
        # (test_eda_sources.py shares the workers again: its tests failed there because their investigations completed
        # before a cold source had started, which a lookback now covers; see LOOKBACK in that file). Tests go to the workers
        # one at a time (--maxschedchunk 1): by default pytest-xdist hands a worker a run of up to a sixth of the tests
        # still pending in collection order, and the containment end-to-end tests (test_contain*.py, test_demo_contain.py,
        # each one to a few minutes) sit next to each other: a worker could get most of them in one run (xdist 3.8's scheduling,
        # replayed with their durations, does) and the others run out of tests long before it ends
        "integration": command(setup.python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "3", "--maxschedchunk", "1",
                               "--durations=15", "tests/emulator/tests", "tests/integration"),
        "build": ("ansible-galaxy collection build and install, then tests/build from the installed copy", build),
    }
    try:
        for name in selected:
            steps.step(name, *actions[name])
        steps.summary("summary", "steps")
        # the closing line counts every pytest test of every step (unit, emulator, integration, build); a failed step
        # without a failed test (sanity, lint, docs...) counts as one failure
        steps.count_tests("tests", steps.failed)
    finally:
        steps.close()
    return 1 if steps.failed else 0


def cmd_test_matrix(args):
    """The compatibility matrix: each leg gets its own virtualenv and collections root under <work>/matrix, then
    runs ansible-test units and a representative subset of the integration tests against the emulator. The
    emulator always serves from the newest GuardDuty model (the main toolchain's botocore, through AWS_DATA_PATH in
    the test process only), so the botocore-floor leg proves that an old client still works against today's API."""
    if args[:1] == ["--list"]:
        for leg, (python, core, sdk, aws) in LEGS.items():
            print(f"{leg:<15} {python}, ansible-core {core}, boto3/botocore {sdk}, amazon.aws {aws}")
        return 0
    unknown = [leg for leg in args if leg not in LEGS]
    if unknown:
        print(f"unknown leg: {unknown[0]} (legs: {' '.join(LEGS)}; scripts/test-matrix --list)", file=sys.stderr)
        return 2
    setup = bootstrap()
    explain_locale()  # each leg runs ansible-test units
    os.makedirs(MATRIX, exist_ok=True)
    # The newest GuardDuty model, for the emulator only (a data path holding just guardduty).
    newest_model = os.path.join(MATRIX, "model-newest")
    os.makedirs(newest_model, exist_ok=True)
    botocore_dir = output([setup.python, "-c", "import botocore, os; print(os.path.dirname(botocore.__file__))"])
    link = os.path.join(newest_model, "guardduty")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.join(botocore_dir, "data", "guardduty"), link)
    with open(REQUIREMENTS, encoding="utf-8") as fh:
        runners = [line.strip() for line in fh if line.split("==")[0] in RUNNERS]
    steps = Steps(28)
    started = time.monotonic()
    try:
        for leg in args or LEGS:
            run_leg(leg, setup, steps, runners, newest_model)
        print(f"\n=== matrix summary ({int(time.monotonic() - started)}s)")
        print("\n".join(steps.results))
        print(f"matrix: {len(steps.results) - steps.failed} passed, {steps.failed} failed", flush=True)
    finally:
        steps.close()
    return 1 if steps.failed else 0


def run_leg(leg, setup, steps, runners, newest_model):
    python_name, core, sdk, aws = LEGS[leg]
    print(f"\n=== {leg}: {python_name}, ansible-core {core}, boto3/botocore {sdk}, amazon.aws {aws}", flush=True)
    start = time.monotonic()
    try:
        python = resolve_python(python_name)
        version = python_version(python)
        # key: as the bash version had it, so existing leg virtualenvs are reused
        venv = os.path.join(MATRIX, f"venv-{leg}-{key_of(f'{version} {core} {sdk} ' + ''.join(r + ' ' for r in runners))}")
        build_venv(venv, python, [f"ansible-core=={core}", f"boto3=={sdk}", f"botocore=={sdk}", *runners], "matrix",
                   f"{leg}: creating {venv} ({version}, ansible-core {core}, boto3/botocore {sdk})")
        # a collections root per amazon.aws version and checkout (two checkouts' runs do not overwrite each other)
        root = os.path.join(MATRIX, f"collections-amazon-aws-{aws}-{key_of(REPO)}")
        collection = collections_root(root, amazon_aws(setup.venv, aws), "matrix")
        link_community_general(root, community_general(setup.venv, aws))
        home = test_home(venv)
    except (Failed, OSError, subprocess.CalledProcessError) as exc:
        if str(exc):
            say(str(exc), "matrix")
        steps.record(f"{leg} setup", 1, start)
        return
    steps.record(f"{leg} setup", 0, start)
    found_core, found_botocore = toolchain_versions(venv)
    say(f"{leg}: ansible-core {found_core}, botocore {found_botocore}, amazon.aws {amazon_aws_version_in(root)}", "matrix")
    pyver = output([venv_python(venv), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    env = dict(os.environ, PATH=os.path.join(venv, "bin") + os.pathsep + os.environ["PATH"], ANSIBLE_COLLECTIONS_PATH=root)
    start = time.monotonic()
    rc = steps.run(["ansible-test", "units", "--local", "--python", pyver, "--color", "no"], cwd=collection,
                   env=dict(env, HOME=home))
    steps.record(f"{leg} units", rc, start)
    start = time.monotonic()
    rc = steps.run([venv_python(venv), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-n", "2",
                    *(FLOOR_TESTS if leg == "botocore-floor" else MATRIX_TESTS + CONTAIN_TESTS + DISPOSE_TESTS)],
                   cwd=collection, env=dict(env, AWS_DATA_PATH=newest_model))
    steps.record(f"{leg} integration", rc, start)


def cmd_benchmark(args):
    """The performance benchmark (benchmarks/run.py, with the AWS CLI in a virtualenv of its own: the CLI brings its
    own botocore, which must not mix with ours), or with --eda the event sources' (benchmarks/eda.py)."""
    setup = bootstrap()
    os.chdir(setup.collection_dir)
    if args[:1] == ["--eda"]:
        say(f"running benchmarks/eda.py from {setup.collection_dir}")
        os.execv(setup.python, [setup.python, "benchmarks/eda.py", *args[1:]])
    if args[:1] == ["--contain"]:
        say(f"running benchmarks/contain.py from {setup.collection_dir}")
        os.execv(setup.python, [setup.python, "benchmarks/contain.py", *args[1:]])
    version = os.environ.get("GD_AWSCLI_VERSION") or "1.46.3"
    venv = os.path.join(WORK, f"awscli-{version}")
    try:
        if not build_venv(venv, resolve_python(os.environ.get("GD_PYTHON") or "python3.11"), [f"awscli=={version}"],
                          "bootstrap", f"installing awscli {version} (PyPI) into {venv}"):
            say(f"awscli ready: {venv}")
    except (Failed, OSError) as exc:
        say(str(exc))
        print(f"could not install awscli {version}", file=sys.stderr)
        return 1
    say(f"running benchmarks/run.py from {setup.collection_dir}")
    os.execv(setup.python, [setup.python, "benchmarks/run.py", "--aws", os.path.join(venv, "bin", "aws"), *args])
    return 1


def cmd_ci(args):
    """What CI runs (.ci/run): scripts/test, nothing weaker, then every matrix leg but core2.19 (scripts/test's own
    toolchain). The closing line counts every test of both."""
    if args:
        print("scripts/toolbox.py ci takes no arguments", file=sys.stderr)
        return 2
    steps = Steps(12)
    try:
        with open(os.path.join(steps.logs, "test.log"), "wb") as steps.log:
            rc = steps.run([os.path.join(REPO, "scripts", "test")])
        if rc == 0:
            with open(os.path.join(steps.logs, "matrix.log"), "wb") as steps.log:
                rc = steps.run([os.path.join(REPO, "scripts", "test-matrix"), *CI_LEGS])
        steps.log = None
        steps.count_tests("ci", 1 if rc else 0)
    finally:
        steps.close()
    return rc


COMMANDS = {
    "bootstrap": cmd_bootstrap,
    "env": cmd_env,
    "demo": cmd_demo,
    "test": cmd_test,
    "test-matrix": cmd_test_matrix,
    "benchmark": cmd_benchmark,
    "emulator": cmd_emulator,
    "ci": cmd_ci,
    "_emulator-data": cmd_emulator_data,  # internal: run in the virtualenv's Python by `demo eda`
    "_demo-contain": cmd_demo_contain_run,  # internal: run in the virtualenv's Python by `demo contain`
    "_demo-notify": cmd_demo_notify_run,  # internal: run in the virtualenv's Python by `demo notify`
    "_demo-dispose": cmd_demo_dispose_run,  # internal: run in the virtualenv's Python by `demo dispose`
}


# What `scripts/<command> --help` prints (and nothing else is done). The emulator's adds its scenarios, read from
# tests/emulator/README.md (their one description).
USAGE = {
    "bootstrap": """usage: scripts/bootstrap [--install-chromium] [--install-java]

Prepare everything the other commands need, in the project's own environment under $SECOPS_GUARDDUTY_WORK (default
~/.cache/secops-guardduty): the pinned virtualenv, amazon.aws, a copy of the checkout as a collection, ansible-test's
HOME. Then say whether Chromium (the HTML report test) and Java 17 (ansible-rulebook) are there; they are installed
system-wide with apt-get only when asked:
  --install-chromium   (or GD_INSTALL_CHROMIUM=1) install Debian's chromium when no Chromium or Chrome is found
  --install-java       (or GD_INSTALL_JAVA=1) install Debian's openjdk-17-jre-headless when no Java 17+ is found""",
    "env": """usage: eval "$(scripts/env)"

Print the shell lines that put a shell into the environment scripts/demo and scripts/test use: PATH (the pinned
virtualenv), ANSIBLE_COLLECTIONS_PATH (the collection copy of this checkout, synced now), PYTHONWARNINGS, GD_REPO,
GD_VENV, GD_COLLECTION_DIR. Run it again after editing the checkout. Installs nothing outside the project's environment.""",
    "demo": """usage: scripts/demo
       scripts/demo eda [--install-java]
       scripts/demo contain [--serve [--emulator-port N] [--moto-port N]]
       scripts/demo dispose
       scripts/demo notify

scripts/demo           the main job on the bundled GuardDuty emulator: wait for a running investigation, print the verdict
scripts/demo eda       the event-driven demo: a finding appears, the rulebook secops.guardduty.auto_investigate (real
                       ansible-rulebook) investigates it and reports the verdict (about 30 s; GD_DEMO_EDA_TIMEOUT, 150 s).
                       ansible-rulebook needs Java 17: without one it stops saying how to get it; --install-java
                       (or GD_INSTALL_JAVA=1) installs Debian's openjdk-17-jre-headless system-wide
scripts/demo contain   the contain role in plan, apply and rollback on moto and the emulator (about a minute)
  --serve              instead of the playbook, keep moto and the emulator running (Ctrl-C stops them) and print the
                       lines that point a shell at them
  --emulator-port N    the emulator's port with --serve (default 18777)
  --moto-port N        moto's port with --serve (default 18778); a port in use stops it before anything starts
scripts/demo dispose   the dispose role on a benign and a true-positive investigation: plan, apply, rollback, with
                       each finding's state in GuardDuty and Security Hub after each step (the emulator; about a minute)
scripts/demo notify    the notify role telling local stand-ins of Jira, Slack, Teams, PagerDuty, mail and a webhook about
                       a verdict, then a redelivery (nobody is told twice) and an update (about 40 s)""",
    "test": """usage: scripts/test [--install-chromium] [--install-java] [STEP...]

Run the whole test suite, or these steps: sanity units lint docs changelog integration build (see README.md). Each step
says what it runs; a summary and the count of tests close. Only the integration step needs anything outside the
project's environment: Chromium (the HTML report test) and Java 17 (ansible-rulebook). Without them it says what is
missing and how to get it, and those tests fail saying the same; they are installed system-wide only when asked:
  --install-chromium   (or GD_INSTALL_CHROMIUM=1) install Debian's chromium (apt-get) if no Chromium or Chrome is found
  --install-java       (or GD_INSTALL_JAVA=1) install Debian's openjdk-17-jre-headless if no Java 17+ is found
GD_CHROMIUM=<path> names a browser; JAVA_HOME a Java.""",
    "test-matrix": """usage: scripts/test-matrix [LEG...]
       scripts/test-matrix --list

Run the compatibility matrix (README.md, "Compatibility matrix"): each leg (Python, ansible-core, boto3/botocore,
amazon.aws) gets its own virtualenv under $SECOPS_GUARDDUTY_WORK/matrix and runs ansible-test units and a subset of the
integration tests. --list shows the legs.""",
    "benchmark": """usage: scripts/benchmark [--runs N] [--latency-ms N] [--concurrency N] [--only 1,2,...] [--baseline DIR] [--json FILE]
       scripts/benchmark --eda [--interval S] [--completions N] [--polls N] [--latency-ms N] [--regions-latency-ms N] [--json FILE]
       scripts/benchmark --contain [--runs N] [--json FILE]

The performance benchmark (benchmarks/run.py, with the AWS CLI it installs in a virtualenv of its own), with --eda
the event sources' (benchmarks/eda.py), with --contain the contain role's on moto (benchmarks/contain.py). The figures
and targets: docs/performance.md; benchmarks/README.md.""",
    "emulator": """usage: scripts/emulator [--port N] [--host H] [--scenario NAME[:ARG=VALUE,...] | --scenario FILE.json]
                        [--latency-ms N] [--port-file FILE]

The bundled GuardDuty emulator (tests/emulator/run.py with the project's virtualenv): prints GDEMU_URL=... once
listening and serves until Ctrl-C.
  --port N          0 (the default) picks a free port
  --scenario        a scenario below by name, with its arguments (e.g. regional:running=2,running_for=10; a list
                    value joins its items with +: regional:regions=us-east-1+eu-west-1), or a JSON file in the
                    scenario format (tests/emulator/gdemu/scenarios.py)
  --latency-ms N    added to every data-plane request
  --port-file FILE  the port number is written there once listening""",
    "ci": """usage: .ci/run

What CI runs: scripts/test, nothing weaker, then every matrix leg but core2.19. .ci/run asks for Chromium and Java
(GD_INSTALL_CHROMIUM=1 GD_INSTALL_JAVA=1): a fresh CI machine gets them with apt-get.""",
}


def usage(command):
    """The --help text of ``command``; the emulator's with its scenarios (tests/emulator/README.md, "Scenarios")."""
    text = USAGE[command]
    if command == "emulator":
        with open(os.path.join(REPO, "tests", "emulator", "README.md"), encoding="utf-8") as fh:
            found = re.search(r"^## Scenarios\n(.*?)(?=^## )", fh.read(), re.M | re.S)
        text += "\n\nScenarios (tests/emulator/README.md):\n\n" + (found.group(1).strip() if found else "(see tests/emulator/README.md)")
    return text


def main(argv):
    if sys.version_info < (3, 11):
        sys.exit(f"scripts/toolbox.py needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        sys.exit(0 if argv[:1] in (["-h"], ["--help"]) else 2)
    if argv[0] in USAGE and ("-h" in argv[1:] or "--help" in argv[1:]):
        try:
            print(usage(argv[0]), flush=True)
        except BrokenPipeError:  # `scripts/test --help | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    sys.stdout.reconfigure(line_buffering=True)
    sys.exit(COMMANDS[argv[0]](argv[1:]) or 0)


if __name__ == "__main__":
    main(sys.argv[1:])
