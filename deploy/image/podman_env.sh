# shellcheck shell=bash disable=SC2034  # PODMAN_PROBLEM is read by the caller
# Sourced by deploy/image/build.sh and the image tests: makes podman run
# containers on this host, or says why it cannot.
#
#   source deploy/image/podman_env.sh
#   podman_setup IMAGE || { echo "$PODMAN_PROBLEM"; exit 77; }
#
# On most hosts podman works as installed and nothing changes. Where it
# does not (here: root without CAP_SYS_RESOURCE, so the default container
# RLIMIT_NOFILE of 1048576 cannot be set; cgroup v1 with a cgroup v2
# hierarchy mounted beside it, which crun 1.8 refuses as "hybrid mode"),
# podman_setup writes a containers.conf that asks for limits the host
# allows and for runc, and exports CONTAINERS_CONF so every podman command
# of the caller (build, run, kube play) reads it.

# podman_setup IMAGE: 0 when `podman run IMAGE` works (perhaps after the
# change above); else 1 with the reason in PODMAN_PROBLEM.
podman_setup() {
  local image=$1 out
  PODMAN_PROBLEM=
  if ! command -v podman >/dev/null; then
    PODMAN_PROBLEM="podman is not installed (Debian package podman)"
    return 1
  fi
  probe() { podman run --rm --network=none --entrypoint /bin/sleep "$image" 0 2>&1; }
  out=$(probe) && return 0
  local conf=${SEEDANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/seedance}/containers.conf
  local nofile nproc runtime=
  nofile=$(ulimit -Hn)
  # podman itself runs with RLIMIT_NPROC at most 32768 (/proc/PID/limits),
  # and a container cannot be given more than its runtime has.
  nproc=$(ulimit -Hu)
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  command -v runc >/dev/null && runtime='runtime = "runc"'
  mkdir -p "$(dirname "$conf")"
  local tmp
  tmp=$(mktemp "$conf.XXXXXX")  # concurrent callers each replace it whole
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n[engine]\n%s\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" "$runtime" >"$tmp" && mv "$tmp" "$conf"
  export CONTAINERS_CONF=$conf
  local again
  again=$(probe) && return 0
  PODMAN_PROBLEM="podman cannot run a container here: $out; with $conf: $again"
  unset CONTAINERS_CONF
  return 1
}
