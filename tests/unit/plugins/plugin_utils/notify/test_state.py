# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state file: 0700 directory, 0600 file, written at once, locked against a second run, refused when not ours."""

from __future__ import annotations

import json
import os
import stat
import threading
import time

import pytest

from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.errors import NotifyError
from ansible_collections.secops.guardduty.plugins.plugin_utils.notify.state import StateFile

INV_ID = "a1b2c3d4-5678-90ab-cdef-ef1234567890"
ENTRY = {"state": {"status": "COMPLETED"}, "fingerprint": "0123456789ab", "destination": "ba9876543210", "sent_at": "2026-07-01T00:00:00Z",
         "action": "posted"}


def test_what_a_channel_was_told_is_written_at_once_with_private_modes(tmp_path):
    directory = tmp_path / "state"
    with StateFile(str(directory), INV_ID) as state:
        assert state.told("slack:soc") is None
        state.record("slack:soc", ENTRY)
        path = directory / f"{INV_ID}.json"
        assert json.loads(path.read_text())["channels"] == {"slack:soc": ENTRY}  # before the run ends
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with StateFile(str(directory), INV_ID) as state:
        assert state.told("slack:soc") == ENTRY


def test_check_mode_reads_and_writes_nothing(tmp_path):
    directory = tmp_path / "none"
    with StateFile(str(directory), INV_ID, read_only=True) as state:
        state.record("slack:soc", ENTRY)
    assert not directory.exists()


def test_a_second_run_waits_for_the_first(tmp_path):
    """Two runs of one investigation on one controller: the second reads the state once the first has written it."""
    seen, released = [], threading.Event()

    def first():
        with StateFile(str(tmp_path), INV_ID) as state:
            released.set()
            time.sleep(0.5)
            state.record("slack:soc", ENTRY)

    thread = threading.Thread(target=first)
    thread.start()
    released.wait(5)
    with StateFile(str(tmp_path), INV_ID) as state:
        seen.append(state.told("slack:soc"))
    thread.join()
    assert seen == [ENTRY]


def test_a_run_that_holds_the_lock_too_long_is_named(tmp_path):
    with StateFile(str(tmp_path), INV_ID):
        with pytest.raises(NotifyError, match=f"Another run has been notifying about investigation {INV_ID} for more than 0.3 s"):
            with StateFile(str(tmp_path), INV_ID, lock_wait=0.3):
                pass


@pytest.mark.parametrize("text", ["{not json", json.dumps({"format": 1, "investigation_id": "other", "channels": {}}), json.dumps([1])])
def test_a_state_file_that_is_not_ours_is_refused(tmp_path, text):
    (tmp_path / f"{INV_ID}.json").write_text(text)
    with pytest.raises(NotifyError, match="nothing was sent. Move it away"):
        with StateFile(str(tmp_path), INV_ID):
            pass


def test_a_state_dir_that_is_a_file_or_cannot_be_written(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotifyError, match="exists but is not a directory"):
        with StateFile(str(tmp_path / "file"), INV_ID):
            pass

    def refused(*_args):
        raise PermissionError(13, "Permission denied")

    with StateFile(str(tmp_path / "state"), INV_ID) as state:
        monkeypatch.setattr(os, "replace", refused)
        with pytest.raises(NotifyError, match=r"could not be written to .*\(PermissionError: \[Errno 13\] Permission denied\): "
                                              "choose a notify_state_dir"):
            state.record("slack:soc", ENTRY)
