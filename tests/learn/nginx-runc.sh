#!/bin/bash
# Live test (issue 11): Debian's nginx learned by `sysgate learn --json`,
# then run under runc with the learned profile and nothing else: the page is
# served, and calls nginx never made get the profile's errno inside the
# container.
#
#   1. learn nginx (master and one worker, a config in a temp dir, a free
#      port) with --json --runtime runc --widen: a policy and a profile;
#      the profile is what `sysgate export --runtime runc --widen` writes.
#   2. runc runs nginx with that profile (a bind-mount rootfs of the host's
#      /usr, /etc, ..., read-only; the host's network namespace, so that the
#      host's busybox wget fetches from 127.0.0.1:PORT): the page is served.
#   3. `runc exec` in that container of a static helper (never-made.c):
#      mount, reboot, ptrace and keyctl, which nginx never made, get EPERM,
#      the learned default; in the same container without the profile (the
#      control) they get the kernel's own answers (ENODEV, EINVAL, ESRCH,
#      EOPNOTSUPP), so the EPERM is the profile's.
#
# env: SYSGATE (the binary), NEVER_MADE (the static helper). Needs root,
# runc, nginx, busybox and python3 (else exit 77: skipped). Prints "ok"/"FAIL"
# lines; exit 1 on any failure.
set -u
SG=${SYSGATE:?set SYSGATE to the sysgate binary}
HELPER=${NEVER_MADE:?set NEVER_MADE to the never-made helper}
NGINX=/usr/sbin/nginx
BB=$(command -v busybox || true)
[ "$(id -u)" = 0 ] || { echo "nginx-runc: needs root: skipped"; exit 77; }
for t in runc python3; do
	command -v $t >/dev/null || { echo "nginx-runc: no $t: skipped"; exit 77; }
done
[ -x "$NGINX" ] || { echo "nginx-runc: no $NGINX: skipped"; exit 77; }
[ -n "$BB" ] || { echo "nginx-runc: no busybox: skipped"; exit 77; }

T=$(mktemp -d /tmp/sg-nginx-runc.XXXXXX)
chmod 755 "$T" # nginx's worker runs as nobody and reads the pages
STATE=$T/runc-state
CID=sg-nginx-$$
PIDS=()
PASS=0 FAIL=0
cleanup() {
	runc --root "$STATE" kill "$CID" KILL 2>/dev/null
	runc --root "$STATE" delete -f "$CID" 2>/dev/null
	runc --root "$STATE" delete -f "$CID-ctl" 2>/dev/null
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $*"
	for f in "$T"/*.err "$T"/*.out "$T"/ng/error.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
	done
}
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
fetch() { # URL FILE, retrying while the server starts (at most 15 s)
	local i
	for i in $(seq 75); do
		timeout 10 "$BB" wget -q -O "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

mkdir -p "$T/ng/www" "$T/ng/tmp"
echo "nginx page $$" >"$T/ng/www/index.html"
cp "$HELPER" "$T/ng/never-made"
ng_conf() {
	cat >"$T/ng/nginx.conf" <<NG
daemon off;
master_process on;
worker_processes 1;
pid $T/ng/nginx.pid;
error_log $T/ng/error.log;
events { worker_connections 16; }
http {
  access_log $T/ng/access.log;
  client_body_temp_path $T/ng/tmp/body;
  proxy_temp_path $T/ng/tmp/proxy;
  fastcgi_temp_path $T/ng/tmp/fastcgi;
  uwsgi_temp_path $T/ng/tmp/uwsgi;
  scgi_temp_path $T/ng/tmp/scgi;
  server { listen 127.0.0.1:$1; root $T/ng/www; }
}
NG
}

# ---- 1: learn, with the profile ----
learn_nginx() {
	local port pid
	port=$(free_port)
	ng_conf "$port"
	"$SG" learn -o "$T/nginx.ini" --json "$T/nginx.json" --runtime runc --widen -- \
		"$NGINX" -c "$T/ng/nginx.conf" -p "$T/ng" 2>"$T/learn.err" &
	pid=$!
	PIDS+=("$pid")
	fetch "http://127.0.0.1:$port/index.html" "$T/got-learn.html" || return 1
	kill -TERM "$pid"
	wait "$pid"
	cmp -s "$T/got-learn.html" "$T/ng/www/index.html" && [ -s "$T/nginx.ini" ] &&
		[ -s "$T/nginx.json" ]
}
check "learn --json: nginx serves the page while learned, a policy and a profile are written" \
	learn_nginx
check "... the profile is what sysgate export --runtime runc --widen writes for the policy" \
	bash -c "'$SG' export '$T/nginx.ini' --runtime runc --widen -o '$T/exported.json' 2>/dev/null &&
		cmp -s '$T/nginx.json' '$T/exported.json'"
check "... its default is EPERM, and runc's own post-filter calls are allowed" \
	grep -q 'allowed for the runtime, which calls them after it loaded the filter' "$T/learn.err"

# ---- 2: nginx under runc with the learned profile ----
# bundle DIR SECCOMP(file or "") ARGS...: config.json for a bind-mount rootfs
bundle() {
	local dir=$1 sec=$2
	shift 2
	mkdir -p "$dir" "$T/rootfs"
	python3 - "$dir/config.json" "$T/rootfs" "$T/ng" "$sec" "$@" <<'PY'
import json, os, sys
out, rootfs, ng, sec, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
        # so that the helper's mount and reboot reach the kernel's own checks
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT"]
ro = ["rbind", "ro", "nosuid"]
mounts = [{"destination": "/proc", "type": "proc", "source": "proc"},
          {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
           "options": ["nosuid", "strictatime", "mode=755", "size=1m"]}]
for d in ("/usr", "/etc", "/var"):
    mounts.append({"destination": d, "type": "bind", "source": d, "options": ro})
for d in ("/bin", "/sbin", "/lib", "/lib64"):
    if os.path.islink(d):  # merged /usr: the same link in the rootfs
        p = os.path.join(rootfs, d[1:])
        if not os.path.lexists(p):
            os.symlink(os.readlink(d), p)
    elif os.path.isdir(d):
        mounts.append({"destination": d, "type": "bind", "source": d, "options": ro})
for d in ("/var/log/nginx", "/var/lib/nginx", "/run", "/tmp"):
    mounts.append({"destination": d, "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "nodev", "mode=1777", "size=1m"]})
mounts.append({"destination": ng, "type": "bind", "source": ng, "options": ["rbind", "rw"]})
cfg = {
    "ociVersion": "1.0.2",
    "process": {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": args,
                "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "cwd": "/",
                "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
                "noNewPrivileges": True},
    "root": {"path": rootfs, "readonly": False},
    "hostname": "sg-nginx",
    "mounts": mounts,
    # no network namespace: the host's, so that wget reaches 127.0.0.1:PORT
    "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                             {"type": "mount"}]},
}
if sec:
    with open(sec) as f:
        cfg["linux"]["seccomp"] = json.load(f)
with open(out, "w") as f:
    json.dump(cfg, f, indent=1)
PY
}

PORT=$(free_port)
ng_conf "$PORT"
under_runc() {
	bundle "$T/bundle" "$T/nginx.json" "$NGINX" -c "$T/ng/nginx.conf" -p "$T/ng" || return 1
	grep -q '"seccomp"' "$T/bundle/config.json" || return 1
	timeout -k 5 80 runc --root "$STATE" run --bundle "$T/bundle" "$CID" \
		</dev/null >"$T/runc.out" 2>"$T/runc.err" &
	PIDS+=("$!")
	fetch "http://127.0.0.1:$PORT/index.html" "$T/got-runc.html" &&
		cmp -s "$T/got-runc.html" "$T/ng/www/index.html"
}
check "runc runs nginx with the learned profile: the page is served" under_runc
check "... by nginx inside the container (runc lists it running)" \
	bash -c "runc --root '$STATE' list 2>/dev/null | grep -q '^$CID .*running'"
check "... and nginx logged no refused call (no EPERM, no ENOSYS in its error log)" \
	bash -c "! grep -qE '\((1|38): ' '$T/ng/error.log' 2>/dev/null"

# ---- 3: what nginx never made is denied, with the profile's errno ----
runc --root "$STATE" exec "$CID" "$T/ng/never-made" >"$T/denied.out" 2>"$T/exec.err"
check "runc exec in that container: mount, reboot, ptrace, keyctl get EPERM (the profile's)" \
	bash -c "[ \"\$(cat '$T/denied.out')\" = \"\$(printf 'mount 1\nreboot 1\nptrace 1\nkeyctl 1')\" ]"
runc --root "$STATE" kill "$CID" TERM 2>/dev/null
for i in $(seq 50); do
	runc --root "$STATE" list 2>/dev/null | grep -q "^$CID " || break
	runc --root "$STATE" list 2>/dev/null | grep -q "^$CID .*stopped" && break
	sleep 0.2
done
runc --root "$STATE" delete -f "$CID" 2>/dev/null

control() {
	bundle "$T/bundle-ctl" "" "$T/ng/never-made" || return 1
	timeout -k 5 60 runc --root "$STATE" run --bundle "$T/bundle-ctl" "$CID-ctl" \
		</dev/null >"$T/control.out" 2>"$T/control.err"
	[ "$(cat "$T/control.out")" = "$(printf 'mount 19\nreboot 22\nptrace 3\nkeyctl 95')" ]
}
check "... the control: in the same container without the profile, ENODEV, EINVAL, ESRCH, EOPNOTSUPP" \
	control

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
