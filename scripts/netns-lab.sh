#!/usr/bin/env bash
# A multi-host lab on one machine, for multi-host drills: N network
# namespaces ("hosts"), each with its own address on a bridge, its own sshd
# and its own firewall (iptables in a namespace is its own table), so a
# partition between SSH hosts cuts what it says. Needs root, iproute2,
# openssh-server and iptables. See docs/ssh.md#a-multi-host-lab-on-one-machine.
#
#   scripts/netns-lab.sh up DIR [HOSTS] [TAG]   # HOSTS (3) hosts; prints the addresses and the flags
#   scripts/netns-lab.sh down DIR               # stops every process in the namespaces and removes them
#
# TAG (default "lab") names everything: namespaces rd<TAG>-1..N, bridge
# rd<TAG>-br, veths rd<TAG>-vN; the subnet is 10.213.<S>.0/24 with S from
# the TAG, the bridge (this machine) .1 and host i .(10+i). DIR keeps the
# keys, the sshd configs and lab.env (what `down` removes).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || {
  sed -n '2,15p' "$0" >&2
  exit 2
}

if [[ $cmd == down ]]; then
  [[ -f $dir/lab.env ]] || exit 0
  # shellcheck disable=SC1091
  source "$dir/lab.env"
  for ns in $LAB_NAMESPACES; do
    # Every process in our namespace is ours (its sshd and what the drills started through it).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  # A namespace whose last process is still exiting keeps its veth a moment: the host sides go by name.
  for link in $LAB_LINKS $LAB_BRIDGE; do ip link del "$link" 2>/dev/null || true; done
  rm -f "$dir/lab.env"
  exit 0
fi

[[ $cmd == up ]] || {
  echo "unknown command $cmd (up or down)" >&2
  exit 2
}
hosts=${3:-3}
tag=${4:-lab}
[[ $tag =~ ^[a-z0-9]{1,6}$ ]] || {
  echo "TAG must be 1-6 lowercase letters or digits" >&2
  exit 2
}
subnet=$((16#$(printf '%s' "$tag" | sha1sum | cut -c1-2) % 200 + 20))
net="10.213.$subnet"
bridge="rd$tag-br"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [[ -e /var/run/netns/rd$tag-1 ]] || ip link show "$bridge" >/dev/null 2>&1; then
  echo "a lab tagged $tag is already up (scripts/netns-lab.sh down DIR first)" >&2
  exit 3
fi

namespaces=""
addresses=""
links=""
# Written first, so a `down` after a failed `up` removes what was made.
write_env() {
  printf 'LAB_BRIDGE=%q\nLAB_NAMESPACES=%q\nLAB_LINKS=%q\nLAB_ADDRESSES=%q\nLAB_IDENTITY=%q\nLAB_KNOWN_HOSTS=%q\n' \
    "$bridge" "$namespaces" "$links" "$addresses" "$dir/client_key" "$dir/known_hosts" >"$dir/lab.env"
}
write_env

[[ -f $dir/host_key ]] || ssh-keygen -q -t ed25519 -N '' -C redis-drill-lab-host -f "$dir/host_key"
[[ -f $dir/client_key ]] || ssh-keygen -q -t ed25519 -N '' -C redis-drill-lab-client -f "$dir/client_key"
cp "$dir/client_key.pub" "$dir/authorized_keys"
mkdir -p /run/sshd

ip link add "$bridge" type bridge
ip addr add "$net.1/24" dev "$bridge"
ip link set "$bridge" up
for i in $(seq 1 "$hosts"); do
  ns="rd$tag-$i"
  address="$net.$((10 + i))"
  namespaces="$namespaces $ns"
  addresses="$addresses $address"
  links="$links rd$tag-v$i"
  write_env
  ip netns add "$ns"
  ip link add "rd$tag-v$i" type veth peer name eth0 netns "$ns"
  ip link set "rd$tag-v$i" master "$bridge" up
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "$address/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
  cat >"$dir/sshd-$i.conf" <<EOF
ListenAddress $address
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd-$i.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel ERROR
EOF
  ip netns exec "$ns" /usr/sbin/sshd -f "$dir/sshd-$i.conf"
done
# Each sshd is up when its port answers from here.
for address in $addresses; do
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/$address/22") 2>/dev/null && break
    sleep 0.05
  done
done
echo "lab up: hosts$addresses (this machine: $net.1)"
echo "flags: --hosts $(printf 'root@%s,' $addresses | sed 's/,$//') --ssh-identity $dir/client_key --ssh-option UserKnownHostsFile=$dir/known_hosts"
