"""uintrlab.hostload: the other load on the host during a boot, from /proc/stat and our
own processes' CPU time."""
import os
import subprocess
import sys

import pytest

from uintrlab import hostload

HZ = os.sysconf("SC_CLK_TCK")


def stat(user, system, idle, steal=0):
    return (f"cpu  {user} 0 {system} {idle} 0 0 0 {steal} 0 0\n"
            f"cpu0 {user} 0 {system} {idle} 0 0 0 {steal} 0 0\nintr 1 2 3\n")


def test_cpu_seconds_from_proc_stat():
    c = hostload._cpu_seconds(stat(3 * HZ, 1 * HZ, 10 * HZ, steal=HZ // 2))
    per_cpu = c.pop("per_cpu")
    assert c == pytest.approx({"busy": 4.0, "idle": 10.0, "steal": 0.5})
    assert list(per_cpu) == ["0"] and per_cpu["0"] == pytest.approx({"busy": 4.0, "idle": 10.0, "steal": 0.5})
    with pytest.raises(ValueError, match="no aggregate 'cpu' line"):
        hostload._cpu_seconds("intr 1\n")


def test_other_load_is_host_busy_time_minus_ours():
    a = {"t": 100.0, "cpu": {"busy": 50.0, "idle": 0.0, "steal": 1.0}, "own": 10.0}
    b = {"t": 110.0, "cpu": {"busy": 70.0, "idle": 0.0, "steal": 1.5}, "own": 22.0}
    rec = hostload.between(a, b)
    assert rec["wall_s"] == 10.0 and rec["own_cpu_s"] == 12.0
    assert rec["host_busy_cpu_s"] == 20.0 and rec["other_busy_cpu_s"] == 8.0
    assert rec["other_load_cores"] == 0.8 and rec["steal_s"] == 0.5
    # per host CPU, when both snapshots have it
    pa = {"0": {"busy": 20.0, "idle": 0.0, "steal": 0.5}, "1": {"busy": 30.0, "idle": 0.0, "steal": 0.5}}
    pb = {"0": {"busy": 29.0, "idle": 0.0, "steal": 0.75}, "1": {"busy": 41.0, "idle": 0.0, "steal": 0.75}}
    rec = hostload.between({**a, "cpu": {**a["cpu"], "per_cpu": pa}}, {**b, "cpu": {**b["cpu"], "per_cpu": pb}})
    assert rec["per_cpu"] == {"0": {"busy_s": 9.0, "steal_s": 0.25}, "1": {"busy_s": 11.0, "steal_s": 0.25}}
    # counters that cannot be read: the record says only what is known
    rec = hostload.between({**a, "cpu": None}, b)
    assert "other_load_cores" not in rec and rec["own_cpu_s"] == 12.0


def test_a_child_burning_cpu_is_counted_as_ours():
    a = hostload.snapshot()
    subprocess.run([sys.executable, "-c", "import time\nt=time.process_time()\n"
                    "while time.process_time() - t < 0.3: pass"], check=True)
    rec = hostload.between(a, hostload.snapshot())
    assert rec["own_cpu_s"] >= 0.25
    assert rec["host_busy_cpu_s"] >= 0.25 and rec["other_busy_cpu_s"] >= 0
