#!/bin/bash
# verify-debian.sh — prove that docs/operator/deploy.md works on a fresh Debian 12.
#
# What it does, on this machine (as root):
#   1. debootstraps a minimal Debian 12 (bookworm) once into $ROOTFS.base and copies it to
#      $ROOTFS for every run (ROOTFS=/var/tmp/veikart-debian unless set), so that each run starts
#      from a fresh system; adds only what Debian's installer would set up (host name, apt
#      sources with security updates, a static address, time zone) and this host's own
#      certificate authorities and /etc/pip.conf, if it has any (a TLS-inspecting proxy);
#   2. builds a wheel of the current checkout (working tree, uncommitted changes included) and puts
#      it at /root/veikart-<version>-py3-none-any.whl in the container, the source tree at
#      /usr/local/src/veikart — where deploy.md expects them (there is no published release yet);
#   3. boots the system with systemd-nspawn (systemd as PID 1 inside) on a private network: a veth
#      pair 10.231.7.1 (host) ↔ 10.231.7.2 (container), NAT out of the host's default interface
#      so that apt and pip inside reach their registries. The container's PostgreSQL (5432) and
#      nginx (80, 443) therefore never collide with anything on the host;
#   4. runs deploy.md's steps inside, literally and in order (sections 1–7), replacing only what
#      needs a person or the internet: `editor` becomes `sed`/`awk`, `createsuperuser` runs with
#      --no-input, Let's Encrypt becomes a self-signed certificate at the paths certbot would
#      write ("your organisation's own certificate"); the organisation comes from the simulator's
#      files (`veikart demo generate`, 200 people) through org-setup, import-org and ingest, as a
#      real one would (`veikart demo` itself refuses to run in production mode);
#   5. checks: /helse/klar answers 200 through nginx (HTTPS, with the real host name); HTTP
#      redirects to HTTPS; the administrator signs in through nginx and three pages render with
#      the organisation's name and their style sheet; `systemctl list-timers` lists the three
#      timers; a fingerprint of the data (employees, users, ingested files, adoption figures,
#      lake snapshots) is taken;
#   6. `systemctl restart postgresql veikart nginx`, checks again; powers the container off and
#      boots it again, checks again; then section 9 (upgrading) with the same wheel, checks again
#      — the fingerprint must not change — and runs veikart-compute and veikart-purge once;
#   7. powers the container off and removes the NAT rule (leaves $ROOTFS for inspection/reuse).
#
# Needs: root on a Debian 12 host where systemd-nspawn can boot a container (systemd need not be
# the host's PID 1: nspawn runs with --register=no --keep-unit), network access to
# deb.debian.org and PyPI. Installs debootstrap, systemd-container and nftables on the host if
# missing. Changes nothing else on the host except, while it runs, net.ipv4.ip_forward (put back
# afterwards) and an nftables table `veikart_verify` (removed afterwards). The container's
# PostgreSQL and nginx listen in its own network namespace, so they never collide with services
# on the host.
#
# Takes: about 5 minutes on 2 cores (measured 2026-11-28: 4 min 40 s), plus about a minute for
# debootstrap the first time. Of that: replacing the last run's system with a fresh copy ~75 s;
# deploy.md's sections 1–7 ~150 s (apt ~60 s, pip ~30 s, the 200-person organisation and its
# 1,170 usage files ~1 min); restart, reboot, upgrade and the checks ~45 s.
#
# Usage: deploy/verify-debian.sh [--reuse] [--keep-running]
#   --reuse         keep the existing $ROOTFS (skip the copy and sections 1–7; the checks, the
#                   restart, the reboot, section 9 and the jobs run) — a second look after a run.
#   --keep-running  leave the container booted at the end (stop it with: $0 --stop).
#   --stop          power the container off and remove the NAT rule.
# Log: $LOG (the full transcript); the summary goes to stdout.
set -euo pipefail

ROOTFS=${ROOTFS:-/var/tmp/veikart-debian}
MACHINE=${MACHINE:-veikartvfy}
HOST_IP=10.231.7.1
GUEST_IP=10.231.7.2
NET=10.231.7.0/24
VETH=ve-$MACHINE   # at most 15 characters
HOSTNAME_FQDN=veikart.example.kommune.no
MIRROR=${MIRROR:-http://deb.debian.org/debian}
LOG=${LOG:-/var/tmp/veikart-verify.log}
STATE=/run/veikart-verify
SRC=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}

REUSE=0 KEEP=0 STOP=0
for arg in "$@"; do
    case $arg in
        --reuse) REUSE=1 ;;
        --keep-running) KEEP=1 ;;
        --stop) STOP=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

[ "$(id -u)" -eq 0 ] || { echo "verify-debian.sh: run it as root" >&2; exit 1; }
mkdir -p "$STATE"
T0=$(date +%s)
say() { printf '[%4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" | tee -a "$LOG"; }
fail() { say "FAILED: $*"; exit 1; }

# ---------------------------------------------------------------- host side
host_prereqs() {
    local missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
    command -v nft >/dev/null || missing+=(nftables)
    if [ ${#missing[@]} -gt 0 ]; then
        say "host: apt-get install ${missing[*]}"
        apt-get update -qq >>"$LOG" 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$LOG" 2>&1
    fi
}

net_up() {
    # The value before the first net_up (a run that died keeps it: a second run must not take
    # its own 1 for the host's).
    [ -f "$STATE/ip_forward.before" ] || cat /proc/sys/net/ipv4/ip_forward > "$STATE/ip_forward.before"
    local out_if
    out_if=$(ip -4 route show default | awk '{for (i=1;i<NF;i++) if ($i=="dev") print $(i+1); exit}')
    sysctl -q -w net.ipv4.ip_forward=1
    nft delete table inet veikart_verify 2>/dev/null || true
    nft -f - <<EOF
table inet veikart_verify {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr $NET oifname "$out_if" masquerade
    }
}
EOF
}

net_down() {
    nft delete table inet veikart_verify 2>/dev/null || true
    if [ -f "$STATE/ip_forward.before" ]; then
        sysctl -q -w net.ipv4.ip_forward="$(cat "$STATE/ip_forward.before")"
        rm -f "$STATE/ip_forward.before"
    fi
}

make_base() {
    if [ ! -x "$ROOTFS.base/lib/systemd/systemd" ]; then
        say "debootstrap bookworm into $ROOTFS.base (once)"
        rm -rf "$ROOTFS.base"
        debootstrap --include=systemd-sysv,dbus bookworm "$ROOTFS.base" "$MIRROR" >>"$LOG" 2>&1
    fi
}

# What Debian's installer would have set up: host name, apt sources with security updates, the
# network (a static address here, like any server), a time zone. Nothing Veikart-specific.
provision() {
    say "fresh system: copy $ROOTFS.base to $ROOTFS"
    rm -rf "$ROOTFS"
    cp -a "$ROOTFS.base" "$ROOTFS"
    echo veikart > "$ROOTFS/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s veikart\n::1\tlocalhost ip6-localhost\n' \
        "$HOSTNAME_FQDN" > "$ROOTFS/etc/hosts"
    cat > "$ROOTFS/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    mkdir -p "$ROOTFS/etc/systemd/network"
    cat > "$ROOTFS/etc/systemd/network/10-host0.network" <<EOF
[Match]
Name=host0
[Network]
Address=$GUEST_IP/24
Gateway=$HOST_IP
EOF
    ln -sf /lib/systemd/system/systemd-networkd.service \
        "$ROOTFS/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
    grep '^nameserver' /etc/resolv.conf > "$ROOTFS/etc/resolv.conf" || true
    ln -sf /usr/share/zoneinfo/Europe/Oslo "$ROOTFS/etc/localtime"
    echo Europe/Oslo > "$ROOTFS/etc/timezone"
    # This host's own certificate authorities (a TLS-inspecting proxy, say) and pip's settings,
    # if any: the container reaches the registries the same way. update-ca-certificates, run
    # when step 1 installs ca-certificates, adds them to the system bundle.
    mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" \
        2>/dev/null || true
    if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$ROOTFS/etc/pip.conf"; fi
    # The release: a wheel of the current checkout, and the source tree for deploy/.
    say "build the wheel of $SRC"
    local dist=$STATE/dist
    rm -rf "$dist" "$ROOTFS/usr/local/src/veikart"
    mkdir -p "$dist" "$ROOTFS/usr/local/src/veikart"
    (cd "$SRC" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) \
        | tar -C "$ROOTFS/usr/local/src/veikart" -xf -
    local py=python3
    [ -x "$SRC/.venv/bin/python" ] && py=$SRC/.venv/bin/python
    (cd "$STATE" && "$py" -m pip wheel -q --no-deps -w "$dist" "$ROOTFS/usr/local/src/veikart") \
        >>"$LOG" 2>&1
    rm -rf "$ROOTFS/usr/local/src/veikart/build" "$ROOTFS/usr/local/src/veikart"/src/*.egg-info
    cp "$dist"/veikart-*.whl "$ROOTFS/root/"
    WHEEL=$(basename "$(ls "$dist"/veikart-*.whl)")
    echo "$WHEEL" > "$STATE/wheel"
}

# ---------------------------------------------------------------- the container
leader() { cat "$STATE/leader" 2>/dev/null; }

# Run a shell script inside the booted container (stdin), as root, with a login-like environment.
inside() {
    nsenter -t "$(leader)" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root TERM=dumb LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive bash -euo pipefail -s "$@"
}

boot() {
    say "boot the container (systemd-nspawn -b, private network)"
    rm -f "$STATE/leader"
    setsid systemd-nspawn --boot --directory="$ROOTFS" --machine="$MACHINE" --register=no --keep-unit \
        --network-veth --resolv-conf=off --timezone=off --console=passive \
        >"$STATE/console.log" 2>&1 </dev/null &
    echo $! > "$STATE/nspawn.pid"
    local _ pid
    for _ in $(seq 1 60); do
        # The container's PID 1: the child of systemd-nspawn that has become systemd (the
        # children before it are nspawn's own, short-lived).
        pid=$(pgrep -P "$(cat "$STATE/nspawn.pid")" -x systemd 2>/dev/null | head -1 || true)
        if [ -n "$pid" ]; then echo "$pid" > "$STATE/leader"; break; fi
        sleep 1
    done
    [ -n "$(leader)" ] || fail "the container did not start: $(tail -5 "$STATE/console.log")"
    for _ in $(seq 1 30); do ip link show "$VETH" >/dev/null 2>&1 && break; sleep 1; done
    ip addr replace "$HOST_IP/24" dev "$VETH"
    ip link set "$VETH" up
    local st=offline
    # systemd's socket appears a moment after PID 1 starts; then wait for the boot to finish.
    for _ in $(seq 1 120); do
        st=$(inside <<<'systemctl is-system-running --wait 2>/dev/null || true')
        case $st in running|degraded|maintenance) break ;; esac
        sleep 1
    done
    say "container is up: systemd says \"$st\""
    if [ "$st" != running ]; then
        inside <<<'systemctl --failed --no-legend' | tee -a "$LOG"
    fi
}

poweroff_container() {
    [ -f "$STATE/nspawn.pid" ] || return 0
    local np
    np=$(cat "$STATE/nspawn.pid")
    if kill -0 "$np" 2>/dev/null; then
        say "power the container off"
        inside <<<'systemctl poweroff' >/dev/null 2>&1 || kill -TERM "$np" || true
        local _
        for _ in $(seq 1 90); do kill -0 "$np" 2>/dev/null || break; sleep 1; done
        kill -0 "$np" 2>/dev/null && fail "the container did not power off in 90 s"
    fi
    rm -f "$STATE/nspawn.pid" "$STATE/leader"
}

if [ $STOP -eq 1 ]; then
    poweroff_container; net_down; exit 0
fi

# ---------------------------------------------------------------- deploy.md, inside
# Sections 1–7 in order, as an operator types them into one root shell. The lines marked
# "(verify)" are this script's, not the guide's.
deploy_inside() {
    inside "$(cat "$STATE/wheel")" "$HOSTNAME_FQDN" <<'GUIDE'
WHEEL=/root/$1
HOST=$2
SRC=/usr/local/src/veikart
step() { echo "### $(date +%T) $*"; }

step "1. Packages, system user and directories"
apt-get update -q
apt-get install -y -q python3 python3-venv postgresql nginx certbot curl
adduser --system --group --home /var/lib/veikart --no-create-home veikart
install -d -o veikart -g veikart -m 0750 /var/lib/veikart
install -d -o root -g veikart -m 0750 /etc/veikart

step "2. PostgreSQL"
runuser -u postgres -- createuser veikart
runuser -u postgres -- createdb --owner veikart --encoding UTF8 veikart

step "3. Install Veikart"
python3 -m venv /opt/veikart/venv
/opt/veikart/venv/bin/pip install --upgrade pip
/opt/veikart/venv/bin/pip install "$WHEEL"
install -m 0755 $SRC/deploy/veikart-manage /usr/local/bin/veikart-manage

step "4. Secrets and settings"
(
    umask 027
    python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > /etc/veikart/secret_key
    python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > /etc/veikart/pseudonym_key
    chgrp veikart /etc/veikart/secret_key /etc/veikart/pseudonym_key
)
install -m 0640 -g veikart $SRC/deploy/veikart.env.example /etc/veikart/veikart.env
# `editor /etc/veikart/veikart.env`: the example's host name is used as it is; (verify) fewer
# workers than 2 × cores + 1, as the guide advises for a small machine.
sed -i 's/^#VEIKART_WORKERS=.*/VEIKART_WORKERS=2/' /etc/veikart/veikart.env

step "5. Database tables, static files, first administrator"
veikart-manage check --deploy --fail-level WARNING
veikart-manage migrate
veikart-manage collectstatic --no-input
# `createsuperuser` asks for a password; (verify) the same without questions:
DJANGO_SUPERUSER_PASSWORD='Verify-Debian-2026!' \
    veikart-manage createsuperuser --no-input --username admin --email admin@example.kommune.no
veikart-manage serve --check
# The organisation (verify: the simulator's files for 200 people, through the real imports).
D=/var/lib/veikart/import-files
veikart-manage demo generate --employees 200 --out $D
veikart-manage org-setup "Moss kommune" --merger-date 2020-01-01 \
    --former "moss=Moss kommune (til 2020)@moss.kommune.no" \
    --former "rygge=Rygge kommune (til 2020)@rygge.kommune.no"
for day in 2019-01-01 2019-12-31 2020-01-01 2021-06-30; do
    veikart-manage import-org --as-of $day $D/hr/$day/ansatte.csv $D/hr/$day/enheter.csv
done
veikart-manage ingest $D/usage
veikart-manage grant-role admin programme_lead

step "6. The services"
cp $SRC/deploy/systemd/veikart*.service $SRC/deploy/systemd/veikart*.timer /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now veikart.service
systemctl enable --now veikart-compute.timer veikart-purge.timer
systemctl enable --now veikart-pull.timer   # the guide: once Graph is set up; (verify) now
systemctl status veikart.service --no-pager
curl -s http://127.0.0.1:8000/helse/klar; echo

step "7. nginx and TLS"
cp $SRC/deploy/nginx/veikart.conf /etc/nginx/sites-available/veikart
install -d /var/www/letsencrypt
# `editor`: the example's host name stays; the HTTPS block commented out (its second server).
awk '/^server \{/ { n++ } { print (n >= 2 ? "#" : "") $0 }' $SRC/deploy/nginx/veikart.conf \
    > /etc/nginx/sites-available/veikart
ln -s /etc/nginx/sites-available/veikart /etc/nginx/sites-enabled/veikart
rm -f /etc/nginx/sites-enabled/default
nginx -t && systemctl reload nginx
# certbot cannot reach Let's Encrypt from here: (verify) a self-signed certificate at the paths
# certbot would use — "your organisation's own certificate, just set its paths".
install -d -m 0755 /etc/letsencrypt/live/$HOST
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$HOST" \
    -addext "subjectAltName=DNS:$HOST" \
    -keyout /etc/letsencrypt/live/$HOST/privkey.pem -out /etc/letsencrypt/live/$HOST/fullchain.pem
cp $SRC/deploy/nginx/veikart.conf /etc/nginx/sites-available/veikart   # HTTPS block back in
nginx -t && systemctl reload nginx
GUIDE
}

# ---------------------------------------------------------------- checks
# Prints one fingerprint line of the data (compared before and after the reboots).
check_inside() {
    inside "$HOSTNAME_FQDN" <<'CHECK'
HOST=$1
B=https://$HOST
C="curl -s --resolve $HOST:443:127.0.0.1 --resolve $HOST:80:127.0.0.1 --cacert /etc/letsencrypt/live/$HOST/fullchain.pem"
ok() { echo "  ok    $*"; }
bad() { echo "  FAIL  $*"; FAILED=1; }
FAILED=0
for unit in postgresql@15-main veikart nginx; do
    if systemctl is-active --quiet $unit; then ok "$unit is active"; else bad "$unit is $(systemctl is-active $unit)"; fi
done
# nginx may still be starting its workers; the readiness endpoint through nginx, with retries.
code=000
for i in $(seq 1 30); do
    code=$($C -o /tmp/klar -w '%{http_code}' $B/helse/klar || true)
    [ "$code" = 200 ] && break
    sleep 1
done
if [ "$code" = 200 ]; then ok "GET $B/helse/klar through nginx: 200 $(cat /tmp/klar)"; else bad "GET /helse/klar through nginx: $code $(cat /tmp/klar 2>/dev/null)"; fi
code=$($C -o /dev/null -w '%{http_code} %{redirect_url}' http://$HOST/ || true)
case $code in "301 https://$HOST/") ok "HTTP redirects to HTTPS" ;; *) bad "HTTP / answered $code" ;; esac
rm -f /tmp/jar
$C -c /tmp/jar -b /tmp/jar $B/logg-inn/ -o /tmp/login.html
tok=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' /tmp/login.html | head -1 | sed 's/.*value="//; s/"$//')
code=$($C -c /tmp/jar -b /tmp/jar -X POST -e $B/logg-inn/ $B/logg-inn/ \
    --data-urlencode "csrfmiddlewaretoken=$tok" --data-urlencode username=admin \
    --data-urlencode 'password=Verify-Debian-2026!' -o /dev/null -w '%{http_code} %{redirect_url}')
case $code in "302 $B/") ok "admin signs in through nginx" ;; *) bad "sign-in answered $code" ;; esac
for page in / /bruk/ /organisasjon/; do
    code=$($C -c /tmp/jar -b /tmp/jar -o /tmp/page.html -w '%{http_code}' $B$page)
    title=$(grep -o '<title>[^<]*' /tmp/page.html | head -1 | sed 's/<title>//')
    if [ "$code" = 200 ] && grep -q 'Moss kommune' /tmp/page.html; then
        ok "GET $page signed in: 200, «$title», names Moss kommune"
    else
        bad "GET $page signed in: $code «$title»"
    fi
done
css=$(grep -o '/static/[^"]*\.css' /tmp/page.html | head -1)
code=$($C -o /dev/null -w '%{http_code}' $B$css)
if [ "$code" = 200 ]; then ok "style sheet $css: 200"; else bad "style sheet $css: $code"; fi
timers=$(systemctl list-timers 'veikart-*' --no-legend --no-pager | grep -c 'veikart-.*\.timer' || true)
if [ "$timers" = 3 ]; then ok "systemctl list-timers lists the 3 veikart timers"; else bad "list-timers shows $timers veikart timers"; systemctl list-timers --all --no-pager; fi
fp=$(runuser -u postgres -- psql -tA -F' ' veikart -c "select
    (select count(*) from organisations_employee) || ' employees, ' ||
    (select count(*) from auth_user) || ' users, ' ||
    (select count(*) from usage_ingestedfile) || ' ingested files, ' ||
    (select count(*) from adoption_figure) || ' adoption figures'")
lake=$(find /var/lib/veikart/lake -name '*.parquet' | wc -l)
echo "FINGERPRINT $fp, $lake lake snapshots"
exit $FAILED
CHECK
}

run_checks() {
    local label=$1 out
    say "checks: $label"
    if out=$(check_inside 2>&1); then :; else
        printf '%s\n' "$out" | tee -a "$LOG"
        fail "checks after $label"
    fi
    printf '%s\n' "$out" | grep -v '^FINGERPRINT' | tee -a "$LOG"
    FP=$(printf '%s\n' "$out" | sed -n 's/^FINGERPRINT //p')
    say "data: $FP"
}

# ---------------------------------------------------------------- the run
: > "$LOG"
host_prereqs
trap 'poweroff_container >/dev/null 2>&1 || true; net_down' EXIT
if [ $KEEP -eq 1 ]; then trap - EXIT; fi
make_base
if [ $REUSE -eq 0 ] || [ ! -d "$ROOTFS" ]; then
    poweroff_container
    provision
fi
net_up
boot
if [ $REUSE -eq 0 ]; then
    say "deploy.md sections 1–7 inside the container (transcript in $LOG)"
    t=$(date +%s)
    if ! deploy_inside >>"$LOG" 2>&1; then
        tail -30 "$LOG"
        fail "a step of deploy.md failed (above; the whole transcript is in $LOG)"
    fi
    say "deploy.md done in $(( $(date +%s) - t )) s"
fi

run_checks "installation"
FP0=$FP

say "restart the services: systemctl restart postgresql veikart nginx"
inside <<<'systemctl restart postgresql veikart nginx'
run_checks "systemctl restart postgresql veikart nginx"
[ "$FP" = "$FP0" ] || fail "the data changed across the restart: $FP0 → $FP"

poweroff_container
boot
run_checks "a reboot of the whole machine (poweroff, boot)"
[ "$FP" = "$FP0" ] || fail "the data changed across the reboot: $FP0 → $FP"
failed=$(inside <<<'systemctl --failed --no-legend --plain' || true)
[ -z "$failed" ] || fail "failed units after the reboot: $failed"

# Section 9 as written, with the same wheel (there is no newer release to upgrade to): the
# commands and their order work, the backup is written, the service comes back.
say "deploy.md section 9, Upgrading (same version: the commands, not a version change)"
if ! inside "$(cat "$STATE/wheel")" >>"$LOG" 2>&1 <<'UPGRADE'
echo "### $(date +%T) 9. Upgrading"
systemctl stop veikart-pull.timer veikart-compute.timer veikart-purge.timer
systemctl stop veikart.service
veikart-manage backup
/opt/veikart/venv/bin/pip install --upgrade /root/$1
veikart-manage migrate
veikart-manage collectstatic --no-input
veikart-manage serve --check
systemctl start veikart.service
systemctl start veikart-pull.timer veikart-compute.timer veikart-purge.timer
curl -s http://127.0.0.1:8000/helse/klar
ls -l /var/lib/veikart/backups
UPGRADE
then
    tail -20 "$LOG"
    fail "a step of deploy.md section 9 failed"
fi
upgrade_lines=$(sed -n '/^### .* 9\. Upgrading/,$p' "$LOG" | grep -i 'backup\|Ready to serve\|already satisfied: veikart' || true)
printf '%s\n' "$upgrade_lines" | sed 's/^/  /' | tee -a "$LOG"
run_checks "the upgrade procedure"
[ "$FP" = "$FP0" ] || fail "the data changed across the upgrade procedure: $FP0 → $FP"

# The timers' services, run now: compute finds nothing changed; purge removes the simulated
# usage snapshots (2019–2021, older than the 1095 days of retention) and keeps the figures.
say "the scheduled jobs: systemctl start veikart-compute.service veikart-purge.service"
inside <<<'systemctl start veikart-compute.service veikart-purge.service
journalctl -b -u veikart-compute -u veikart-purge -o cat --no-pager | grep -v "^Start\|^Finish\|Deactivated" | tail -4' \
    | sed 's/^/  /' | tee -a "$LOG"
run_checks "the scheduled jobs"

say "VERIFIED: deploy.md on a fresh Debian 12 — installation, restart and reboot (data: $FP)"
if [ $KEEP -eq 1 ]; then
    say "the container keeps running: nsenter -t $(leader) -a bash   ·   stop: $0 --stop"
else
    poweroff_container
    net_down
    trap - EXIT
fi
say "rootfs left in $ROOTFS (fresh copy of $ROOTFS.base each run); transcript $LOG"
