"""docker/run.sh, the Dockerfile and the make targets, checked without Docker: a fake
``docker`` on PATH records what the script asks of it."""
import os
import re
import stat
import subprocess

import pytest

from uintrlab import builds

ROOT = builds.ROOT
RUN_SH = ROOT / "docker" / "run.sh"
DOCKERFILE = ROOT / "Dockerfile"

FAKE_DOCKER = """#!/bin/bash
# records each call; 'run' exits with FAKE_RUN_RC; FAKE_FAIL lists subcommands that fail
echo "BUILDKIT=${DOCKER_BUILDKIT-unset} $*" >>"$FAKE_LOG"
if [ "$1" = build ]; then ls "${@: -1}/docker/ca" >>"$FAKE_LOG"; fi
for f in $FAKE_FAIL; do [ "$1" = "$f" ] && exit 1; done
[ "$1" = image ] && [ "$2" = inspect ] && [[ " $FAKE_FAIL " == *" inspect "* ]] && exit 1
[ "$1" = run ] && exit "${FAKE_RUN_RC:-0}"
exit 0
"""


@pytest.fixture
def fake(tmp_path):
    """Run docker/run.sh with a fake docker (and failing dockerd and debootstrap) first on
    PATH; returns (run, log path)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    docker = bindir / "docker"
    docker.write_text(FAKE_DOCKER)
    # dockerd and debootstrap that fail at once, should the script reach them
    for tool in ("dockerd", "debootstrap"):
        (bindir / tool).write_text("#!/bin/sh\necho fake failure >&2\nexit 1\n")
    for f in bindir.iterdir():
        f.chmod(f.stat().st_mode | stat.S_IXUSR)
    ca = tmp_path / "ca"
    (ca / "sub").mkdir(parents=True)
    (ca / "sub" / "test-ca.crt").write_text("not a real certificate\n")
    # a linked certificate (find -L) with the same base name in another folder (no clash)
    (ca / "other").mkdir()
    (ca / "other" / "test-ca.crt").symlink_to(ca / "sub" / "test-ca.crt")
    log = tmp_path / "docker.log"
    log.touch()

    def run(*args, **env):
        e = {k: v for k, v in os.environ.items() if not k.startswith(("SUDO_", "UINTRLAB_", "PROFILE"))}
        e.update(PATH=f"{bindir}:/usr/bin:/bin", FAKE_LOG=str(log), UINTRLAB_CA_DIR=str(ca), **env)
        return subprocess.run(["bash", str(RUN_SH), *args], capture_output=True, text=True,
                              env=e, timeout=60)
    return run, log


def test_scripts_parse():
    assert subprocess.run(["bash", "-n", str(RUN_SH)]).returncode == 0


def test_dockerfile_classic_builder_only():
    text = DOCKERFILE.read_text()
    assert not re.search(r"^#\s*syntax\s*=", text, re.M | re.I), "BuildKit '# syntax=' line"
    assert "--mount" not in text and "--privileged" not in text
    assert re.match(r"FROM debian:bookworm\b", [ln for ln in text.splitlines() if ln.startswith("FROM")][0])


def test_dockerfile_copies_files_that_exist():
    """Every COPY source is in the repository (a renamed script breaks the image build)."""
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and not line.startswith("COPY . "):
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies {src}, which does not exist"


def test_stages_match_the_script():
    stages = re.findall(r"^FROM \S+ AS (\S+)", DOCKERFILE.read_text(), re.M)
    allowed = re.search(r'"" \| ([a-z |]+)\) ;;', RUN_SH.read_text()).group(1).split(" | ")
    assert stages == allowed == ["debian", "python", "qemu", "kernel", "guest", "artifact"]


def test_dockerignore_keeps_what_the_image_needs():
    ignored = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    for big in (".git", ".venv", "csrc/build", "data/runs"):
        assert big in ignored
    for needed in ("data", "data/study", "docker", "docker/ca", "env", "tests"):
        assert needed not in ignored


def test_make_targets():
    help_ = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    for t, cmd in [("docker-image", "bash docker/run.sh image"), ("docker-test", "bash docker/run.sh test"),
                   ("docker-artifact PROFILE=full", "PROFILE=full bash docker/run.sh artifact")]:
        r = subprocess.run(["make", "-n", *t.split()], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0 and cmd in r.stdout, r.stdout + r.stderr
        assert f"make {t.split()[0]}" in help_


@pytest.mark.parametrize("args,env,rc,msg", [
    ((), {}, 2, "expected one subcommand"),
    (("shell",), {}, 2, "unknown subcommand 'shell'"),
    (("test", "extra"), {}, 2, "got 2 arguments"),
    (("artifact",), {"PROFILE": "medium"}, 1, "PROFILE must be 'quick' or 'full', not 'medium'"),
    (("image",), {"UINTRLAB_DOCKER_TARGET": "nope"}, 1, "UINTRLAB_DOCKER_TARGET must be one of"),
    (("test",), {"UINTRLAB_DOCKER_TARGET": "python"}, 1, "needs the whole one"),
])
def test_bad_input_is_named_before_docker_runs(fake, args, env, rc, msg):
    run, log = fake
    r = run(*args, **env)
    assert r.returncode == rc and msg in r.stderr, r.stderr
    assert log.read_text() == "", "docker was called"


def test_test_builds_classic_and_propagates_the_exit_status(fake):
    run, log = fake
    r = run("test", FAKE_RUN_RC="3")
    assert r.returncode == 3, r.stdout + r.stderr
    lines = log.read_text().splitlines()
    calls = [c.split(" ", 1)[1] for c in lines if c.startswith("BUILDKIT=")]
    build = next(c for c in lines if c.startswith("BUILDKIT=") and c.split()[1] == "build")
    assert build.startswith("BUILDKIT=0 ") and "--build-arg UINTRLAB_GIT_COMMIT=" in build
    assert "host-sub_test-ca.crt" in lines, "the host CA certificate is not in the build context"
    assert "host-other_test-ca.crt" in lines, "a linked certificate was skipped or clashed"
    assert not list((ROOT / "docker" / "ca").glob("host-*.crt")), "copied certificates left behind"
    runs = [c for c in calls if c.split()[0] == "run"]
    assert len(runs) == 1 and runs[0].endswith(" make test") and "--privileged" not in runs[0]
    assert re.search(r"image build: done in \d+ s", r.stdout)
    assert "FAILED (exit status 3)" in r.stdout


def test_artifact_runs_as_the_user_with_the_host_folders(fake):
    run, log = fake
    r = run("artifact", PROFILE="full")
    assert r.returncode == 0, r.stdout + r.stderr
    runc = [c for c in log.read_text().splitlines() if c.startswith("BUILDKIT=") and c.split()[1] == "run"][0]
    assert f"--user {os.getuid()}:{os.getgid()}" in runc and "PROFILE=full" in runc
    for d in ("data", "figures", "reports"):
        assert f"-v {ROOT / d}:/opt/uintr-event/{d}" in runc


def test_missing_daemon_and_base_image_are_handled(fake):
    """No daemon answers: dockerd is started (as root) and its failure named; no
    debian:bookworm and a failed pull: debootstrap is tried and its failure named."""
    run, log = fake
    root = os.getuid() == 0
    r = run("image", FAKE_FAIL="info")
    assert r.returncode == 1
    assert ("dockerd exited during start-up" if root else "run this as root") in r.stderr, r.stderr
    r = run("image", FAKE_FAIL="inspect pull")
    assert r.returncode == 1
    assert re.search(r"^BUILDKIT=\S+ pull .*debian:bookworm$", log.read_text(), re.M) and "pull failed" in r.stdout
    assert ("debootstrap failed" if root else "debootstrap needs root") in r.stderr, r.stderr
    assert " build " not in log.read_text()
