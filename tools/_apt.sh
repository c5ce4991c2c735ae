# Sourced by tools/install_*.sh: install Debian packages the tests need, as root or through
# sudo, and check that what they provide is there.

# apt_install SCRIPT "PATH..." PACKAGE...: apt-get install the packages, then check that every
# path is executable; on any failure, a line naming SCRIPT on stderr and exit 1. Sets SUDO
# (empty as root) for the caller's own follow-up commands.
apt_install() {
    local script=$1 paths=$2
    shift 2
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$script: apt-get not found; install $* so that $paths exist" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "$script: must run as root (or with sudo available) to install $*" >&2
        exit 1
    fi
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
    local path
    for path in $paths; do
        if [ ! -x "$path" ]; then
            echo "$script: packages installed but $path is missing" >&2
            exit 1
        fi
    done
}
