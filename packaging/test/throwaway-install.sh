#!/bin/sh
# Installs a portcullis .deb into a throw-away root and runs the service there as its unit says:
#   unshare --mount --net --pid --fork --mount-proc packaging/test/throwaway-install.sh FILE.deb
# The root is an overlay over this machine's / (its changes vanish with the mount namespace), with
# its own network namespace, so port 25 is free and nothing reaches the host's services.
# Prints one "CHECK name: ok" or "CHECK name: FAIL ..." line per step; exit 0 when all passed.
# Needs root, overlayfs and a Java 21+ under /usr/lib/jvm (the package's dependency is forced:
# Debian 12 has no Java 21 package).
set -u
deb=$1
w=$(mktemp -d /tmp/portcullis-root.XXXXXX)
mkdir -p "$w/upper" "$w/work" "$w/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$w/upper,workdir=$w/work" "$w/root" || { echo "CHECK overlay: FAIL"; exit 1; }
mount -t proc proc "$w/root/proc"
mount --rbind /dev "$w/root/dev"
mount -t tmpfs tmpfs "$w/root/tmp"
mount -t tmpfs tmpfs "$w/root/run"      # no /run/systemd/system: the maintainer scripts start nothing
cp "$deb" "$w/root/tmp/portcullis.deb"
failed=0
check() { # name, command...: runs the command in the root
  name=$1; shift
  if out=$(chroot "$w/root" /bin/bash -c "$*" 2>&1); then
    echo "CHECK $name: ok${out:+ ($(echo "$out" | tail -3 | tr '\n' ' '))}"
  else
    echo "CHECK $name: FAIL: $(echo "$out" | tail -20)"
    failed=1
  fi
}
chroot "$w/root" ip link set lo up

check install 'dpkg -i --force-depends /tmp/portcullis.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }'
check system-user 'getent passwd portcullis | grep -q ":/var/lib/portcullis:/usr/sbin/nologin$" && ! getent passwd portcullis | grep -q "^portcullis:x:0:"'
check data-directory '[ "$(stat -c "%a %U %G" /var/lib/portcullis)" = "700 portcullis portcullis" ]'
check config-mode '[ "$(stat -c "%a %U %G" /etc/portcullis/portcullis.yaml)" = "640 root portcullis" ]'
check unit-verifies 'out=$(systemd-analyze verify --man=no portcullis.service 2>&1); echo "$out"; [ -z "$out" ]'
check man-page 'MANWIDTH=80 man -l /usr/share/man/man1/portcullis.1.gz 2>&1 | grep -q "portcullis queue list"'
check completion 'bash -c ". /usr/share/bash-completion/completions/portcullis && complete -p portcullis"'

# Start it as systemd would: the unit's user, environment, capabilities and command.
unit=/lib/systemd/system/portcullis.service
user=$(sed -n 's/^User=//p' "$w/root$unit")
env=$(sed -n 's/^Environment=//p' "$w/root$unit" | tr '\n' ' ')
start=$(sed -n 's/^ExecStart=//p' "$w/root$unit")
ready=$(sed -n 's/^ExecStartPost=//p' "$w/root$unit")
reload=$(sed -n 's/^ExecReload=//p' "$w/root$unit")
as_service="setpriv --reuid=$user --regid=$user --init-groups --inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service --bounding-set=-all,+net_bind_service --no-new-privs env $env"
chroot "$w/root" /bin/sh -c "cd / && umask 0077 && exec $as_service $start" >"$w/upper/gateway.log" 2>&1 &
pid=$!
check ready "$as_service ${ready% --quiet}"
check runs-as-portcullis "ps -o user= -p \$(pgrep -f 'portcullis.jar run' | head -1) | grep -qx portcullis"
check smtp-on-port-25 'exec 3<>/dev/tcp/127.0.0.1/25 && read -r banner <&3 && echo "$banner" && printf "QUIT\r\n" >&3 && read -r bye <&3 && echo "$bye" | grep -q "^221" && echo "$banner" | grep -q "^220 mx.example.test ESMTP"' 
check health-over-http "$as_service /usr/bin/portcullis health --url http://127.0.0.1:8025/health"
check reload "$as_service $reload"
check admin-as-root '/usr/bin/portcullis queue list'
kill -TERM $pid
wait $pid
status=$?
if [ $status -eq 0 ] && grep -q "shutdown: done" "$w/upper/gateway.log"; then
  echo "CHECK graceful-stop: ok"
else
  echo "CHECK graceful-stop: FAIL: exit status $status"
  failed=1
fi
check purge 'dpkg --purge portcullis >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }; [ ! -e /var/lib/portcullis ] && [ ! -e /etc/portcullis ] && [ ! -e /usr/bin/portcullis ]'
[ $failed = 0 ] || { echo "gateway log:"; tail -40 "$w/upper/gateway.log"; }
exit $failed
