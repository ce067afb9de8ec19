# Sourced by bin/test: installs the Debian packages the interop tests drive, when it can
# (root on Debian). Where it cannot, it says loudly which programs are missing; the tests that
# need them are then skipped with a line naming the program. Under CI=true (.ci/run sets it) a
# missing program is a hard failure here, before any test runs: CI must run every interop test.

# program -> Debian package
declare -A needed=(
  [smtp-source]=postfix
  [smtp-sink]=postfix
  [swaks]=swaks
  [dnsmasq]=dnsmasq-base   # the binary only: no system DNS service is configured or started
  [chromium]=chromium      # the dashboard's browser test, headless
  [chromedriver]=chromium-driver
  [spamd]=spamd            # content checks: SpamAssassin, started by the tests on a loopback port
  [clamd]=clamav-daemon    # ClamAV, with a signature database the tests write (no download)
  [rspamd]=rspamd
  [opendkim]=opendkim      # a real milter
  [dkimverify]=python3-dkim  # an independent DKIM verifier
  [nsd]=nsd                # an authoritative DNS server for the RFC 7208 suite's zones
  [unbound]=unbound        # a DNSSEC-validating resolver for the DANE tests (started by them on loopback)
  [ldns-signzone]=ldnsutils  # signs the DANE tests' zone (with ldns-keygen's keys)
  [ldns-keygen]=ldnsutils
  [redis-server]=redis-server  # shared state of several nodes (started by the tests on a loopback port, no persistence)
  [pg_ctlcluster]=postgresql  # PostgreSQL: the tests initdb and start their own server in a temp dir on loopback
  [haproxy]=haproxy        # a real load balancer sending PROXY v1/v2 headers (started by the tests on loopback)
  [prlimit]=util-linux     # lowers the gateway process's descriptor limit (AcceptBackoffTest)
  [testssl]=testssl.sh     # scans the listeners' TLS as an admin would (the package installs /usr/bin/testssl)
  [openssl]=openssl        # an independent TLSA 3 1 1 digest of the listener certificate (MtaStsPublishingTest)
  [lintian]=lintian        # checks the Debian package (PackagingTest)
  [systemd-analyze]=systemd  # verifies the service unit (PackagingTest)
  [podman]=podman          # builds and runs the container image (ContainerImageTest), no daemon
  [runc]=runc              # podman's runtime where crun refuses the machine's cgroups (hybrid mode)
  [fail2ban-regex]=fail2ban   # checks the shipped fail2ban filter against a real gateway log (no jail is started)
  [promtool]=prometheus    # checks and unit-tests packaging/prometheus/portcullis-alerts.yml (OperatorMetricsTest); the service is never started
)
# files -> Debian package
declare -A needed_files=(
  [/usr/share/doc/python3-spf/rfc7208-tests.yml.gz]=python3-spf   # the RFC 7208 test suite
  [/usr/lib/python3/dist-packages/Milter/__init__.py]=python3-milter   # pymilter: a milter that changes the envelope
)
perl_modules=(Net::SSLeay)   # swaks --tls needs libnet-ssleay-perl

missing_packages=()
for program in "${!needed[@]}"; do
  command -v "$program" >/dev/null 2>&1 || missing_packages+=("${needed[$program]}")
done
for file in "${!needed_files[@]}"; do
  [ -e "$file" ] || missing_packages+=("${needed_files[$file]}")
done
perl -MNet::SSLeay -e1 2>/dev/null || missing_packages+=(libnet-ssleay-perl)
mapfile -t missing_packages < <(printf '%s\n' "${missing_packages[@]}" | sort -u | sed '/^$/d')

if [ ${#missing_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bin/test: installing Debian packages for the interop tests: ${missing_packages[*]}"
    # Never configure or start the system Postfix: we only want smtp-source and smtp-sink.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    policy_added=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_added=1
    fi
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" \
      || echo "bin/test: WARNING: apt-get install failed for: ${missing_packages[*]}"
    [ -n "$policy_added" ] && rm -f /usr/sbin/policy-rc.d
  fi
fi

missing_now=()
for program in "${!needed[@]}"; do
  if ! command -v "$program" >/dev/null 2>&1; then
    missing_now+=("program '$program' (Debian package ${needed[$program]})")
  fi
done
for file in "${!needed_files[@]}"; do
  [ -e "$file" ] || missing_now+=("file $file (Debian package ${needed_files[$file]})")
done
perl -MNet::SSLeay -e1 2>/dev/null || missing_now+=("Perl module Net::SSLeay (Debian package libnet-ssleay-perl)")
for missing in "${missing_now[@]}"; do
  if [ "${CI:-}" = true ]; then
    echo "bin/test: ERROR: $missing is missing and CI=true: every interop test must run in CI" >&2
  else
    echo "bin/test: WARNING: $missing is missing: its interop tests will be SKIPPED"
  fi
done
if [ ${#missing_now[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
  echo "bin/test: FAILED: ${#missing_now[@]} required test peer(s) could not be installed (see above)" >&2
  exit 1
fi
