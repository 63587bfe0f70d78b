#!/usr/bin/env bash
# Deploy Commerce Hub on one VPS: build a release, check it, back up, migrate, switch, restart, verify,
# and roll back to the previous release automatically if anything after the switch fails.
#
#   deploy/deploy.sh [--ref REF] [--dry-run] [--skip-tests] [--skip-lint]
#
# Layout (HUB_ROOT, default /srv/commerce-hub):
#   repo/                 a git clone the operator keeps; `git fetch` brings new commits
#   releases/<stamp>-<sha>/   one folder per release, each with its own .venv and static/vendor
#   current -> releases/…     what systemd runs (deploy/systemd/*.service use /srv/commerce-hub/current)
#   shared/               data that outlives releases (HUB_VAR_DIR, imports)
# Settings come from HUB_ENV_FILE (default /etc/commerce-hub/hub.env), the same file the units read.
#
# Order, and why:
#   1. pre-flight: one deploy at a time (flock), free disk, build the release, its test suite against
#      throwaway embedded servers (never the production database), squawk over the SQL of the pending
#      migrations. Nothing running has changed yet: a failure here just stops.
#   2. backup (`flask hub backup`, with the running release), so a bad migration can be undone by restore.
#   3. migrations with lock_timeout: a migration that would queue behind a long lock fails fast instead of
#      blocking every page. Alembic runs in one transaction on PostgreSQL: a failed migration leaves nothing.
#      Migrations are expand-only (compatible with the release before them), so the old code keeps
#      running against the new schema until the switch, and after a rollback.
#   4. switch `current` atomically (rename of a symlink).
#   5. web: restart behind the systemd socket (connections wait in the backlog, none is refused).
#      A HUP reload is not enough: the new release has a new virtualenv.
#   6. workers: warm shutdown (SIGTERM to the main process, KillMode=mixed) lets the running job finish;
#      past HUB_WORKER_GRACE_SECONDS the job is killed and the run ledger resumes it from its checkpoint
#      on the new worker, so a deploy never waits two hours for a snapshot import.
#   7. health: /readyz (database, Redis, migrations at head) and every unit active.
#   On failure in 4–7: `current` goes back to the previous release and everything restarts on it.
set -Eeuo pipefail

HUB_ROOT=${HUB_ROOT:-/srv/commerce-hub}
REPO=${HUB_REPO:-$HUB_ROOT/repo}
ENV_FILE=${HUB_ENV_FILE:-/etc/commerce-hub/hub.env}
HEALTH_URL=${HUB_HEALTH_URL:-http://127.0.0.1:8000/readyz}
HEALTH_TIMEOUT=${HUB_HEALTH_TIMEOUT_SECONDS:-60}
WORKER_GRACE=${HUB_WORKER_GRACE_SECONDS:-120}
MIN_FREE_MB=${HUB_MIN_FREE_MB:-2048}
KEEP_RELEASES=${HUB_KEEP_RELEASES:-5}
LOCK_TIMEOUT=${HUB_MIGRATION_LOCK_TIMEOUT:-5s}
# e.g. SYSTEMCTL="sudo systemctl" when deploying as the hub user (see README, "Running on a VPS")
read -r -a SYSTEMCTL <<< "${SYSTEMCTL:-systemctl}"
WEB_UNIT=${HUB_WEB_UNIT:-commerce-hub-web.service}
SCHEDULER_UNIT=${HUB_SCHEDULER_UNIT:-commerce-hub-scheduler.service}
read -r -a WORKER_UNITS <<< "${HUB_WORKER_UNITS:-commerce-hub-worker-imports@1.service commerce-hub-worker-background@1.service}"

REF=main
DRY_RUN=0
RUN_TESTS=1
RUN_LINT=1

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --ref) REF=${2:?--ref needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --skip-tests) RUN_TESTS=0; shift ;;
    --skip-lint) RUN_LINT=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

step() { printf '==> %s\n' "$*"; }
fail() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command that changes something; in a dry run only say what it would be.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would run:'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

load_env() {
  if [ -r "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
  elif [ "$DRY_RUN" = 0 ]; then
    fail "$ENV_FILE is missing: copy deploy/hub.env.example there and fill it in"
  fi
}

free_mb() { df -Pm "$1" | awk 'NR == 2 { print $4 }'; }

existing_ancestor() {
  local path=$1
  until [ -d "$path" ]; do path=$(dirname "$path"); done
  printf '%s' "$path"
}

check_disk() {
  local path free
  for path in "$HUB_ROOT" "${BACKUP_DIR:-$HUB_ROOT}"; do
    path=$(existing_ancestor "$path")
    free=$(free_mb "$path")
    [ "$free" -ge "$MIN_FREE_MB" ] || fail "only ${free} MB free on $path (need ${MIN_FREE_MB} MB: a release, a backup)"
    printf '    %s: %s MB free\n' "$path" "$free"
  done
}

flask_in() { (cd "$1" && PGOPTIONS="${PGOPTIONS:-}" ./.venv/bin/flask --app wsgi "${@:2}"); }

build_release() {
  step "build $RELEASE from $REF ($SHA)"
  run mkdir -p "$RELEASE"
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would run: git -C %q archive %q | tar -x -C %q\n' "$REPO" "$SHA" "$RELEASE"
  else
    git -C "$REPO" archive "$SHA" | tar -x -C "$RELEASE"
  fi
  run make -C "$RELEASE" setup
}

run_tests() {
  [ "$RUN_TESTS" = 1 ] || { step "tests skipped (--skip-tests)"; return 0; }
  step "test suite of the new release (embedded throwaway servers; never the production database)"
  run env -u DATABASE_URL -u REDIS_URL HUB_VAR_DIR="$RELEASE/var-test" make -C "$RELEASE" test
}

lint_migrations() {
  [ "$RUN_LINT" = 1 ] || { step "migration lint skipped (--skip-lint)"; return 0; }
  step "lint the SQL of pending migrations (squawk, deploy/squawk.toml)"
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would run: flask db upgrade --sql <current>:head | squawk --config deploy/squawk.toml\n'
    return 0
  fi
  local current sql
  current=$(flask_in "$RELEASE" db current 2>/dev/null | awk '/^[0-9a-z_]+/ { print $1 }' | tail -n 1)
  sql="$RELEASE/pending-migrations.sql"
  if [ -n "$current" ]; then
    { printf "SET lock_timeout = '%s';\n" "$LOCK_TIMEOUT"; flask_in "$RELEASE" db upgrade --sql "$current:head"; } > "$sql"
  else
    { printf "SET lock_timeout = '%s';\n" "$LOCK_TIMEOUT"; flask_in "$RELEASE" db upgrade --sql head; } > "$sql"
  fi
  "$RELEASE/.venv/bin/squawk" --config "$RELEASE/deploy/squawk.toml" "$sql" \
    || fail "squawk found problems in the pending migrations ($sql)"
}

backup() {
  step "backup before migrating"
  local from="$RELEASE"
  [ -n "$PREVIOUS" ] && from="$PREVIOUS"
  run flask_in "$from" hub backup
}

migrate() {
  step "migrations (lock_timeout=$LOCK_TIMEOUT)"
  PGOPTIONS="-c lock_timeout=$LOCK_TIMEOUT" run flask_in "$RELEASE" db upgrade
}

switch_to() {
  step "switch current -> $1"
  run ln -sfn "$1" "$HUB_ROOT/current.new"
  run mv -T "$HUB_ROOT/current.new" "$HUB_ROOT/current"
}

main_pid() { "${SYSTEMCTL[@]}" show -p MainPID --value "$1" 2>/dev/null || echo 0; }

restart_web() {
  step "restart web behind its socket"
  run "${SYSTEMCTL[@]}" restart "$WEB_UNIT" || return 1
}

restart_worker() {
  local unit=$1 before waited=0
  before=$(main_pid "$unit")
  run "${SYSTEMCTL[@]}" restart --no-block "$unit" || return 1
  [ "$DRY_RUN" = 1 ] && return 0
  # Warm shutdown: the running job finishes, up to the grace period.
  while [ "$(main_pid "$unit")" = "$before" ] && [ "$before" != 0 ] && [ "$waited" -lt "$WORKER_GRACE" ]; do
    sleep 1; waited=$((waited + 1))
  done
  if [ "$(main_pid "$unit")" = "$before" ] && [ "$before" != 0 ]; then
    printf '    %s still busy after %s s: killing it; the run resumes from its checkpoint\n' "$unit" "$WORKER_GRACE"
    "${SYSTEMCTL[@]}" kill --signal=SIGKILL "$unit" || return 1
  fi
}

restart_background() {
  local unit
  step "restart workers (warm shutdown, grace ${WORKER_GRACE} s) and the scheduler"
  for unit in "${WORKER_UNITS[@]}"; do
    restart_worker "$unit" || return 1
  done
  run "${SYSTEMCTL[@]}" restart "$SCHEDULER_UNIT" || return 1
}

healthy() {
  step "health check: $HEALTH_URL and every unit active"
  [ "$DRY_RUN" = 1 ] && { printf '    would poll %s for up to %s s\n' "$HEALTH_URL" "$HEALTH_TIMEOUT"; return 0; }
  local deadline=$((SECONDS + HEALTH_TIMEOUT)) unit
  until curl -fsS --max-time 5 "$HEALTH_URL" >/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "    $HEALTH_URL not ready after ${HEALTH_TIMEOUT} s" >&2; return 1; }
    sleep 2
  done
  for unit in "$WEB_UNIT" "$SCHEDULER_UNIT" "${WORKER_UNITS[@]}"; do
    "${SYSTEMCTL[@]}" is-active --quiet "$unit" || { echo "    $unit is not active" >&2; return 1; }
  done
}

go_live() {
  switch_to "$RELEASE" || return 1
  restart_web || return 1
  restart_background || return 1
  healthy || return 1
}

rollback() {
  echo "!!! deploy of $RELEASE failed after the switch: rolling back to ${PREVIOUS:-nothing}" >&2
  [ -n "$PREVIOUS" ] || fail "there is no previous release to go back to"
  switch_to "$PREVIOUS"
  restart_web || true
  restart_background || true
  if healthy; then
    echo "rolled back to $PREVIOUS; the database keeps the new (compatible) migrations" >&2
  else
    echo "!!! the previous release is not healthy either: look at journalctl -u 'commerce-hub-*'" >&2
  fi
  exit 1
}

prune_releases() {
  step "keep the newest $KEEP_RELEASES releases"
  local keep_current keep_previous old
  keep_current=$(readlink -f "$HUB_ROOT/current" 2>/dev/null || true)
  keep_previous=$(readlink -f "${PREVIOUS:-/nonexistent}" 2>/dev/null || true)
  # Release names start with a UTC stamp, so a name sort is a time sort.
  while read -r old; do
    [ -n "$old" ] || continue
    [ "$old" = "$keep_current" ] || [ "$old" = "$keep_previous" ] && continue
    run rm -rf "$old"
  done < <(find "$HUB_ROOT/releases" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort -r | tail -n +"$((KEEP_RELEASES + 1))")
}

main() {
  [ "$DRY_RUN" = 1 ] && step "dry run: nothing is changed"
  load_env
  if [ "$DRY_RUN" = 0 ]; then
    mkdir -p "$HUB_ROOT/releases" "$HUB_ROOT/shared"
    exec 9> "$HUB_ROOT/deploy.lock"
    flock -n 9 || fail "another deploy is running (lock $HUB_ROOT/deploy.lock)"
  fi

  step "pre-flight"
  check_disk
  if git -C "$REPO" remote get-url origin >/dev/null 2>&1; then
    run git -C "$REPO" fetch --quiet origin
  fi
  SHA=$(git -C "$REPO" rev-parse --verify "$REF^{commit}" 2>/dev/null || git -C "$REPO" rev-parse --verify "origin/$REF^{commit}") \
    || fail "$REF is not a commit in $REPO"
  RELEASE="$HUB_ROOT/releases/$(date -u +%Y%m%dT%H%M%SZ)-${SHA:0:10}"
  PREVIOUS=$(readlink -f "$HUB_ROOT/current" 2>/dev/null || true)
  [ -d "$PREVIOUS" ] || PREVIOUS=""
  printf '    ref %s = %s; previous release: %s\n' "$REF" "$SHA" "${PREVIOUS:-none}"

  build_release
  run_tests
  lint_migrations
  backup
  migrate
  go_live || rollback
  prune_releases
  step "deployed $SHA ($RELEASE)"
}

main
