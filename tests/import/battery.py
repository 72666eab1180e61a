#!/usr/bin/env python3
"""The proof of sysgate import: for each profile, the errno every call of the
battery (tests/targets/battery.c) gets under runc (and crun, where the
import follows it: Podman's profiles, and wherever runc's ENOSYS stub plays
no part) with the profile equals
the errno it gets under `sysgate run` with the policy `sysgate import` made
of it. The one exception is a gap import reports (i386 socketcall, whose
arguments libseccomp cannot filter): there the call may differ, but only
by sysgate refusing it.

usage: battery.py --sysgate BIN --battery BIN --oci-dir DIR PROFILE...
A PROFILE that is absent is skipped; exit 77 (skipped) when runc, busybox
or root are missing or no profile is present, 1 on any difference.

runc gets what Docker or Podman would hand it: `sysgate import --oci`
writes the linux.seccomp object with archMap and includes/excludes
resolved for the same caps. The container gets Docker's 14 default
capabilities and only a mount namespace, and the battery cuts its own
capabilities to the same 14 first, so that a call both filters let through
meets the same permission checks in the kernel on both sides.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

DOCKER_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]
SKIP = 77


def parse(out):
    res = {}
    order = []
    for line in out.splitlines():
        name, _, rest = line.partition(" ")
        res[name] = rest
        order.append(name)
    return order, res


def config(rootfs, seccomp):
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["/bin/battery", "/tmp"],
            "env": ["PATH=/bin"],
            "cwd": "/",
            "capabilities": {k: DOCKER_CAPS for k in
                             ("bounding", "effective", "permitted")},
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": False},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "mode=755", "size=1m"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777", "size=1m"]},
        ],
        "linux": {"namespaces": [{"type": "mount"}], "seccomp": seccomp},
    }


def main():
    args = sys.argv[1:]
    opts = {}
    while args and args[0].startswith("--"):
        opts[args[0][2:]] = args[1]
        args = args[2:]
    profiles = [p for p in args if os.path.exists(p)]
    for p in args:
        if not os.path.exists(p):
            print(f"battery: {p} is absent, skipped")
    if os.geteuid() != 0 or not shutil.which("runc"):  # crun is optional
        print("battery: needs root and runc; skipped")
        return SKIP
    if not profiles:
        print("battery: no profile present; skipped")
        return SKIP
    work = tempfile.mkdtemp(prefix="sg-import-battery-")
    failed = 0
    try:
        rootfs = os.path.join(work, "rootfs")
        r = subprocess.run([os.path.join(opts["oci-dir"], "setup-rootfs.sh"), rootfs])
        if r.returncode != 0:
            print("battery: no static busybox for the rootfs; skipped")
            return SKIP
        shutil.copy(opts["battery"], os.path.join(rootfs, "bin", "battery"))
        for n, prof in enumerate(profiles):
            ini = os.path.join(work, f"p{n}.ini")
            oci = os.path.join(work, f"p{n}.json")
            r = subprocess.run([opts["sysgate"], "import", prof, "-o", ini, "--oci", oci],
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"battery: {prof}: import failed ({r.returncode}):\n{r.stderr}")
                failed += 1
                continue
            err = r.stderr
            # the gaps import reports: calls that may differ, and how
            reported = {}
            if "socketcall without its argument conditions" in r.stderr:
                reported["i386:socketcall("] = "import warned: i386 socketcall"
            r = subprocess.run([opts["sysgate"], "check", ini], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"battery: {prof}: sysgate check refuses the import:\n{r.stdout}")
                failed += 1
                continue
            bundle = os.path.join(work, f"bundle{n}")
            os.mkdir(bundle)
            with open(oci) as f:
                seccomp = json.load(f)
            with open(os.path.join(bundle, "config.json"), "w") as f:
                json.dump(config(rootfs, seccomp), f)
            tmp = os.path.join(work, f"dir{n}")
            os.mkdir(tmp)
            r = subprocess.run(["timeout", "-k", "5", "60", opts["sysgate"], "run", "-p", ini,
                                "--", opts["battery"], tmp], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True)
            if r.returncode != 0:
                print(f"battery: {prof}: sysgate run failed ({r.returncode}):\n{r.stderr}")
                failed += 1
                continue
            _, sg = parse(r.stdout)
            # The import follows runc for Docker and OCI profiles (runc's ENOSYS
            # stub included) and crun for Podman's: compare with those it
            # says it follows, and with the other where they agree.
            runtimes = []
            if "Podman runs crun, which gives them the default" not in err:
                runtimes.append("runc")
            if shutil.which("crun") and "(crun would give them the default)" not in err:
                runtimes.append("crun")
            for rt in runtimes:
                cid = f"sg-import-{os.getpid()}-{n}-{rt}"
                state = os.path.join(work, f"{rt}-state")
                if rt == "runc":
                    cmd = ["runc", "--root", state, "run", "--bundle", bundle, cid]
                else:
                    # crun 1.8 refuses this host's hybrid cgroups: hide the
                    # cgroup2 mount in a private mount namespace (PROFILES.md 0)
                    cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                           'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"', "sh",
                           "crun", "--cgroup-manager=disabled", "--root", state, "run",
                           "--bundle", bundle, cid]
                r = subprocess.run(["timeout", "-k", "5", "60"] + cmd,
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True)
                subprocess.run([rt, "--root", state, "delete", "-f", cid], capture_output=True)
                if r.returncode != 0:
                    print(f"battery: {prof}: {rt} failed ({r.returncode}):\n{r.stderr}")
                    failed += 1
                    continue
                order, theirs = parse(r.stdout)
                if len(order) < 30:
                    print(f"battery: {prof}: only {len(order)} calls ran under {rt}")
                    failed += 1
                diff = 0
                print(f"== {prof} under {rt}")
                print(f"{'call':40} {rt:>10} {'sysgate':>10}")
                for name in order:
                    mark = "" if theirs[name] == sg.get(name) else "   <-- differs"
                    gap = [why for pre, why in reported.items() if name.startswith(pre)]
                    if mark and gap and sg.get(name) not in ("0", None):
                        # a gap import reported, where sysgate refuses the call:
                        # stricter than the runtime, never wider
                        mark = f"   (differs; {gap[0]}; sysgate refuses)"
                    else:
                        diff += bool(mark)
                    print(f"{name:40} {theirs[name]:>10} {sg.get(name, '-'):>10}{mark}")
                for name in sg:
                    if name not in theirs:
                        print(f"{name:40} {'-':>10} {sg[name]:>10}   <-- only under sysgate")
                        diff += 1
                if diff:
                    print(f"battery: {prof}: {diff} calls differ under {rt}")
                    failed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
