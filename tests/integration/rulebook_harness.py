# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Harness for the EDA tests: a real ansible-rulebook process, its output, bounded waits with clear failures.

``RulebookProcess`` starts ``ansible-rulebook --print-events`` in its own process group with the test's environment,
captures stdout/stderr to files, parses the printed events and action output, and stops it cleanly (SIGINT, then
SIGKILL of the group it started after a grace period). ``wait_until`` polls a condition with a hard timeout and, on
failure, says what it waited for and shows the rulebook's output and the emulator's call log.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import yaml

BIN = os.path.dirname(sys.executable)
# ansible-rulebook prints a banner line per block: "** 2026-12-01 09:50:05.371154 [received event] ****..."
BANNER = re.compile(r"^\*\* \d{4}-\d\d-\d\d [\d:.]+ \[(?P<kind>[^\]]+)\] \*+$")
RULE_LINE = re.compile(r"^\*+$")
INVENTORY = "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"


def ansible_rulebook_executable():
    """The ansible-rulebook next to this Python (the pinned toolchain), else on PATH; AssertionError when missing."""
    candidate = os.path.join(BIN, "ansible-rulebook")
    if not os.access(candidate, os.X_OK):
        candidate = shutil.which("ansible-rulebook")
    if not candidate:
        raise AssertionError(
            "ansible-rulebook is not installed: the EDA rulebook tests need it (tests/requirements-tools.txt pins it; "
            "scripts/bootstrap installs it into the test virtualenv)."
        )
    return candidate


def check_toolchain():
    """Fail (never skip) when ansible-rulebook or its Java 17+ runtime is missing; returns `ansible-rulebook --version`."""
    exe = ansible_rulebook_executable()
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120, check=False)
    out = proc.stdout + proc.stderr
    match = re.search(r"Java version = (\d+)", out)
    if proc.returncode != 0 or not match:
        raise AssertionError(
            "ansible-rulebook cannot run here (it needs a Java 17+ runtime: `sudo apt-get install openjdk-17-jre-headless`, "
            "or let `GD_INSTALL_JAVA=1 scripts/test integration` do it, or set JAVA_HOME to a Java 17+). "
            f"`ansible-rulebook --version` said (rc {proc.returncode}):\n{out}"
        )
    if int(match.group(1)) < 17:
        raise AssertionError(f"ansible-rulebook needs Java 17 or newer; it found Java {match.group(1)}:\n{out}")
    return out


def parse_blocks(text):
    """[(kind, body)] of the banner blocks ansible-rulebook prints (received event, debug, ruleset, ...)."""
    blocks, kind, body = [], None, []
    for line in text.splitlines():
        match = BANNER.match(line)
        if match:
            if kind is not None:
                blocks.append((kind, "\n".join(body)))
            kind, body = match.group("kind"), []
        elif kind is not None and RULE_LINE.match(line):
            blocks.append((kind, "\n".join(body)))
            kind, body = None, []
        elif kind is not None:
            body.append(line)
    if kind is not None:
        blocks.append((kind, "\n".join(body)))
    return blocks


def parse_events(text):
    """[(ruleset, event dict)] printed by --print-events, in order (internal non-dict events are left out)."""
    events = []
    for kind, body in parse_blocks(text):
        if kind != "received event":
            continue
        match = re.match(r"Ruleset: (?P<ruleset>.*)\nEvent:\n(?P<event>.*)\Z", body, re.S)
        if not match:
            continue
        try:
            event = ast.literal_eval(match.group("event"))
        except (ValueError, SyntaxError):
            continue  # Shutdown(...) and other internal objects
        if isinstance(event, dict):
            events.append((match.group("ruleset"), event))
    return events


class RulebookProcess:
    """One ansible-rulebook run started by a test.

    ``RulebookProcess(workdir, rulebook, variables, env).start()``; ``.stdout()``, ``.events()``, ``.debug_messages()``;
    ``.stop()`` always (the fixture does it). ``variables`` go to a --vars file.
    """

    def __init__(self, workdir, rulebook, variables, env, extra_args=()):
        self.workdir = str(workdir)
        self.rulebook = rulebook
        self.variables = variables
        self.env = env
        self.extra_args = list(extra_args)
        self.proc = None
        self.stdout_path = os.path.join(self.workdir, "ansible-rulebook.stdout")
        self.stderr_path = os.path.join(self.workdir, "ansible-rulebook.stderr")
        self.started_at = None
        self.returncode = None

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        vars_path = os.path.join(self.workdir, "rulebook-vars.yml")
        with open(vars_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(self.variables, handle)
        # run_playbook actions need an inventory; the playbooks run on localhost
        inventory_path = os.path.join(self.workdir, "inventory.yml")
        with open(inventory_path, "w", encoding="utf-8") as handle:
            handle.write(INVENTORY)
        cmd = [ansible_rulebook_executable(), "-r", self.rulebook, "-i", inventory_path, "--vars", vars_path, "--print-events"]
        cmd += self.extra_args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            # its own process group: stop() signals the rulebook and the ansible-playbook runs it started, nothing else
            self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                cmd, cwd=self.workdir, env=self.env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.started_at = time.time()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=20):
        """SIGINT (what Ctrl-C sends), then SIGKILL to the process group after ``grace`` seconds; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self.returncode = self.proc.returncode
        return self.returncode

    def _read(self, path):
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return ""

    def stdout(self):
        return self._read(self.stdout_path)

    def stderr(self):
        return self._read(self.stderr_path)

    def events(self, ruleset=None):
        return [event for name, event in parse_events(self.stdout()) if ruleset is None or name == ruleset]

    def debug_messages(self):
        """The msg of every debug action, in order."""
        messages = []
        for kind, body in parse_blocks(self.stdout()):
            if kind == "debug":
                messages.append(" ".join(body.split()))
        return messages

    def report(self, tail=250):
        """The rulebook's command, state and the end of its output, for failure messages."""
        state = "running" if self.running() else f"exited with {self.proc.returncode if self.proc else 'never started'}"
        out = self.stdout().splitlines()
        err = self.stderr().splitlines()
        return (
            f"ansible-rulebook -r {self.rulebook} ({state}; vars {self.variables})\n"
            f"--- stdout (last {tail} of {len(out)} lines) ---\n" + "\n".join(out[-tail:]) + "\n"
            f"--- stderr (last {tail} of {len(err)} lines) ---\n" + "\n".join(err[-tail:])
        )


def emulator_report(emulator):
    """The emulator's call counts, failed calls and internal errors, for failure messages."""
    calls = emulator.calls()
    counts = {}
    for call in calls:
        counts[call["operation"]] = counts.get(call["operation"], 0) + 1
    failed = [f"{c['operation']} {c['status']} {c['error']}" for c in calls if c["status"] >= 400 or c["status"] == 0]
    return (
        f"emulator calls: {counts}; created: {emulator.created()}\n"
        f"failed or dropped calls ({len(failed)}): {failed[-20:]}\n"
        f"emulator errors: {emulator.emulator_errors}"
    )


def wait_until(condition, timeout, what, rulebook=None, emulator=None, interval=0.2):
    """Poll ``condition()`` until it returns a truthy value (returned) or ``timeout`` seconds pass (AssertionError).

    Fails at once when the rulebook process has exited. The message names what was awaited and shows the
    rulebook's output and the emulator's log.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        exited = rulebook is not None and not rulebook.running()
        if exited or time.monotonic() >= deadline:
            reason = "ansible-rulebook exited" if exited else f"timed out after {timeout:.0f} s"
            details = []
            if rulebook is not None:
                details.append(rulebook.report())
            if emulator is not None:
                details.append(emulator_report(emulator))
            raise AssertionError(f"{reason} waiting for: {what}\n" + "\n".join(details))
        time.sleep(interval)
