#!/usr/bin/env bash
# Runs inside the virtual machine that scripts/test-cable boots, as root, on
# the host's root filesystem (read-only; /etc, /tmp, /run and the like are the
# guest's own). usage: guest.sh RESULTS HOTPLUGD
#
# dummy_hcd is a USB host controller and a USB device controller joined in
# software; g_ether, loaded with the PL25A1's ids, is the device side. The
# host side of that link is then bound by the real plusb driver, as the
# cable is. On it this script runs hotplugd with a gamelink binding on the
# kernel source (no udevd) and then on the udev source (the guest's own
# udevd), and in each: the cable plugged in before hotplugd starts
# (coldplug), pulled out, plugged in again while hotplugd runs (hotplug, and
# the same name back), and hotplugd stopped with the cable in.
#
# It judges nothing. It waits, with deadlines, for what should happen, and
# writes what it saw at each checkpoint into RESULTS/<phase>-<checkpoint>/;
# scripts/test-cable reads that and decides. RESULTS is shared with the host.
set -uo pipefail   # no -e: a step that goes wrong is recorded, and the rest still runs

results=$1
exec >>"$results/guest.log" 2>&1
here=$(cd "$(dirname "$0")" && pwd)
work=/run/hotplugd-cable          # the guest's own tmpfs
# The build's binary, run from a copy in memory: every exec of it straight
# from the 9p root costs 2 s under TCG, a copy 0.4 s. It still finds the
# Swift runtime through its RUNPATH.
mkdir -p "$work/config"
cp "$2" "$work/hotplugd"
hotplugd=$work/hotplugd
python=(/usr/bin/python3 -S)      # -S: no site packages; half the start-up time
port=27015                        # the binding's [listen] port, allowed by its [firewall]
blocked_port=27016                # a listener the firewall must keep the cable from
peer=cablepeer                    # network namespace holding the gadget side of the cable
daemon=                           # hotplugd's pid while it runs
# HOTPLUGD_CABLE_TRACE=1 scripts/test-cable: every command, timed, in guest.log.
[[ ${CABLE_TRACE:-} ]] && { PS4='+ ${EPOCHREALTIME} '; set -x; }
log() { echo "guest $(date +%T.%N | cut -c1-12): $*"; }

# --- helpers -----------------------------------------------------------------

# wait_for SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        ((SECONDS < deadline)) || { log "gave up waiting for: $*"; return 1; }
        sleep 0.2
    done
}

# The net device whose driver is NAME (plusb: the host side of the cable;
# g_ether: the gadget side), by its current name.
netdev_of_driver() {
    local n
    for n in /sys/class/net/*; do
        [[ $(readlink "$n/device/driver" 2>/dev/null) == */"$1" ]] && { basename "$n"; return 0; }
    done
    return 1
}

status_json() { "$hotplugd" status --json --socket "$work/control.sock" 2>/dev/null; }
# The gamelink binding's devices (a JSON array), [] when it has none.
devices() { status_json | jq -c '[.bindings[] | select(.name == "gamelink") | .devices[]]' 2>/dev/null; }
device_count() { local d; d=$(devices) && [[ $(jq length <<<"$d") == "$1" ]]; }
# The children's records so far: started N, stopped N (cheaper to poll than status).
started() { (($(grep -c '"event": "start"' "$results/children.jsonl") >= $1)); }
stopped() { (($(grep -c '"event": "stop"' "$results/children.jsonl") >= $1)); }
no_child_left() { ! pgrep -f "$here/child.py" >/dev/null; }

# plug SERIAL / unplug: the cable in and out.
plug() {
    log "plug $1"
    modprobe g_ether idVendor=0x067b idProduct=0x25a1 iSerialNumber="$1" || log "modprobe g_ether failed"
}
unplug() {
    log "unplug"
    rmmod g_ether || log "rmmod g_ether failed"
}

start_hotplugd() {  # start_hotplugd SOURCE PHASE
    log "start hotplugd --source $1"
    : >"$results/$2-hotplugd.log"
    HOTPLUGD_LOG_LEVEL=debug "$hotplugd" run --source "$1" --config "$work/config" --socket "$work/control.sock" \
        >>"$results/$2-hotplugd.log" 2>&1 &
    daemon=$!
    wait_for 60 grep -q "ready:" "$results/$2-hotplugd.log"
}

stop_hotplugd() {  # stop_hotplugd: SIGTERM, as systemd would; prints its exit status
    log "stop hotplugd"
    kill -TERM "$daemon" 2>/dev/null
    local deadline=$((SECONDS + 20))
    while kill -0 "$daemon" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "$daemon" 2>/dev/null && log "hotplugd did not stop within 20 s"
    wait "$daemon"
    local status=$?
    daemon=
    return "$status"
}

# checkpoint NAME: what hotplugd, the kernel and nftables say now.
checkpoint() {
    local dir=$results/$1 name driver
    log "checkpoint $1"
    mkdir -p "$dir"
    status_json >"$dir/status.json"
    ip -j addr show >"$dir/addresses.json"
    for name in $(ls /sys/class/net); do
        driver=$(readlink "/sys/class/net/$name/device/driver" 2>/dev/null)
        echo "$name ${driver##*/}"
    done >"$dir/drivers.txt"
    nft list table inet hotplugd >"$dir/nft.txt" 2>&1
    ps -eo pid,pgid,args >"$dir/processes.txt"
    cp "$results/children.jsonl" "$dir/children.jsonl" 2>/dev/null || : >"$dir/children.jsonl"
}

# connect ADDRESS PORT SECONDS: see connect.py; in_peer connects from the far
# end of the cable.
connect() { "${python[@]}" "$here/connect.py" "$@"; }
in_peer() { ip netns exec "$peer" "${python[@]}" "$here/connect.py" "$@"; }

# traffic NAME: from the far end of the cable, connect to the binding's port
# (its child should answer) and to a port the firewall should drop.
traffic() {
    local dir=$results/$1 gadget
    gadget=$(netdev_of_driver g_ether) || { log "no gadget-side interface"; return; }
    ip link set "$gadget" netns "$peer"
    ip -n "$peer" addr add 10.42.0.2/24 dev "$gadget"
    ip -n "$peer" link set "$gadget" up
    # At once, to keep the boot short: they do not depend on each other.
    local probes=()
    in_peer 10.42.0.1 "$port" 15 >"$dir/allowed.txt" 2>&1 & probes+=($!)
    in_peer 10.42.0.1 "$blocked_port" 1 >"$dir/blocked.txt" 2>&1 & probes+=($!)
    connect 127.0.0.1 "$blocked_port" 1 >"$dir/blocked-loopback.txt" 2>&1 & probes+=($!)
    wait "${probes[@]}"
}

# --- the machine -----------------------------------------------------------

log "kernel $(uname -r), hotplugd $2"
: >"$results/children.jsonl"
cat >"$work/config/gamelink.toml" <<EOF
description = "The PL25A1 cable, played by dummy_hcd and g_ether"

[match]
subsystem = "net"
usb-vendor = "067b"
usb-product = "25a1"
driver = "plusb"

[link]
name = "gamelink{n}"
mtu = 1400
addresses = ["10.42.0.1/24", "fd42::1/64"]

[firewall]
input = "restrict"
allow-tcp = [$port]

[listen]
stream = ["$port"]

[exec]
command = ["/usr/bin/python3", "-S", "$here/child.py", "$results/children.jsonl", "{usb-serial}", "{interface}"]
restart = "on-failure"
stop-timeout = "5s"
EOF
"$hotplugd" check --config "$work/config" >"$results/check.txt" 2>&1
echo $? >"$results/check.rc"

# The host-side interface of g_ether's CDC ECM function is what cdc_ether
# would take; only plusb may, as it is the cable's driver. Loaded first, plusb
# is asked first (the control interface it refuses, the data interface it
# takes); the blacklist keeps udevd from loading cdc_ether, which would
# otherwise claim both interfaces before plusb on the next plug.
printf 'blacklist %s\n' cdc_ether rndis_host cdc_subset cdc_eem cdc_ncm >/etc/modprobe.d/hotplugd-cable.conf
modprobe plusb && modprobe dummy_hcd || log "cannot load plusb and dummy_hcd"
modprobe nf_tables 2>/dev/null
ip netns add "$peer"
ip link set lo up
"${python[@]}" -c '
import socket
s = socket.create_server(("0.0.0.0", '"$blocked_port"'))
while True:
    c, _ = s.accept(); c.sendall(b"not for the cable\n"); c.close()
' &
other_listener=$!

# run_phase SOURCE PHASE SERIAL-PREFIX. A wait that gives up ends the phase
# (end_phase then cleans up): what follows would only wait in vain, and the
# host has what was seen so far.
run_phase() {
    local source=$1 phase=$2 serial=$3

    plug "${serial}1"                              # coldplug: in before hotplugd starts
    wait_for 30 netdev_of_driver plusb >/dev/null || return
    [[ $source == udev ]] && udevadm settle --timeout=30
    start_hotplugd "$source" "$phase" || return
    ((children += 1)); wait_for 60 started "$children" || return
    checkpoint "$phase-coldplug"; traffic "$phase-coldplug"

    unplug
    wait_for 30 stopped "$children" && wait_for 15 no_child_left && wait_for 15 device_count 0 || return
    checkpoint "$phase-unplug"

    plug "${serial}2"                              # hotplug, and the same cable again
    ((children += 1)); wait_for 60 started "$children" || return
    checkpoint "$phase-hotplug"; traffic "$phase-hotplug"

    stop_hotplugd; echo $? >"$results/$phase-stop.rc"   # with the cable in
    wait_for 15 no_child_left
    checkpoint "$phase-stopped"
}
end_phase() {
    [[ -n $daemon ]] && stop_hotplugd
    [[ -d /sys/module/g_ether ]] && unplug
}
children=0

# The kernel source, with no udevd at all (virtme-ng's init starts one).
udevadm control --exit 2>/dev/null
wait_for 10 bash -c '! pgrep -x systemd-udevd >/dev/null'
run_phase kernel kernel PL25A1-K || log "the kernel phase ended early"
end_phase

# The udev source, with the guest's own udevd, started as scripts/setup does.
/lib/systemd/systemd-udevd --daemon
wait_for 10 udevadm control --ping
udevadm trigger --type=devices --action=add --subsystem-match=net --subsystem-match=usb
udevadm settle --timeout=30
run_phase udev udev PL25A1-U || log "the udev phase ended early"
end_phase

kill "$other_listener" 2>/dev/null
ip netns del "$peer"
dmesg >"$results/dmesg.txt"
log "done"
echo done >"$results/done"
