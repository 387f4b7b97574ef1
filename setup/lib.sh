# shellcheck shell=bash
# Bootstrap shared by setup/run, setup/test and setup/cloudcost.
#
#   cc_bootstrap  finds Odoo 18.0, builds the project virtualenv, finds or starts
#                 PostgreSQL and writes .local/odoo.conf.
#
# Everything the project creates on the machine lives in .venv/ and .local/
# (both ignored by git), except the Odoo source cache in the user's cache folder.

set -euo pipefail

CC_PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC_LOCAL_DIR=${CLOUDCOST_LOCAL_DIR:-$CC_PROJECT_DIR/.local}
CC_VENV=${CLOUDCOST_VENV:-$CC_PROJECT_DIR/.venv}
CC_CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/cloudcost
CC_ODOO_CACHE=$CC_CACHE_DIR/odoo-18.0
CC_ODOO_ARCHIVE_URL=${CLOUDCOST_ODOO_ARCHIVE_URL:-https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz}
CC_CONFIG=${CLOUDCOST_CONFIG:-$CC_LOCAL_DIR/odoo.conf}
CC_PG_STARTED=""

CC_REMEMBERED=$CC_LOCAL_DIR/bootstrap.env

cc_log() { printf '[cloudcost] %s\n' "$*" >&2; }
cc_die() {
    printf '[cloudcost] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------- what an earlier run found
# The Python, Odoo source and PostgreSQL server a command found are kept in .local/bootstrap.env, so that
# later commands find them again without the environment variables. A variable given now wins; a kept
# value that no longer works is passed over.
cc_remembered() { # name
    [ -f "$CC_REMEMBERED" ] || return 1
    sed -n "s/^$1=//p" "$CC_REMEMBERED" | tail -n 1
}

cc_remember() {
    mkdir -p "$CC_LOCAL_DIR"
    {
        echo "# Written by setup/: what the last bootstrap found (delete this file to look again)."
        echo "PYTHON=$CC_PYTHON"
        [ "$CC_ODOO_MODE" = source ] && echo "ODOO_SRC=$CC_ODOO_SRC"
        if [ -n "${CC_PG_EXTERNAL:-}" ]; then
            echo "PGHOST=$CC_DB_HOST"
            echo "PGPORT=$CC_DB_PORT"
            echo "PGUSER=$CC_DB_USER"
        fi
    } >"$CC_REMEMBERED.tmp"
    mv "$CC_REMEMBERED.tmp" "$CC_REMEMBERED"
}

# ---------------------------------------------------------------- Python
cc_find_python() {
    local candidate
    for candidate in ${PYTHON:-} $(cc_remembered PYTHON) python3.12 python3.11 python3.10 python3; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
            CC_PYTHON=$(command -v "$candidate")
            return 0
        fi
    done
    cc_die "Odoo 18.0 needs Python 3.10, 3.11 or 3.12; none was found (set PYTHON=/path/to/python3.x)."
}

# ---------------------------------------------------------------- Odoo
# An Odoo 18.0 source tree has odoo/release.py with version_info = (18, 0, ...).
cc_is_odoo18_tree() {
    [ -f "$1/odoo/release.py" ] && grep -Eq '^version_info = \(18, 0,' "$1/odoo/release.py"
}

cc_download_odoo() {
    local tmp
    command -v curl >/dev/null 2>&1 || return 1
    mkdir -p "$CC_CACHE_DIR"
    tmp=$(mktemp -d "$CC_CACHE_DIR/download.XXXXXX")
    cc_log "Downloading Odoo 18.0 Community from $CC_ODOO_ARCHIVE_URL into $CC_ODOO_CACHE"
    if curl -fL --retry 2 --connect-timeout 20 "$CC_ODOO_ARCHIVE_URL" | tar -xz -C "$tmp" --strip-components=1 &&
        cc_is_odoo18_tree "$tmp"; then
        rm -rf "$CC_ODOO_CACHE"
        mv "$tmp" "$CC_ODOO_CACHE"
        return 0
    fi
    rm -rf "$tmp"
    return 1
}

# Sets CC_ODOO_MODE (source|installed) and CC_ODOO_SRC (source tree, source mode).
# Order: $ODOO_SRC, an importable odoo 18.0, the cache folder (downloaded if missing).
cc_find_odoo() {
    local kept
    kept=$(cc_remembered ODOO_SRC || true)
    if [ -z "${ODOO_SRC:-}" ] && [ -n "$kept" ] && cc_is_odoo18_tree "$kept"; then
        ODOO_SRC=$kept
    fi
    if [ -n "${ODOO_SRC:-}" ]; then
        cc_is_odoo18_tree "$ODOO_SRC" || cc_die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree (no odoo/release.py with version 18.0)."
        CC_ODOO_MODE=source CC_ODOO_SRC=$(cd "$ODOO_SRC" && pwd)
        return 0
    fi
    if "$CC_PYTHON" -c 'import sys, odoo.release as r; sys.exit(r.version_info[:2] != (18, 0))' >/dev/null 2>&1; then
        CC_ODOO_MODE=installed CC_ODOO_SRC=""
        return 0
    fi
    if cc_is_odoo18_tree "$CC_ODOO_CACHE" || cc_download_odoo; then
        CC_ODOO_MODE=source CC_ODOO_SRC=$CC_ODOO_CACHE
        return 0
    fi
    cc_die "Odoo 18.0 was not found. Provide it in one of these ways:
  1. ODOO_SRC=/path/to/odoo-18.0 (a checkout of https://github.com/odoo/odoo branch 18.0)
  2. an 'odoo' 18.0 package importable by $CC_PYTHON
  3. the cache folder $CC_ODOO_CACHE, filled automatically from
     $CC_ODOO_ARCHIVE_URL when the network allows (that download failed)."
}

# ---------------------------------------------------------------- virtualenv
cc_ensure_build_prerequisites() {
    command -v pg_config >/dev/null 2>&1 && return 0
    cc_apt_install libpq-dev ||
        cc_die "pg_config not found: install the PostgreSQL client headers (Debian/Ubuntu: sudo apt-get install libpq-dev)."
}

# Apt packages, installed only when running as root on Debian/Ubuntu; returns non-zero otherwise.
cc_apt_install() {
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
    cc_log "Installing $* with apt"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The browser of Odoo's UI tours (HttpCase): a tour fails, never skips, when none can run.
cc_find_browser() {
    local bin
    for bin in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$bin" >/dev/null 2>&1 && return 0
    done
    cc_apt_install chromium ||
        cc_die "No Chrome or Chromium found for the UI tours. Install one (Debian/Ubuntu: sudo apt-get install chromium)."
}

# Odoo renders PDF reports (the auditor pack's summary) with wkhtmltopdf.
cc_find_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null 2>&1 && return 0
    cc_apt_install wkhtmltopdf ||
        cc_die "wkhtmltopdf not found for PDF reports. Install it (Debian/Ubuntu: sudo apt-get install wkhtmltopdf)."
}

cc_focus_validator() {
    # The FinOps Foundation's focus-validator in a virtualenv of its own (its pins differ from ours);
    # rebuilt only when setup/focus-validator.txt or the Python changes. Sets CC_FOCUS_VALIDATOR.
    local venv=$CC_LOCAL_DIR/focus-validator want
    want=$( (cat "$CC_PROJECT_DIR/setup/focus-validator.txt"; echo "$CC_PYTHON") | sha256sum | cut -d' ' -f1)
    CC_FOCUS_VALIDATOR=$venv/bin/focus-validator
    if [ -x "$CC_FOCUS_VALIDATOR" ] && [ "$(cat "$venv/.cloudcost-stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    cc_log "Installing the FOCUS validator (setup/focus-validator.txt) into $venv"
    rm -rf "$venv"
    "$CC_PYTHON" -m venv "$venv" || cc_die "could not create the virtualenv $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$CC_PROJECT_DIR/setup/focus-validator.txt" \
        2> >(grep -v "^WARNING: Location 'file:" >&2) ||
        cc_die "installing focus-validator from PyPI failed (setup/focus-validator.txt)"
    echo "$want" >"$venv/.cloudcost-stamp"
}

# The Azure tests run Azurite, the Azure Storage emulator, which the tests install from npm on first use.
cc_find_npm() {
    command -v npm >/dev/null 2>&1 && return 0
    cc_apt_install npm ||
        cc_die "npm not found for the Azure Storage emulator of the tests. Install Node.js and npm (Debian/Ubuntu: sudo apt-get install npm)."
}

cc_pip() {
    # Local index folders named in a machine-wide pip configuration may not exist: hide that noise.
    "$CC_VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location 'file:" >&2)
}

cc_ensure_venv() {
    local stamp want
    stamp=$CC_VENV/.cloudcost-stamp
    want=$( (cat "$CC_PROJECT_DIR"/requirements*.txt "$CC_PROJECT_DIR/constraints.txt"; echo "$CC_PYTHON $CC_ODOO_MODE $CC_ODOO_SRC") | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$CC_VENV/bin/python" ]; then
        return 0
    fi
    cc_ensure_build_prerequisites
    if [ ! -x "$CC_VENV/bin/python" ]; then
        cc_log "Creating virtualenv $CC_VENV"
        if [ "$CC_ODOO_MODE" = installed ]; then
            "$CC_PYTHON" -m venv --system-site-packages "$CC_VENV"
        else
            "$CC_PYTHON" -m venv "$CC_VENV"
        fi
    fi
    cc_log "Installing Python dependencies (requirements.txt under constraints.txt)"
    cc_pip -U pip wheel setuptools
    cc_pip -r "$CC_PROJECT_DIR/requirements.txt" -c "$CC_PROJECT_DIR/constraints.txt"
    # Odoo addons published on PyPI declare a dependency on an "odoo" distribution, which a source
    # tree on the path is not: install them without it (their own Python needs are in requirements.txt).
    cc_pip --no-deps -r "$CC_PROJECT_DIR/requirements-odoo-addons.txt" -c "$CC_PROJECT_DIR/constraints.txt"
    local site
    site=$("$CC_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    if [ "$CC_ODOO_MODE" = source ]; then
        echo "$CC_ODOO_SRC" >"$site/cloudcost-odoo-src.pth"
    else
        rm -f "$site/cloudcost-odoo-src.pth"
    fi
    "$CC_VENV/bin/python" -c 'import odoo.release as r; assert r.version_info[:2] == (18, 0), r.version' ||
        cc_die "the virtualenv cannot import Odoo 18.0"
    echo "$want" >"$stamp"
}

# ---------------------------------------------------------------- PostgreSQL
cc_pg_bindir() {
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/pgsql/bin; do
        [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    return 1
}

# A server answers and the role may create databases, and is not 'postgres'.
cc_pg_usable() { # host port user
    local role
    role=$(PGCONNECT_TIMEOUT=3 psql -X -A -t -h "$1" -p "$2" -U "$3" -d postgres \
        -c "SELECT rolname FROM pg_roles WHERE rolname = current_user AND (rolcreatedb OR rolsuper)" 2>/dev/null) || return 1
    [ -n "$role" ] && [ "$role" != postgres ]
}

cc_as_pg_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$CC_PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

cc_start_private_postgres() {
    local bindir base
    bindir=$(cc_pg_bindir) || {
        cc_apt_install postgresql ||
            cc_die "No PostgreSQL server answers and no server binaries (initdb, pg_ctl) are installed. Install PostgreSQL or set PGHOST/PGPORT/PGUSER."
        bindir=$(cc_pg_bindir) || cc_die "PostgreSQL server binaries still not found after installing them."
    }
    base=$CC_LOCAL_DIR/postgres
    CC_PG_OS_USER=${CLOUDCOST_PG_OS_USER:-nobody}
    mkdir -p "$base"
    if [ "$(id -u)" = 0 ]; then
        # PostgreSQL refuses to run as root: the private cluster belongs to an unprivileged user.
        chown "$CC_PG_OS_USER" "$base"
        runuser -u "$CC_PG_OS_USER" -- test -w "$base" ||
            cc_die "$CC_PG_OS_USER cannot write $base (a parent folder is not traversable); set CLOUDCOST_LOCAL_DIR to a folder it can reach."
    fi
    CC_DB_HOST=$base/run CC_DB_PORT=${CLOUDCOST_PGPORT:-5432} CC_DB_USER=odoo CC_DB_PASSWORD=""
    if [ ! -f "$base/data/PG_VERSION" ]; then
        cc_log "Creating a private PostgreSQL cluster in $base (role 'odoo', local socket only)"
        cc_as_pg_owner mkdir -p "$base/run"
        cc_as_pg_owner "$bindir/initdb" -D "$base/data" -U odoo --auth=trust -E UTF8 --locale=C >"$base/initdb.log" 2>&1 ||
            cc_die "initdb failed, see $base/initdb.log"
    fi
    if cc_as_pg_owner "$bindir/pg_ctl" -D "$base/data" status >/dev/null 2>&1; then
        cc_log "Using the private PostgreSQL server already running in $base"
        return 0
    fi
    cc_log "Starting the private PostgreSQL server in $base"
    # A throwaway development cluster: durability settings are traded for speed.
    cc_as_pg_owner "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
        -o "-k $base/run -p $CC_DB_PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || cc_die "PostgreSQL did not start, see $base/server.log"
    CC_PG_STARTED="$bindir/pg_ctl -D $base/data"
}

# The private server this command started is stopped when it leaves, unless other clients (a server of
# ./setup/run, another command) still use it.
cc_stop_postgres_if_started() {
    local others
    if [ -n "$CC_PG_STARTED" ]; then
        others=$(cc_psql postgres -A -t -c "SELECT count(*) FROM pg_stat_activity
                  WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" 2>/dev/null || echo 0)
        if [ "${others:-0}" -gt 0 ]; then
            cc_log "Leaving the PostgreSQL server this command started running: $others other client(s) use it"
        else
            cc_log "Stopping the PostgreSQL server this command started"
            cc_as_pg_owner $CC_PG_STARTED -m fast stop >/dev/null 2>&1 || true
        fi
        CC_PG_STARTED=""
    fi
}

# Sets CC_DB_HOST, CC_DB_PORT, CC_DB_USER, CC_DB_PASSWORD.
cc_find_postgres() {
    if [ -z "${PGHOST:-}${PGPORT:-}" ] && [ -n "$(cc_remembered PGHOST || true)" ]; then
        PGHOST=$(cc_remembered PGHOST) PGPORT=$(cc_remembered PGPORT) PGUSER=${PGUSER:-$(cc_remembered PGUSER)}
    fi
    local user=${PGUSER:-$(id -un)}
    CC_PG_EXTERNAL=""
    if [ -n "${PGHOST:-}${PGPORT:-}" ]; then
        if cc_pg_usable "${PGHOST:-localhost}" "${PGPORT:-5432}" "$user"; then
            CC_DB_HOST=${PGHOST:-localhost} CC_DB_PORT=${PGPORT:-5432} CC_DB_USER=$user CC_DB_PASSWORD=${PGPASSWORD:-}
            CC_PG_EXTERNAL=1
            cc_log "Using PostgreSQL at $CC_DB_HOST:$CC_DB_PORT as $CC_DB_USER"
            return 0
        fi
        cc_log "PGHOST/PGPORT ($PGHOST:${PGPORT:-5432}) does not answer for role $user (or the role is 'postgres', which Odoo refuses)"
    fi
    local socket
    for socket in /var/run/postgresql /tmp; do
        if [ -S "$socket/.s.PGSQL.5432" ] && cc_pg_usable "$socket" 5432 "$user"; then
            CC_DB_HOST=$socket CC_DB_PORT=5432 CC_DB_USER=$user CC_DB_PASSWORD=${PGPASSWORD:-}
            cc_log "Using the local PostgreSQL server at $socket as $user"
            return 0
        fi
    done
    cc_start_private_postgres
}

# ---------------------------------------------------------------- Odoo config
# Test-only addons (tests/addons: worked examples of the extension seams) are on the path and installed
# only when CC_WITH_TEST_ADDONS=1, which ./setup/test sets; never in ./setup/run's production shape.
cc_addons_path() {
    local extra=""
    [ "${CC_WITH_TEST_ADDONS:-0}" = 1 ] && extra=$CC_PROJECT_DIR/tests/addons
    "$CC_VENV/bin/python" - "$CC_PROJECT_DIR/addons" $extra <<'EOF'
import os, sys, odoo
root = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(os.path.dirname(root), "addons"), os.path.join(root, "addons"), *sys.argv[1:]]
print(",".join(p for p in paths if os.path.isdir(p)))
EOF
}

# The database manager's master password: CLOUDCOST_MASTER_PASSWORD, else a random one generated once
# and kept in .local/master-password (readable by its owner only).
cc_master_password() {
    local file=$CC_LOCAL_DIR/master-password
    if [ -n "${CLOUDCOST_MASTER_PASSWORD:-}" ]; then
        printf '%s' "$CLOUDCOST_MASTER_PASSWORD"
        return 0
    fi
    if [ ! -s "$file" ]; then
        (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$file.$$" && mv "$file.$$" "$file") ||
            cc_die "cannot write the master password to $file"
    fi
    chmod 600 "$file"
    cat "$file"
}

cc_write_config() {
    local master
    mkdir -p "$CC_LOCAL_DIR"
    master=$(cc_master_password)
    # the configuration holds the master password (and the database's, if any): its owner's only
    (umask 077 && cat >"$CC_CONFIG" <<EOF
; Written by setup/ on every run from the environment it found; edit odoo.conf.example instead.
[options]
addons_path = $(cc_addons_path)
data_dir = $CC_LOCAL_DIR/data
db_host = $CC_DB_HOST
db_port = $CC_DB_PORT
db_user = $CC_DB_USER
db_password = ${CC_DB_PASSWORD:-False}
; the database manager's master password (.local/master-password unless CLOUDCOST_MASTER_PASSWORD is set)
admin_passwd = $master
; this machine only, unless CLOUDCOST_HTTP_INTERFACE says otherwise (0.0.0.0: every interface)
http_interface = ${CLOUDCOST_HTTP_INTERFACE:-127.0.0.1}
http_port = ${CLOUDCOST_HTTP_PORT:-8069}
list_db = True
; folders of this machine that bill sources may read (comma-separated; empty: uploads and S3 only)
cloud_cost_import_roots = ${CLOUDCOST_IMPORT_ROOTS:-}
; queue_job's runner (imports and allocation runs in the background) starts with the server
server_wide_modules = base,web,queue_job

[queue_job]
channels = ${CLOUDCOST_QUEUE_JOB_CHANNELS:-root:2}
EOF
    )
    chmod 600 "$CC_CONFIG"
}

# The server of ./setup/run is shaped as in production: prefork workers under Odoo's default memory
# limits (a worker past them is replaced), a websocket port of its own, one cron thread, and
# queue_job's runner in the main process. CLOUDCOST_WORKERS=0 serves threaded, for debugging.
cc_write_server_options() {
    local workers=${CLOUDCOST_WORKERS:-2} gevent_port=${CLOUDCOST_GEVENT_PORT:-}
    if [ -z "$gevent_port" ]; then
        gevent_port=$("$CC_VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    {
        echo "; ./setup/run: the server's shape"
        echo "workers = $workers"
        echo "gevent_port = $gevent_port"
        echo "max_cron_threads = 1"
        # queue jobs (imports, runs) are requests of queue_job's runner to the workers
        echo "limit_time_cpu = 3600"
        echo "limit_time_real = 7200"
    } >"$CC_CONFIG.server"
    # the options belong to [options], the first section of the file
    awk -v extra="$CC_CONFIG.server" '
        /^\[/ && seen++ == 1 { while ((getline line < extra) > 0) print line; print "" }
        { print }
        END { if (seen < 2) while ((getline line < extra) > 0) print line }
    ' "$CC_CONFIG" >"$CC_CONFIG.tmp"
    mv "$CC_CONFIG.tmp" "$CC_CONFIG"
    rm -f "$CC_CONFIG.server"
}

# Addons of this project (Odoo orders them by dependency); CLOUDCOST_MODULES narrows the list.
cc_project_modules() {
    local manifest mods=""
    if [ -n "${CLOUDCOST_MODULES:-}" ]; then
        echo "$CLOUDCOST_MODULES"
        return 0
    fi
    local dirs=("$CC_PROJECT_DIR"/addons/*/__manifest__.py)
    [ "${CC_WITH_TEST_ADDONS:-0}" = 1 ] && dirs+=("$CC_PROJECT_DIR"/tests/addons/*/__manifest__.py)
    for manifest in "${dirs[@]}"; do
        [ -f "$manifest" ] || continue
        mods="${mods:+$mods,}$(basename "$(dirname "$manifest")")"
    done
    echo "$mods"
}

# The lines of an install log that fail a run, as OCA's checklog does: errors and critical errors of any
# module, and warnings of the suite's own modules (their loggers) or about them (a warning of Odoo's
# that names one of the suite's models or addons, such as two fields of one model with the same label).
cc_install_log_problems() { # log
    grep -E " (ERROR|CRITICAL) | WARNING [^ ]+ (odoo\.addons\.cloud_cost[a-z0-9_]*[.:]|[^ ]+: .*cloud[._]cost)" "$1"
}

cc_psql() { # database, psql args...
    local db=$1
    shift
    PGPASSWORD=${CC_DB_PASSWORD:-} psql -X -q -v ON_ERROR_STOP=1 -h "$CC_DB_HOST" -p "$CC_DB_PORT" -U "$CC_DB_USER" -d "$db" "$@"
}

cc_db_exists() {
    [ "$(cc_psql postgres -A -t -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]
}

# Odoo's own console entry point: when Odoo restarts itself (memory limit, module install, SIGHUP) it
# re-executes its argv[0], which must be a script, not the package run with "python -m".
cc_odoo_bin() {
    if [ "$CC_ODOO_MODE" = source ]; then
        echo "$CC_ODOO_SRC/odoo-bin"
    elif [ -x "$CC_VENV/bin/odoo" ]; then
        echo "$CC_VENV/bin/odoo"
    else
        command -v odoo || cc_die "the installed Odoo 18.0 has no 'odoo' command on PATH"
    fi
}

cc_odoo() {
    # Odoo re-executes itself as plain "python": the virtualenv's must come first on PATH
    PATH="$CC_VENV/bin:$PATH" "$CC_VENV/bin/python" "$(cc_odoo_bin)" -c "$CC_CONFIG" "$@"
}

cc_bootstrap() {
    cc_find_python
    cc_find_odoo
    cc_ensure_venv
    cc_find_postgres
    cc_write_config
    cc_remember
}
