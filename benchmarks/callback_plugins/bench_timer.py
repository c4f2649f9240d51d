# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark-only callback: append the wall-clock start and end of every task to the file named by GD_BENCH_FILE."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Time tasks for the secops.guardduty benchmark
description:
  - Appends one JSON object per finished task (name, status, start and end as epoch seconds) to the file named by
    the E(GD_BENCH_FILE) environment variable. A task with a loop is timed from its start to its last item.
options: {}
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def _record(self, result, status):
        end = time.time()
        path = os.environ.get("GD_BENCH_FILE")
        if not path:
            return
        task = result._task
        entry = {"task": task.get_name(), "status": status, "start": self._started.get(task._uuid, end), "end": end}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
