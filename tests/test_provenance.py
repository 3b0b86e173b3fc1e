"""Provenance: what the artifact is built from now, whether a run was made with it
(check_run, `python -m uintrlab provenance [--check RUN]`, the report's warning), and
the git commit's fallback when git is unusable. No builds and no guest boots needed."""
import copy
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import write_synthetic_run
from uintrlab import __main__ as cli_main
from uintrlab import builds, data
from uintrlab import provenance as P

COMMITTED_FULL = builds.ROOT / "data" / "runs" / "full-20261127T113721Z"

QEMU = {"component": "qemu", "debian_source": "qemu", "debian_version": "1:7.2+dfsg-7+deb12u18",
        "pinned_version": "1:7.2+dfsg-7+deb12u18", "dsc": "qemu_7.2+dfsg-7+deb12u18.dsc",
        "dsc_sha256": "6b" * 32, "patch_series_sha256_16": "ef39f8cc2e68e9f8",
        "patches": ["0001-a.patch"], "configure_flags": "--target-list=x86_64-softmmu --enable-tcg",
        "compiler": "gcc 12.2.0 (Debian gcc-12 12.2.0-14+deb12u1)", "recipe": "2",
        "cache_key": "29625da6338d8933", "built": "2026-11-27T10:39:38Z"}
KERNEL = {"component": "kernel", "debian_package": "linux-source-6.1", "debian_version": "6.1.192-2",
          "pinned_version": "6.1.192-2", "tarball_sha256": "4d" * 32, "kernel_release": "6.1.192",
          "patch_series_sha256_16": "3c16573ce3f9061f", "patches": ["0001-b.patch"],
          "config_fragment_sha256": "27" * 32, "config_options_sha256": "d6" * 32,
          "compiler": "gcc 12.2.0 (Debian gcc-12 12.2.0-14+deb12u1)", "recipe": "2",
          "cache_key": "a902fedd34d0a797",
          "built": "2026-11-27T11:15:54Z"}
OTHER = {"debian_version": "6.1.192-3", "dsc_sha256": "00" * 32, "tarball_sha256": "11" * 32,
         "patch_series_sha256_16": "169ff6e7bbc5cf72", "configure_flags": "--enable-debug",
         "config_fragment_sha256": "22" * 32, "config_options_sha256": "33" * 32,
         "compiler": "gcc 13.2.0 (Debian gcc-13 13.2.0-1)", "recipe": "3",
         "cache_key": "c052eae40740e25d"}


def fake_current(qemu=None, kernel=None):
    """A current() as with both components built from QEMU and KERNEL (or the given)."""
    return {"artifact": {"git_commit": "f" * 40, "git_dirty": False, "git_source": "git"},
            "qemu": {**(qemu or QEMU), "status": "built", "dir": "/cache/qemu/x"},
            "kernel": {**(kernel or KERNEL), "status": "built", "dir": "/cache/kernel/y"},
            "pins": {}, "debian_packages": {}, "python": {}, "gcc": "gcc 12"}


def tcg_meta(qemu=None, kernel=None, run_id="r1"):
    return {"run_id": run_id, "status": "complete",
            "platforms": {"tcg": {"qemu": copy.deepcopy(qemu or QEMU),
                                  "kernel": copy.deepcopy(kernel or KERNEL), "machine": "q35"},
                          "native": {"bench": "csrc/build/native/uintr-bench"}}}


# ---------------------------------------------------------------- check_run
def test_a_run_made_with_the_current_builds_matches():
    found = P.check_run(tcg_meta(), fake_current())
    assert found == [] and P.matches(found)


@pytest.mark.parametrize("kind,field", [(k, f) for k, fs in P.COMPARED.items() for f in fs])
def test_each_compared_field_that_differs_is_a_mismatch(kind, field):
    cur = fake_current()
    cur[kind][field] = OTHER[field]
    found = P.check_run(tcg_meta(), cur)
    assert found == [P.Finding(kind, field, {"qemu": QEMU, "kernel": KERNEL}[kind][field],
                               OTHER[field], P.MISMATCH)]
    assert not P.matches(found)


def test_fields_that_decide_nothing_are_not_compared():
    cur = fake_current()
    cur["kernel"]["built"] = "2030-01-01T00:00:00Z"     # rebuilt later from the same inputs
    cur["qemu"]["dir"] = "/elsewhere"
    assert P.check_run(tcg_meta(), cur) == []


def test_a_field_the_run_did_not_record_is_not_a_mismatch():
    meta = tcg_meta()
    del meta["platforms"]["tcg"]["kernel"]["tarball_sha256"]
    del meta["platforms"]["tcg"]["qemu"]        # an older run without QEMU provenance
    found = P.check_run(meta, fake_current())
    assert {(f.component, f.field) for f in found} == (
        {("qemu", f) for f in P.COMPARED["qemu"]} | {("kernel", "tarball_sha256")})
    assert all(f.status == P.NOT_RECORDED and f.recorded is None for f in found)
    assert P.matches(found)
    text = P.check_text("old-run", found, fake_current())
    assert text.startswith("old-run: no recorded field differs from the current builds\n")
    assert "kernel tarball_sha256: not recorded by this run" in text


def test_not_recorded_and_mismatch_together():
    meta = tcg_meta()
    del meta["platforms"]["tcg"]["qemu"]["dsc_sha256"]
    cur = fake_current()
    cur["kernel"]["patch_series_sha256_16"] = OTHER["patch_series_sha256_16"]
    found = P.check_run(meta, cur)
    assert [(f.field, f.status) for f in found] == [("dsc_sha256", P.NOT_RECORDED),
                                                   ("patch_series_sha256_16", P.MISMATCH)]
    assert not P.matches(found)


def test_a_native_only_run_has_no_build_provenance():
    meta = {"run_id": "n", "platforms": {"native": {"bench": "csrc/build/native/uintr-bench"}}}
    found = P.check_run(meta, fake_current())
    assert [f.status for f in found] == [P.NO_BUILDS] and P.matches(found)
    assert "native platform only" in P.check_text("n", found, fake_current())


def test_a_current_value_unknown_without_the_build_is_not_a_mismatch():
    cur = fake_current()
    cur["kernel"] = {**KERNEL, "status": "not built", "tarball_sha256": None}
    found = P.check_run(tcg_meta(), cur)
    assert found == [P.Finding("kernel", "tarball_sha256", KERNEL["tarball_sha256"], None,
                               P.CURRENT_UNKNOWN)]
    assert P.matches(found)
    assert "Kernel is not built here" in P.check_text("r1", found, cur)


def test_check_run_reads_a_run_directory(tmp_path):
    cur = fake_current()
    cur["kernel"]["patch_series_sha256_16"] = OTHER["patch_series_sha256_16"]
    data.write_metadata(tcg_meta(), tmp_path / "metadata.json")
    assert [f.field for f in P.check_run(tmp_path, cur)] == ["patch_series_sha256_16"]


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "missing", "no such directory"),
    (lambda d: d, "no metadata.json"),
    (lambda d: (d / "metadata.json").write_text("{not json") and d, "unreadable metadata"),
    (lambda d: (d / "metadata.json").write_text("[1, 2]") and d, "a JSON object is expected"),
])
def test_what_is_not_a_run_directory_is_named(tmp_path, make, message):
    bad = make(tmp_path)
    with pytest.raises(data.DataError, match=message) as e:
        P.check_run(bad, fake_current())
    assert str(bad) in str(e.value)


@pytest.mark.skipif(not COMMITTED_FULL.is_dir(), reason="the committed runs are not in this "
                    "tree (the Docker image leaves data/runs out)")
def test_the_committed_full_run_is_flagged_against_the_current_kernel_series():
    """The committed full run predates the lock-order fix in kernel patch 0009: the kernel
    patch series it records is not the one kernel/patches holds now (built or not)."""
    found = P.check_run(COMMITTED_FULL)
    series = [f for f in found if (f.component, f.field) == ("kernel", "patch_series_sha256_16")]
    assert len(series) == 1 and series[0].status == P.MISMATCH
    assert series[0].recorded == "3c16573ce3f9061f" and len(series[0].current) == 16


# ---------------------------------------------------------------- current()
@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("UINTRLAB_CACHE", str(cache))
    return cache


def test_without_builds_current_says_not_built_and_what_the_inputs_map_to(empty_cache):
    for kind, product in (("qemu", "bin/qemu-system-x86_64"), ("kernel", "bzImage")):
        b = P.build_state(kind)
        if b["status"] == "unavailable":      # e.g. linux-source-6.1 not installed
            assert b["problem"]
            continue
        assert b["status"] == "not built" and b["make_target"] == f"make {kind}"
        d = empty_cache / kind / b["cache_key"]
        assert b["dir"] == str(d) and b["path"] == str(d / product)
        assert len(b["patch_series_sha256_16"]) == 16
        assert b["patches"] == sorted(p.name for p in P.PATCHES[kind].glob("*.patch"))
    q = P.build_state("qemu")
    assert q["configure_flags"].startswith("--target-list=x86_64-softmmu")
    assert q["pinned_version"] == P.pins()["QEMU_DEB_VERSION"]


def test_a_cached_build_is_reported_from_its_provenance_json(empty_cache):
    key = builds._script("kernel", "--key")
    d = empty_cache / "kernel" / key
    d.mkdir(parents=True)
    (d / "provenance.json").write_text(json.dumps({**KERNEL, "cache_key": key}))
    assert P.build_state("kernel")["status"] == "not built"      # no .complete: not a build
    (d / ".complete").touch()
    b = P.build_state("kernel")
    assert b["status"] == "built" and b["dir"] == str(d)
    assert b["patch_series_sha256_16"] == KERNEL["patch_series_sha256_16"]


def test_current_has_every_part(empty_cache):
    cur = P.current()
    assert set(cur) == {"artifact", "qemu", "kernel", "pins", "debian_packages", "python", "gcc"}
    assert cur["python"]["lock"] == "env/requirements.txt" and len(cur["python"]["lock_sha256"]) == 64
    assert cur["python"]["version"] == "%d.%d.%d" % sys.version_info[:3]
    assert "linux-source-6.1" in cur["debian_packages"]
    assert set(cur["pins"]) == {"QEMU_DEB_VERSION", "LINUX_SOURCE_DEB_VERSION"}
    text = P.summary_text(cur)
    for part in ("Artifact: commit", "QEMU:", "Kernel:", "Python:", "gcc:", "Debian packages"):
        assert part in text


# ---------------------------------------------------------------- git
@pytest.fixture
def no_git(monkeypatch, tmp_path):
    """git unusable for the artifact's tree (as in an image without .git)."""
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "no-such-repo"))
    monkeypatch.delenv(P.GIT_COMMIT_ENV, raising=False)
    monkeypatch.delenv(P.GIT_DIRTY_ENV, raising=False)


def test_without_git_the_commit_comes_from_the_environment(no_git, monkeypatch):
    assert P.git_state() == {"git_commit": "unknown", "git_dirty": None, "git_source": "unknown"}
    monkeypatch.setenv(P.GIT_COMMIT_ENV, "4aa404c6ebeb29b6305eada2dbf2998df8f79874")
    assert P.git_state() == {"git_commit": "4aa404c6ebeb29b6305eada2dbf2998df8f79874",
                             "git_dirty": None, "git_source": P.GIT_COMMIT_ENV}
    from uintrlab import report
    assert report._git_state() == "4aa404c6ebeb (from UINTRLAB_GIT_COMMIT; uncommitted changes unknown)"
    for value, dirty in (("1", True), ("0", False), ("unknown", None)):
        monkeypatch.setenv(P.GIT_DIRTY_ENV, value)
        assert P.git_state()["git_dirty"] is dirty


@pytest.fixture
def git_repo(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("no git")
    repo = tmp_path / "repo"
    repo.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    for args in (["init", "-q"], ["add", "f"], ["commit", "-qm", "x"]):
        if args[0] == "add":
            (repo / "f").write_text("1\n")
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env)
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setenv(P.GIT_COMMIT_ENV, "from-the-environment")
    return repo


def test_git_wins_over_the_environment_and_sees_changes(git_repo, monkeypatch):
    monkeypatch.setattr(builds, "ROOT", git_repo.resolve())
    head = subprocess.run(["git", "-C", str(git_repo), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert P.git_state() == {"git_commit": head, "git_dirty": False, "git_source": "git"}
    (git_repo / "f").write_text("2\n")
    assert P.git_state()["git_dirty"] is True
    assert P.git_state("elsewhere")["git_dirty"] is False


def test_a_repository_around_the_tree_is_not_the_trees_own(git_repo, monkeypatch):
    inner = git_repo / "copied-clone"
    inner.mkdir()
    monkeypatch.setattr(builds, "ROOT", inner.resolve())
    assert P.git_state()["git_source"] == P.GIT_COMMIT_ENV


# ---------------------------------------------------------------- CLI
def run_main(capsys, *args):
    rc = cli_main.main(["provenance", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def write_meta(d, meta):
    d.mkdir(parents=True, exist_ok=True)
    data.write_metadata(meta, d / "metadata.json")
    return str(d)


def test_cli_check_exit_status(tmp_path, monkeypatch, capsys):
    cur = fake_current()
    cur["kernel"]["patch_series_sha256_16"] = OTHER["patch_series_sha256_16"]
    monkeypatch.setattr(P, "current", lambda: cur)
    same = write_meta(tmp_path / "same", tcg_meta(kernel={**KERNEL, **{
        "patch_series_sha256_16": OTHER["patch_series_sha256_16"]}}))
    old = write_meta(tmp_path / "old", tcg_meta())
    native = write_meta(tmp_path / "native", {"platforms": {"native": {}}})
    rc, out, _ = run_main(capsys, "--check", same, native)
    assert rc == 0
    assert f"{same}: matches the current builds" in out and "native platform only" in out
    rc, out, _ = run_main(capsys, "--check", same, old)
    assert rc == 3
    assert (f"{old}: DOES NOT MATCH the current builds\n  kernel patch_series_sha256_16: "
            f"recorded 3c16573ce3f9061f, current 169ff6e7bbc5cf72") in out
    rc, out, _ = run_main(capsys, "--check", old, "--json")
    assert rc == 3
    res = json.loads(out)["runs"][old]
    assert res["matches"] is False and res["findings"][0]["status"] == "mismatch"


def test_cli_check_names_what_is_not_a_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(P, "current", lambda: pytest.fail("no work before the input is checked"))
    good = write_meta(tmp_path / "good", tcg_meta())
    rc, out, err = run_main(capsys, "--check", good, str(tmp_path / "nope"))
    assert rc == 1 and out == ""
    assert err == f"error: {tmp_path / 'nope'}: not a run directory (no such directory)\n"


def test_cli_summary_and_json_for_real(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(builds.ROOT), UINTRLAB_CACHE=str(tmp_path / "cache"))
    run = lambda *a: subprocess.run([sys.executable, "-m", "uintrlab", "provenance", *a],  # noqa: E731
                                    capture_output=True, text=True, env=env)
    p = run()
    assert p.returncode == 0, p.stderr
    assert "QEMU: NOT BUILT for the current inputs (run 'make qemu')" in p.stdout
    p = run("--json")
    assert p.returncode == 0, p.stderr
    cur = json.loads(p.stdout)
    assert cur["qemu"]["status"] == "not built" and cur["qemu"]["cache_key"]
    # a run that recorded the kernel series of before the 0009 lock fix
    d = write_synthetic_run(tmp_path / "old-kernel", spec={"tcg": {"blocking": {"eventfd": 1e5}}},
                            n=20)
    meta = json.loads((d / "metadata.json").read_text())
    meta["platforms"] = {"tcg": {"qemu": dict(QEMU), "kernel": dict(KERNEL,
                                 patch_series_sha256_16="3c16573ce3f9061f")}}
    (d / "metadata.json").write_text(json.dumps(meta))
    p = run("--check", str(d))
    assert p.returncode == 3 and "kernel patch_series_sha256_16: recorded 3c16573ce3f9061f" in p.stdout


# ---------------------------------------------------------------- report
def test_report_warns_at_the_top_about_a_run_made_with_other_builds(tmp_path, monkeypatch):
    from uintrlab import report

    cur = fake_current()
    cur["kernel"]["patch_series_sha256_16"] = OTHER["patch_series_sha256_16"]
    monkeypatch.setattr(P, "current", lambda: cur)
    d = write_synthetic_run(tmp_path / "oldrun", boots=2, n=60,
                            spec={"tcg": {"blocking": {"eventfd": 150e3, "uintr_event": 80e3}}})
    meta = json.loads((d / "metadata.json").read_text())
    meta.update(tcg_meta(run_id="oldrun"))
    data.write_metadata(meta, d / "metadata.json")
    page = report.write_report([str(d)], tmp_path / "r.html", n_boot=1000).read_text()
    top = page.split("<h2>Summary")[0]
    assert "Warning" in top and "oldrun" in top
    assert "kernel patch_series_sha256_16: recorded 3c16573ce3f9061f, current 169ff6e7bbc5cf72" in top


def test_report_section_for_matching_native_and_unrecorded_runs(monkeypatch):
    from uintrlab import report

    monkeypatch.setattr(P, "current", fake_current)
    metas = [tcg_meta(run_id="same"), {"run_id": "nat", "platforms": {"native": {}}},
             {"run_id": "old"}]
    sec = report._provenance_section(metas, ["a/same", "a/nat", "a/old"])
    assert "Warning" not in sec
    assert "<td>same</td>" in sec and "match" in sec
    assert "native platform only" in sec and "not recorded" in sec


@pytest.mark.guest        # needs the QEMU and kernel builds (no boot)
@pytest.mark.parametrize("kind", ["qemu", "kernel"])
def test_what_is_computed_without_a_build_is_what_the_build_recorded(kind):
    """The inputs current() reports for a missing build are those the build script records."""
    built = P.build_state(kind)
    assert built["status"] == "built", f"{kind} not built; run 'make {kind}'"
    inputs = builds.inputs(kind)
    assert {f: inputs[f] for f in inputs} == {f: built.get(f) for f in inputs}
    assert builds._script(kind, "--key") == built["cache_key"] == inputs["cache_key"]


@pytest.mark.parametrize("kind", ["qemu", "kernel"])
def test_the_cache_key_follows_the_compared_inputs_not_the_script_text(kind, tmp_path):
    """A comment in a build script changes neither its key nor what provenance compares;
    a changed compared input (the recipe) changes both."""
    script = builds._SCRIPTS[kind][0]
    tree = tmp_path / "tree"
    shutil.copytree(builds.ROOT / "env", tree / "env")
    shutil.copytree(builds.ROOT / "kernel", tree / "kernel")
    copy_ = tree / script.relative_to(builds.ROOT)

    def inputs():
        out = subprocess.run(["bash", str(copy_), "--inputs"], capture_output=True, text=True)
        if out.returncode:
            pytest.skip(f"{script.name} --inputs fails here: {out.stderr.strip()}")
        return json.loads(out.stdout)

    before = inputs()
    assert set(P.COMPARED[kind]) <= set(before)
    copy_.write_text(copy_.read_text().replace("set -euo pipefail", "set -euo pipefail\n# a comment"))
    assert inputs() == before
    copy_.write_text(copy_.read_text().replace("RECIPE=", "RECIPE=9"))
    after = inputs()
    assert after["recipe"] != before["recipe"] and after["cache_key"] != before["cache_key"]
