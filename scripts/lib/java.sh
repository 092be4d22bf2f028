# Sourced by bin/dstack4j and scripts/*: finds a JDK >= 21 and exports JAVA_HOME, or explains.
# The machine's default java may be older (Debian 12 ships 17); Temurin or OpenJDK >= 21 under
# /usr/lib/jvm is picked automatically.

java_major() { # JDK_DIR -> major version number, or nothing
  # The JDK's release file answers without starting a JVM (each start costs ~50-100 ms).
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" | head -n1
  else
    "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
  fi
}

find_jdk21() {
  local cand best="" best_major=0 major
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(java_major "$cand")
    [ -n "$major" ] || continue
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$cand; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "dstack4j needs a JDK 21 or newer (java and javac), and none was found in \$JAVA_HOME or /usr/lib/jvm." >&2
    echo "Install one, e.g. 'apt-get install openjdk-21-jdk-headless' (Debian 13) or Temurin 21, then retry" >&2
    echo "(or point JAVA_HOME at it)." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
