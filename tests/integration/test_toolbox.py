# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The commands of scripts/ (scripts/toolbox.py) as a newcomer meets them (issue 25): every script answers --help and
does nothing else; nothing is installed outside the project's own environment unless asked, and only by the step that
needs it (the integration step: Chromium, Java); `demo contain --serve` takes its ports and checks them before
starting anything; the toolbox's ansible commands print no warning of ansible-core's own.

The toolbox is run from the collection copy under test (its scripts/ is the checkout's); the commands that bootstrap
(sync the checkout into that copy) run from the checkout itself, GD_REPO, which scripts/env and scripts/test export.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import signal
import socket
import stat
import subprocess
import sys

import pytest

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(COLLECTION, "scripts")
TOOLBOX = os.path.join(SCRIPTS, "toolbox.py")
SHIMS = sorted(name for name in os.listdir(SCRIPTS) if name != "toolbox.py" and not name.startswith("."))


def load_toolbox():
    spec = importlib.util.spec_from_file_location("toolbox_under_test", TOOLBOX)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


toolbox = load_toolbox()


def checkout():
    """The git checkout the collection copy was made from (scripts/env and scripts/test export GD_REPO)."""
    repo = os.environ.get("GD_REPO")
    if not repo or not os.path.isdir(os.path.join(repo, ".git")) and not os.path.isfile(os.path.join(repo, ".git")):
        pytest.fail("GD_REPO must name the secops.guardduty checkout (eval \"$(scripts/env)\" or scripts/test export it)")
    return repo


def executable(path, text):
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def bare_path(tmp_path):
    """A PATH with no browser and no Java: git and a fake apt-get and sudo that only record their arguments (the fake
    apt-get 'installs' a package by leaving an executable of its name: chromium, or a java that reports 17)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "system-wide.log"
    executable(bin_dir / "apt-get", f"""#!{sys.executable}
import os, sys
with open({str(record)!r}, "a") as log:
    log.write("apt-get " + " ".join(sys.argv[1:]) + "\\n")
if "install" in sys.argv:
    package = sys.argv[-1]
    name = "chromium" if package == "chromium" else "java"
    path = os.path.join({str(bin_dir)!r}, name)
    with open(path, "w") as fake:
        fake.write("#!/bin/sh\\necho '    java.specification.version = 17' >&2\\n")
    os.chmod(path, 0o755)
""")
    executable(bin_dir / "sudo", f"""#!{sys.executable}
import os, sys
with open({str(record)!r}, "a") as log:
    log.write("sudo " + " ".join(sys.argv[1:]) + "\\n")
args = [a for a in sys.argv[1:] if a != "-n"]
os.execvp(args[0], args)
""")
    (bin_dir / "git").symlink_to(subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True, check=True).stdout.strip())
    return bin_dir, record


# ---------------------------------------------------------------- --help


@pytest.mark.parametrize("shim", SHIMS)
def test_every_script_answers_help_with_its_usage_and_does_nothing_else(shim, tmp_path):
    work = tmp_path / "work"  # where bootstrap would build the virtualenv: it must stay absent
    env = dict(os.environ, SECOPS_GUARDDUTY_WORK=str(work))
    for flag in ("--help", "-h"):
        proc = subprocess.run(["bash", os.path.join(SCRIPTS, shim), flag], env=env, capture_output=True, text=True, timeout=30, check=False)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("usage: "), proc.stdout
        assert proc.stderr == "" and not work.exists()
    assert f"scripts/{shim}" in proc.stdout or (shim == "demo-eda" and "scripts/demo eda" in proc.stdout)


def test_a_subcommand_answers_help_too_and_the_emulator_lists_its_scenarios_ids_and_arguments(tmp_path):
    env = dict(os.environ, SECOPS_GUARDDUTY_WORK=str(tmp_path / "work"))

    def helped(*words):
        proc = subprocess.run([sys.executable, TOOLBOX, *words], env=env, capture_output=True, text=True, timeout=30, check=False)
        assert proc.returncode == 0 and proc.stdout.startswith("usage: "), proc
        return proc.stdout

    assert "--emulator-port N" in helped("demo", "contain", "--serve", "--help") and "--install-java" in helped("demo", "eda", "--help")
    assert "scripts/demo dispose   the dispose role on a benign and a true-positive investigation" in helped("demo", "dispose", "--help")
    assert "--install-chromium" in helped("test", "integration", "--help")
    emulator = helped("emulator", "--help")
    for text in ("`regional`", "`running`", "`running_for`", "regional:running=2,running_for=10", "`demo`", "`many`", "`basic`",
                 "a1b2c3d4-5678-90ab-cdef-ef1234567890", "e1000000-0000-4000-8000-000100000000", "2cb3d4e5f6a7b8c9d0e1f2a3b4c5d6e7"):
        assert text in emulator, text
    assert not (tmp_path / "work").exists()


def test_the_benchmark_usage_names_every_option_of_the_benchmarks():
    usage = toolbox.USAGE["benchmark"]
    for script in ("run.py", "eda.py"):
        with open(os.path.join(COLLECTION, "benchmarks", script), encoding="utf-8") as fh:
            options = re.findall(r'add_argument\(\s*"(--[a-z-]+)"', fh.read())
        assert options, script
        for option in options:
            if option != "--aws":  # scripts/benchmark installs the AWS CLI and passes it itself
                assert option in usage, (script, option)


# ---------------------------------------------------------------- nothing system-wide unless asked


def test_only_the_integration_step_needs_anything_outside_the_project():
    for step in toolbox.STEPS:
        assert toolbox.needs([step]) == (["chromium", "java"] if step == "integration" else []), step
    assert toolbox.needs(list(toolbox.STEPS)) == ["chromium", "java"]


def test_a_step_other_than_integration_installs_nothing_and_says_nothing_of_chromium_or_java(bare_path):
    """`scripts/test changelog` on a machine without browser or Java: it runs, and apt-get is never asked."""
    bin_dir, record = bare_path
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GD_INSTALL_", "GD_CHROMIUM", "JAVA_HOME"))}
    env["PATH"] = str(bin_dir)
    env["GD_PYTHON"] = sys._base_executable  # pylint: disable=protected-access  # the virtualenv's own Python (its key)
    proc = subprocess.run([sys.executable, os.path.join(checkout(), "scripts", "toolbox.py"), "test", "changelog"], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "changelog" in out and "steps: 1 passed, 0 failed" in out, out
    assert not record.exists(), record.read_text()
    assert not re.search(r"chromium|java|installing", out, re.I), out


def test_without_being_asked_the_integration_step_says_what_is_missing_and_installs_nothing(bare_path, monkeypatch, capsys):
    bin_dir, record = bare_path
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("GD_CHROMIUM", "JAVA_HOME", "GD_INSTALL_CHROMIUM", "GD_INSTALL_JAVA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(toolbox, "JVM_GLOB", str(bin_dir / "no-jvm-*" / "bin" / "java"))
    assert toolbox.prepare_chromium(install=toolbox.asked("GD_INSTALL_CHROMIUM", "--install-chromium", ["integration"])) is False
    assert toolbox.prepare_java(False, "the EDA rulebook tests of the integration step", "scripts/test integration") is False
    said = capsys.readouterr().err
    assert not record.exists(), record.read_text()
    assert "none is on PATH (chromium, chromium-browser, google-chrome, google-chrome-stable) or named by GD_CHROMIUM" in said
    assert "Nothing was installed. To get one: sudo apt-get install chromium" in said and "GD_INSTALL_CHROMIUM=1 (or --install-chromium)" in said
    assert "Until then that test fails, saying what to install; the other tests run." in said
    assert "needs a Java 17+ runtime, and there is none" in said and "sudo apt-get install openjdk-17-jre-headless" in said
    assert "let `scripts/test integration` do it with GD_INSTALL_JAVA=1 (or --install-java)" in said
    assert "SYSTEM-WIDE" not in said


def test_when_asked_it_says_so_and_installs_with_apt_get(bare_path, monkeypatch, capsys):
    bin_dir, record = bare_path
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("GD_CHROMIUM", "JAVA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(toolbox, "JVM_GLOB", str(bin_dir / "no-jvm-*" / "bin" / "java"))
    monkeypatch.setenv("GD_INSTALL_CHROMIUM", "1")
    args = ["--install-java", "integration"]
    assert toolbox.asked("GD_INSTALL_CHROMIUM", "--install-chromium", args) and toolbox.asked("GD_INSTALL_JAVA", "--install-java", args)
    assert args == ["integration"]  # the flag is the toolbox's, not a step
    assert toolbox.prepare_chromium(install=True) is True
    assert toolbox.prepare_java(True, "the EDA rulebook tests", "scripts/test integration") is True
    said = capsys.readouterr().err
    assert "Installing Debian's chromium package SYSTEM-WIDE now, as asked, for the HTML report test" in said
    assert "Installing Debian's openjdk-17-jre-headless package SYSTEM-WIDE now, as asked" in said
    calls = [line.split(" ", 1)[1] if line.startswith("sudo ") else line for line in record.read_text().splitlines() if line.startswith("apt-get")]
    assert calls == ["apt-get update -qq", "apt-get install -y -qq chromium", "apt-get update -qq", "apt-get install -y -qq openjdk-17-jre-headless"]


def test_ci_asks_for_chromium_and_java_explicitly():
    with open(os.path.join(COLLECTION, ".ci", "run"), encoding="utf-8") as fh:
        lines = [line for line in fh.read().splitlines() if not line.startswith("#")]
    assert "export GD_INSTALL_CHROMIUM=1 GD_INSTALL_JAVA=1" in lines
    assert lines[-1].startswith("exec python3") and lines[-1].endswith("toolbox.py\" ci")


def test_the_html_report_test_fails_saying_what_to_install_when_there_is_no_browser(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("GD_CHROMIUM", "GD_RESULTS_FILE")}
    env["PATH"] = str(tmp_path)  # no browser on it
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "tests/integration/test_report_html_chromium.py::test_hostile_report_shows_markup_as_text_in_chromium"],
                          cwd=COLLECTION, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed" in proc.stdout and "skipped" not in proc.stdout
    assert "needs headless Chromium (or Chrome), and none is on PATH" in proc.stdout
    assert "sudo apt-get install chromium" in proc.stdout and "GD_INSTALL_CHROMIUM=1 scripts/test integration" in proc.stdout


# ---------------------------------------------------------------- scripts/demo contain --serve: its ports


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_with_a_port_in_use_stops_before_anything_starts(tmp_path):
    work = tmp_path / "work"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, TOOLBOX, "demo", "contain", "--serve", "--moto-port", str(port)],
                              env=dict(os.environ, SECOPS_GUARDDUTY_WORK=str(work)), capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (
        f"[demo contain] --serve needs the ports {port} (moto, --moto-port) of 127.0.0.1, which are in use; nothing was started. "
        "Stop what uses them, or choose others with --emulator-port N and --moto-port N\n"
    )
    assert not work.exists()  # not even the bootstrap ran


@pytest.mark.parametrize(
    "args, message",
    [
        (["--moto-port", "18000"], "--emulator-port and --moto-port go with --serve"),
        (["--serve", "--moto-port", "http"], "--moto-port takes a port number from 1 to 65535"),
        (["--serve", "--emulator-port", "18000", "--moto-port", "18000"], "--emulator-port and --moto-port are both 18000"),
        (["--ports", "1"], "scripts/demo contain takes --serve [--emulator-port N] [--moto-port N] (got: --ports)"),
    ],
)
def test_bad_serve_options_are_refused_in_one_line(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        toolbox.demo_contain_options(args)


@pytest.mark.parametrize("demo", ["dispose", "notify"])
def test_demo_dispose_and_notify_take_no_arguments_and_say_so_before_anything_starts(tmp_path, demo):
    work = tmp_path / "work"
    proc = subprocess.run([sys.executable, TOOLBOX, "demo", demo, "--serve"], env=dict(os.environ, SECOPS_GUARDDUTY_WORK=str(work)),
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2 and proc.stderr == f"scripts/demo {demo} takes no arguments (got: --serve; scripts/demo --help)\n"
    assert not work.exists()


def test_serve_uses_the_ports_it_is_given(tmp_path):
    """The demo's servers on the ports given (what `scripts/demo contain --serve --emulator-port A --moto-port B` runs
    once bootstrapped), the printed lines pointing there; Ctrl-C stops both."""
    emulator_port, moto_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    with subprocess.Popen([sys.executable, TOOLBOX, "_demo-contain", COLLECTION, "--serve", str(emulator_port), str(moto_port)],
                          env=dict(env, HOME=str(tmp_path)), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, start_new_session=True) as proc:
        lines = []
        try:
            for line in proc.stdout:
                lines.append(line)
                if "serving until Ctrl-C" in line or len(lines) > 200:
                    break
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            rest = proc.communicate(timeout=60)[0]
    out = "".join(lines) + rest
    assert "[demo contain] serving until Ctrl-C" in out, out
    exported = {}
    for line in out.splitlines():
        if line.startswith("export "):
            exported.update(word.split("=", 1) for word in shlex.split(line, comments=True)[1:])
    assert exported["AWS_ENDPOINT_URL_GUARDDUTY"] == f"http://127.0.0.1:{emulator_port}"
    assert exported["AWS_ENDPOINT_URL_EC2"] == exported["AWS_ENDPOINT_URL_IAM"] == f"http://127.0.0.1:{moto_port}"
    assert out.rstrip().endswith("[demo contain] moto and the emulator stopped"), out


# ---------------------------------------------------------------- no warning of ansible-core's own


def test_the_toolbox_environment_prints_no_warning_of_ansible_cores_own_imports():
    """scripts/env exports the filter for the one warning ansible-core's own import prints (CryptographyDeprecationWarning:
    DSA is deprecated) and nothing broader; a demo's and a test's ansible commands then print no warning at all."""
    proc = subprocess.run([sys.executable, os.path.join(checkout(), "scripts", "toolbox.py"), "env"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    exported = {}
    for line in proc.stdout.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            exported.update(word.split("=", 1) for word in words[1:] if "=" in word and "$" not in word)
    assert exported["PYTHONWARNINGS"].split(",")[0] == "ignore:DSA is deprecated:UserWarning"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env.update(exported, ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false")
    bin_dir = os.path.dirname(sys.executable)
    for command in (
        ["ansible", "--version"],
        ["ansible-doc", "-t", "filter", "secops.guardduty.investigation_markdown"],
        ["ansible-playbook", "--syntax-check", os.path.join(COLLECTION, "docs", "demo", "demo.yml")],
    ):
        ran = subprocess.run([os.path.join(bin_dir, command[0]), *command[1:]], env=env, capture_output=True, text=True, timeout=120, check=False)
        assert ran.returncode == 0, ran.stderr
        assert "Warning" not in ran.stderr and "WARNING" not in ran.stderr, (command, ran.stderr)


def test_the_lint_step_prints_no_warning_of_ansible_cores_own_imports(tmp_path):
    """ansible-lint records every Python warning itself, past PYTHONWARNINGS: the lint step (toolbox.LINT) imports
    ansible-core's ssh-agent module under the one filter first, then runs ansible-lint as its own entry point does."""
    (tmp_path / "play.yml").write_text(
        "---\n- name: A play\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
        "    - name: Say hello\n      ansible.builtin.debug:\n        msg: hello\n", encoding="utf-8")
    ran = subprocess.run([sys.executable, "-c", toolbox.LINT, "--nocolor", "play.yml"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Passed: 0 failure(s), 0 warning(s) in 1 files" in ran.stdout + ran.stderr
    assert "DSA" not in ran.stdout + ran.stderr and "WARNING" not in ran.stdout + ran.stderr, ran.stdout + ran.stderr


def test_ansible_tests_locale_warning_is_explained_once_and_nothing_is_changed(bare_path, monkeypatch, capsys):
    """ansible-test warns at each step when the machine lacks en_US.UTF-8. Only a system-wide change would add it, which
    no step but the integration step may make: the toolbox says what the warning means and how to add the locale, and
    runs nothing else; with the locale there it says nothing."""
    bin_dir, record = bare_path
    monkeypatch.setenv("PATH", str(bin_dir))
    assert toolbox.explain_locale("xx_NO.UTF-8") is True
    said = capsys.readouterr().err
    assert "ansible-test will warn that it uses C.UTF-8: this machine has no xx_NO.UTF-8 locale" in said
    assert "The collection's tests do not depend on it." in said and "localedef -i en_US -f UTF-8 xx_NO.UTF-8" in said
    assert not record.exists()
    assert toolbox.explain_locale("C.UTF-8") is False and capsys.readouterr().err == ""
