# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What each channel was told about an investigation, kept on the controller so that it is told each state once.

``notify_state_dir/<investigation id>.json`` (directory 0700, file 0600, written in one step by the containment
record's writer) holds, per channel key (``<type>:<name>``), the state sent, its fingerprint, where it went (a hash), when and
what was done (``Entry``). A run holds ``<investigation id>.lock`` (an exclusive lock) from reading the file until it
has written it, so that two runs on one controller (an EDA redelivery next to the first run, two rulebooks) never
both send one state; the second waits and then finds it sent.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import time

from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.errors import ContainError
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import Kind
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import read_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.respond.record import write_record_file
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError

STATE_FORMAT = 1
# the state file is written and read as the response engine writes its records (0600, in one step)
NOTIFY_STATE = Kind({}, "notification state", None, "notify_state_dir")
LOCK_WAIT = 120  # seconds a run waits for another run of the same investigation (its retries included)


def state_path(directory, investigation_id):
    return os.path.join(directory, investigation_id + ".json")


class StateFile:
    """The state file of one investigation, locked while open (``with StateFile(...) as state``).

    ``read_only`` (check mode) neither creates the directory nor locks nor writes."""

    def __init__(self, directory, investigation_id, read_only=False, lock_wait=LOCK_WAIT):
        self.directory = os.path.expanduser(directory)
        self.investigation_id = investigation_id
        self.path = state_path(self.directory, investigation_id)
        self.read_only = read_only
        self.lock_wait = lock_wait
        self.channels = {}
        self._lock = None

    def __enter__(self):
        if not self.read_only:
            self._make_directory()
            self._take_lock()
        self.channels = self._read()
        return self

    def __exit__(self, *exc_info):
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the lock
            self._lock = None

    def _make_directory(self):
        try:
            if os.path.exists(self.directory) and not os.path.isdir(self.directory):
                raise NotifyError(f"notify_state_dir {self.directory} exists but is not a directory")
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        except OSError as e:
            raise NotifyError(f"notify_state_dir {self.directory} cannot be created ({e.__class__.__name__}: {e}): choose a "
                              "directory on the controller that the user running Ansible can write; nothing was sent") from None

    def _take_lock(self):
        lock_path = os.path.join(self.directory, self.investigation_id + ".lock")
        try:
            self._lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            raise NotifyError(f"The lock file {lock_path} cannot be opened ({e.__class__.__name__}: {e}); nothing was sent") from None
        deadline = time.monotonic() + self.lock_wait
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() >= deadline:
                    os.close(self._lock)
                    self._lock = None
                    raise NotifyError(
                        f"Another run has been notifying about investigation {self.investigation_id} for more than "
                        f"{self.lock_wait} s (it holds {lock_path}); nothing was sent: run again once it has finished") from None
                time.sleep(0.2)

    def _read(self):
        try:
            exists, text = read_record_file(self.path, NOTIFY_STATE)
            data = json.loads(text) if exists else None
        except (ContainError, ValueError) as e:
            raise NotifyError(f"The notification state file {self.path} cannot be read ({e}); nothing was sent. Move it away "
                              "to tell every channel the current state again") from None
        if data is None:
            return {}
        if (not isinstance(data, dict) or data.get("format") != STATE_FORMAT or data.get("investigation_id") != self.investigation_id
                or not isinstance(data.get("channels"), dict) or not all(isinstance(v, dict) for v in data["channels"].values())):
            raise NotifyError(f"The notification state file {self.path} is not one this role wrote for investigation "
                              f"{self.investigation_id}; nothing was sent. Move it away to tell every channel the current state again")
        return data["channels"]

    def told(self, key):
        """What the channel ``key`` was told last (an Entry dict), or None."""
        return self.channels.get(key)

    def record(self, key, entry):
        """Keep what ``key`` was told, and write the file at once (a run stopped later keeps it)."""
        self.channels[key] = entry
        if not self.read_only:
            self._write()

    def _write(self):
        # the containment record's writer: directory 0700, file 0600, one step (a temporary file renamed into place)
        try:
            write_record_file(self.path, {"format": STATE_FORMAT, "investigation_id": self.investigation_id, "channels": self.channels},
                              kind=NOTIFY_STATE)
        except ContainError as e:
            reason = re.search(r"\((\w+Error: [^)]*)\)", str(e))  # the operating system's reason, in the writer's message
            raise NotifyError(f"The notification state could not be written to {self.path} ({reason.group(1) if reason else e}): "
                              "choose a notify_state_dir the user running Ansible can write; the next run tells the channels told "
                              "so far again") from None
