# Sourced by bin/dstack4j and scripts/launcher-image: (re)builds cli/target/dstack4j.jar (or another
# module's jar: build_cli_jar PREFIX MODULE, with CLI_JAR set to it) (and its
# lib/ folder of runtime dependencies) when a source or pom is newer than the jar. Needs ROOT and a
# JAVA_HOME from find_jdk21.

CLI_JAR="$ROOT/cli/target/dstack4j.jar"

cli_jar_stale() {
  [ ! -f "$CLI_JAR" ] && return 0
  [ -n "$(find "$ROOT" \( -name target -o -name .git -o -name node_modules \) -prune -o \
        \( -name '*.java' -o -name 'pom.xml' -o -path '*/src/main/resources/*' \) -newer "$CLI_JAR" -print -quit)" ]
}

build_cli_jar() { # PREFIX [MODULE]: name printed in messages; the module whose jar $CLI_JAR is (default cli)
  local log
  echo "$1: building (sources changed)…" >&2
  log=$(mktemp)
  if ! (cd "$ROOT" && mvn -q -B -ntp package -DskipTests -pl "${2:-cli}" -am >"$log" 2>&1); then
    grep -v 'sun.misc.Unsafe\|WARNING: Please consider' "$log" >&2; rm -f "$log"
    echo "$1: build failed (above); run 'mvn -B package -DskipTests' in $ROOT for details" >&2; return 1
  fi
  rm -f "$log" "$ROOT"/cli/target/dstack4j-*.jsa
  touch "$CLI_JAR"  # maven leaves an unchanged jar's mtime as it was
}

# For scripts that start many short CLI JVMs (scripts/demo cluster, bench/cluster): a class-data-sharing archive of
# the classes `dstack4j --help` loads (picocli and every command), made once per jar build by one training run and
# moved into place whole (JVMs that dump an archive at exit at the same time could leave a torn one). Prints its
# path, or nothing when it cannot be made (the JVMs then start without one).
cli_class_archive() {
  local jsa="$ROOT/cli/target/dstack4j-scripts.jsa" tmp="$ROOT/cli/target/dstack4j-scripts.$$.tmp"
  if [ ! -f "$jsa" ] || [ "$CLI_JAR" -nt "$jsa" ]; then
    "$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$tmp" -Xlog:disable \
      -jar "$CLI_JAR" --help >/dev/null 2>&1 || true
    if [ -f "$tmp" ]; then mv -f "$tmp" "$jsa"; fi
  fi
  if [ -f "$jsa" ]; then echo "$jsa"; fi
}
