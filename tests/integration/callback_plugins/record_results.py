# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test-only callback: append every task result to the JSON-lines file named by GD_RESULTS_FILE.

Each entry carries the task's name, status and result, and when the task started and ended (epoch seconds), which
the benchmarks (benchmarks/run.py) read as the task's cost.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: record_results
type: aggregate
short_description: Record task results for the secops.guardduty integration tests
description:
  - Appends one JSON object per task result (name, status, result, start and end times) to the file named by the
    E(GD_RESULTS_FILE) environment variable.
options: {}
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "record_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started[task._uuid] = time.time()

    def _record(self, result, status):
        end = time.time()
        path = os.environ.get("GD_RESULTS_FILE")
        if not path:
            return
        data = json.loads(self._dump_results(result._result, indent=0))
        task = result._task
        entry = {"task": task.get_name(), "status": status, "result": data, "start": self._started.get(task._uuid, end), "end": end}
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")
