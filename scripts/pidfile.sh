# Sourced by the scripts that run a daemon from a pid file of their own (proxy.sh, sip.sh): find it and stop it
# by its PID, never by its name (other sessions on the machine run the same programs).

# pid_of FILE COMMAND: the PID in FILE when that process runs COMMAND, else nothing (a stale pid file may name a
# PID that another process has now).
pid_of() {
  local pid
  [ -s "$1" ] || return 0
  pid="$(tr -dc '0-9' < "$1")"
  if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = "$2" ]; then echo "$pid"; fi
}

# stop_pid PID SECONDS: ask the process to end (TERM) and wait up to SECONDS for it; status 1 if it still runs.
stop_pid() {
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  ! kill -0 "$1" 2>/dev/null
}
