# Sourced by bin/ scripts: sets JAVA_HOME to a JDK 21 or newer, or exits with a clear message.
# Looks at JAVA_HOME, then the java on PATH, then every JDK under /usr/lib/jvm (newest first).

java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java.specification.version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

find_jdk() {
  local candidates=() java dir major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  java=$(command -v java 2>/dev/null || true)
  [ -n "$java" ] && candidates+=("$(readlink -f "$java")")
  for dir in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -V -r); do
    candidates+=("${dir%/}/bin/java")
  done
  for java in "${candidates[@]}"; do
    [ -x "$java" ] || continue
    dir=$(dirname "$(dirname "$java")")
    [ -x "$dir/bin/javac" ] || continue
    major=$(java_major "$java")
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk); then
  echo "portcullis: no JDK 21 or newer found (looked at JAVA_HOME, the java on PATH and /usr/lib/jvm/*)." >&2
  echo "portcullis: install one (for example: apt-get install openjdk-21-jdk-headless) or set JAVA_HOME." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven 3.8 on JDK 24+ warns about sun.misc.Unsafe on every run; the warning is Maven's, not ours.
if [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ]; then
  case "${MAVEN_OPTS:-}" in *sun-misc-unsafe*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
fi
