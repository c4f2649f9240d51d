# -*- coding: utf-8 -*-
# Copyright: Contributors to the secops.guardduty collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML report as people see it: rendered by headless Chromium (any Chromium or Chrome; scripts/test installs Debian's
chromium only when asked: GD_INSTALL_CHROMIUM=1).

The reports come from the emulator's investigations through the collection's own code (normalisation of the modules,
the renderer the role and the filters use). A copy of each report gets a probe script that measures the key elements in
the laid-out page; the page itself has no script. Set GD_SCREENSHOT_OUT=<path> to keep the screenshot of the demo report
(docs/report-screenshot.png is made that way).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys

import pytest

from gdemu import Emulator
from gdemu import scenarios

COLLECTIONS_ROOT = os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)[0]
if not COLLECTIONS_ROOT:
    raise RuntimeError("ANSIBLE_COLLECTIONS_PATH must name the collections root holding secops.guardduty (scripts/test sets it)")
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)

from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_investigation  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.secops.guardduty.plugins.module_utils.model import normalize_records  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.secops.guardduty.plugins.plugin_utils.report.render import render_html  # noqa: E402  pylint: disable=wrong-import-position

# Chromium on a machine without network: no background connections, a fresh profile, no sandbox (runs as root in CI).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--mute-audio"]
WIDTH = 1280

PROBE = """<script>
(function () {
  function box(selector) {
    var el = document.querySelector(selector);
    if (!el) { return null; }
    var r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return {text: el.innerText.trim().slice(0, 300), top: r.top, bottom: r.bottom, width: r.width, height: r.height,
            visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0,
            background: s.backgroundColor, color: s.color};
  }
  function texts(selector) { return Array.prototype.map.call(document.querySelectorAll(selector), function (e) { return e.innerText.trim(); }); }
  var result = {
    viewport: {width: window.innerWidth, height: window.innerHeight},
    scroll_width: document.documentElement.scrollWidth,
    title: box('#title'), risk: box('#risk-level'), risk_value: box('#risk-level .value'), confidence: box('#confidence .value'),
    status: box('#status .value'), notice: box('#ai-notice'), footer: box('#footer'),
    sections: Array.prototype.map.call(document.querySelectorAll('section'), function (e) { return e.id; }),
    phases: texts('#attack-progression ol.phases > li .phase-name'),
    tactics: texts('#attack-progression tbody td:first-child'),
    priorities: texts('#countermeasures .priority-group h3'),
    actions: texts('#countermeasures .card h4'),
    commands: Array.prototype.map.call(document.querySelectorAll('pre.commands'), function (e) {
      return {text: e.innerText, height: e.getBoundingClientRect().height, font: getComputedStyle(e).fontFamily}; }),
    timeline: texts('#timeline ol.timeline > li'),
    scripts: document.scripts.length,
    active: document.querySelectorAll('img, iframe, object, embed, form, link, [onerror], [onload], [onclick], [href^="javascript"]').length,
    body: document.body.innerText
  };
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
</script>
"""


# Any Chromium or Chrome does: GD_CHROMIUM names one, else the first of these on PATH (scripts/toolbox.py looks the same way).
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium():
    """The browser to render with; the test fails (never skips) without one, saying what to install."""
    given = os.environ.get("GD_CHROMIUM")
    if given:
        path = shutil.which(given)
        if path is None:
            pytest.fail(f"GD_CHROMIUM={given} is not an executable Chromium or Chrome")
        return path
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "the HTML report test needs headless Chromium (or Chrome), and none is on PATH "
        f"({', '.join(BROWSERS)}). Install one: on Debian/Ubuntu `sudo apt-get install chromium`, or let "
        "`GD_INSTALL_CHROMIUM=1 scripts/test integration` (or `scripts/test --install-chromium integration`) do it; "
        "elsewhere use your package manager (e.g. `dnf install chromium`, `brew install --cask chromium`) and put it on "
        "PATH or set GD_CHROMIUM=<path of the browser>."
    )
    return None  # not reached: pytest.fail raises


def run_chromium(tmp_path, *args):
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def investigation(investigation_id, scenario):
    """The investigation as guardduty_investigation_info returns it (structured summary, records)."""
    for entry in scenario["investigations"]:
        # finished half an hour ago after about five minutes, as a real one would be
        entry.update(running_for=0, start_offset=entry.get("start_offset", -1800), duration=entry.get("duration", 312))
    with Emulator(scenario) as emulator:
        client = emulator.client()
        raw = client.get_investigation(DetectorId=scenarios.DETECTOR_ID, InvestigationId=investigation_id, SummaryFormat="STRUCTURED")["Investigation"]
        records = client.get_paginator("list_investigation_records").paginate(
            DetectorId=scenarios.DETECTOR_ID, InvestigationId=investigation_id).build_full_result()["Records"]
    result = normalize_investigation(raw)
    result["records"] = normalize_records(records)
    return result


def probe(tmp_path, page, name):
    """Lay the page out in Chromium (1280x900) with the probe added and return what the probe measured."""
    instrumented = page.replace("</body>", PROBE + "</body>")
    # the report's Content-Security-Policy forbids every script, the probe too: it goes in this copy only
    instrumented = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", instrumented)
    path = tmp_path / f"{name}-probed.html"
    path.write_text(instrumented, encoding="utf-8")
    dom = run_chromium(tmp_path, f"--window-size={WIDTH},900", "--dump-dom", path.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def png_size(path):
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def test_demo_report_shows_its_key_elements_in_chromium(tmp_path):
    page = render_html(investigation(scenarios.FINDING_INV_ID, scenarios.demo()))
    report = tmp_path / "demo-report.html"
    report.write_text(page, encoding="utf-8")

    shot = tmp_path / "demo-report.png"
    run_chromium(tmp_path, f"--window-size={WIDTH},2400", f"--screenshot={shot}", report.as_uri())
    assert png_size(shot) == (WIDTH, 2400) and os.path.getsize(shot) > 50000  # a rendered page, not a blank one
    if os.environ.get("GD_SCREENSHOT_OUT"):
        shutil.copy(shot, os.environ["GD_SCREENSHOT_OUT"])

    seen = probe(tmp_path, page, "demo")
    fold = seen["viewport"]["height"]
    # at a glance, above the fold: title, risk level (in the risk colour), confidence, status, the AI notice
    assert seen["title"]["visible"] and seen["title"]["text"] == "EC2 instance role credentials used from an external IP address"
    assert seen["risk_value"]["text"] == "Critical" and seen["risk"]["visible"] and seen["risk"]["bottom"] < fold
    assert seen["risk"]["background"] == "rgb(139, 26, 26)" and seen["risk"]["color"] == "rgb(255, 255, 255)"
    assert seen["confidence"]["text"] == "High" and seen["status"]["text"] == "COMPLETED"
    assert seen["notice"]["visible"] and seen["notice"]["bottom"] < fold and seen["notice"]["text"].startswith("AI-generated, needs human review")
    assert seen["footer"]["visible"] and "needs human review" in seen["footer"]["text"]
    assert seen["sections"] == ["details", "summary", "attack-progression", "countermeasures", "affected-resources", "timeline"]
    # MITRE ATT&CK progression, phase by phase, with tactic ids
    assert seen["phases"] == ["Initial Access", "Discovery", "Collection"]
    assert seen["tactics"] == ["Initial Access TA0001", "Discovery TA0007", "Collection TA0009"]
    # countermeasures by priority, CLI commands shown as monospace text
    assert seen["priorities"] == ["IMMEDIATE", "SHORT TERM"]
    assert seen["actions"] == ["Revoke active sessions of the instance role", "Move the instance to a quarantine security group", "Require IMDSv2"]
    assert [c["text"].splitlines()[0].split()[:3] for c in seen["commands"]] == [["aws", "iam", "put-role-policy"], ["aws", "ec2", "modify-instance-attribute"],
                                                                                 ["aws", "ec2", "modify-instance-metadata-options"]]
    assert all(c["height"] > 0 and "monospace" in c["font"] for c in seen["commands"])
    assert len(seen["timeline"]) == 8 and "UPDATE" in seen["timeline"][0] and "Investigation started" in seen["timeline"][0]
    # nothing overflows sideways, nothing active but the probe
    assert seen["scroll_width"] <= WIDTH
    assert seen["scripts"] == 1 and seen["active"] == 0


def test_hostile_report_shows_markup_as_text_in_chromium(tmp_path):
    page = render_html(investigation(scenarios.HOSTILE_INV_ID, scenarios.hostile()))
    assert "<script" not in page.lower()
    seen = probe(tmp_path, page, "hostile")
    assert seen["scripts"] == 1 and seen["active"] == 0  # only the probe: no element came from API text
    assert seen["title"]["text"] == f"Title {scenarios.JINJA_PAYLOAD} {scenarios.SCRIPT_PAYLOAD}"
    assert seen["body"].count(scenarios.SCRIPT_PAYLOAD) >= 5  # shown as text wherever it was
    assert scenarios.JINJA_PAYLOAD in seen["body"] and "\x1b" not in seen["body"] and "\u241b[31mRED ALERT" in seen["body"]
    assert any(f'echo "$(touch {scenarios.PWNED_PATH})" {scenarios.SCRIPT_PAYLOAD}' in c["text"] for c in seen["commands"])
    assert seen["scroll_width"] <= WIDTH
    assert not os.path.exists(scenarios.PWNED_PATH)
