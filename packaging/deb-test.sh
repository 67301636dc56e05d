#!/usr/bin/env bash
# Installs smiley-device and smiley-hub with `apt-get install ./x.deb` into a throwaway copy of a minimal
# Debian 12 root (debian-root.sh), checks files, users, modes and that the binaries run, then removes and
# purges them and checks that exactly the packages' own things are gone. Needs root (chroot).
#
# usage: deb-test.sh DEB_DIRECTORY
set -uo pipefail
debs="${1:?usage: deb-test.sh DEB_DIRECTORY}"
here="$(cd "$(dirname "$0")" && pwd)"
arch="$(dpkg --print-architecture)"
device_deb="$(ls "${debs}"/smiley-device_*_"${arch}".deb | tail -n 1)"
hub_deb="$(ls "${debs}"/smiley-hub_*_"${arch}".deb | tail -n 1)"
version="$(dpkg-deb -f "${hub_deb}" Version)"
cached="$("${here}/debian-root.sh")" || exit 1
root="$(mktemp -d /tmp/smiley-deb-test.XXXXXX)"
passed=0
failed=0

check() {
    local name="$1"
    shift
    if "$@"; then
        echo "✔ ${name}"
        passed=$((passed + 1))
    else
        echo "✘ ${name}"
        failed=$((failed + 1))
    fi
}
in_root() { chroot "${root}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
# Mode and owner as the root's own user database names them.
mode_owner() {
    local got
    got="$(chroot "${root}" stat -c '%a %U:%G' "$1")"
    [ "${got}" = "$2" ] || { echo "  $1: ${got}, expected $2"; false; }
}
# Every path of the root but apt's and dpkg's own bookkeeping, logs and caches.
listing() {
    (cd "${root}" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/lib/apt -o -path ./var/cache -o \
        -path ./var/log -o -path ./tmp -o -path ./proc -o -path ./run \) -prune -o -print | sort)
}
finish() {
    umount "${root}/proc" 2>/dev/null
    echo "package tests: ${passed} passed, ${failed} failed"
    [ "${failed}" -eq 0 ] && rm -rf "${root}"
    [ "${failed}" -eq 0 ] || echo "kept ${root}"
    [ "${failed}" -eq 0 ]
}

cp -a "${cached}/." "${root}/"
# /proc as on any running system: Swift's runtime finds argv through /proc/self/maps (the commands no
# longer depend on that, Sources/CSmileyArguments), and libdispatch's worker-pool monitor reads
# /proc/PID/task/*/stat and traps (SIGILL) within about a second where it cannot, whatever the command.
mount -t proc proc "${root}/proc" || { echo "cannot mount /proc in ${root}"; exit 1; }
cp /etc/resolv.conf "${root}/etc/resolv.conf"
cp "${device_deb}" "${hub_deb}" "${root}/tmp/"
# The packages' library dependencies first, so the listing before and after covers only the packages.
dependencies="$( (dpkg-deb -f "${device_deb}" Depends; dpkg-deb -f "${hub_deb}" Depends) | tr ',' '\n' |
    sed -E 's/\(.*\)//; s/\|.*//; s/ //g' | sort -u | tr '\n' ' ')"
# shellcheck disable=SC2086
in_root apt-get install -y -qq --no-install-recommends ${dependencies} >/dev/null || { echo "dependencies: ${dependencies}"; failed=1; finish; exit 1; }
before="$(listing)"

in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "${device_deb}")" "/tmp/$(basename "${hub_deb}")" \
    >"${root}/tmp/install.log" 2>&1
check "apt-get installs both packages" [ $? -eq 0 ]
check "both are installed at ${version}" \
    [ "$(in_root dpkg-query -W -f='${Version} ' smiley-device smiley-hub)" = "${version} ${version} " ]

for binary in smiley-device smileyctl smiley-hub; do
    check "/usr/bin/${binary} 0755 root" mode_owner "/usr/bin/${binary}" "755 root:root"
    check "${binary} --version runs in the root (no Swift runtime installed there)" \
        [ "$(in_root timeout 20 "/usr/bin/${binary}" --version </dev/null)" = "${version}" ]
    check "${binary}(1) and its completions" test -f "${root}/usr/share/man/man1/${binary}.1.gz" \
        -a -f "${root}/usr/share/bash-completion/completions/${binary}" \
        -a -f "${root}/usr/share/zsh/vendor-completions/_${binary}" \
        -a -f "${root}/usr/share/fish/vendor_completions.d/${binary}.fish"
done
check "no Swift runtime library is needed" sh -c "! chroot '${root}' ldd /usr/bin/smiley-hub /usr/bin/smiley-device | grep -q 'libswift\|libFoundation\|not found'"
for unit in smiley-device smiley-hub; do
    check "${unit}.service in /lib/systemd/system runs /usr/bin/${unit}" \
        grep -q "^ExecStart=/usr/bin/${unit} " "${root}/lib/systemd/system/${unit}.service"
done
check "the hub is enabled for boot" test -L "${root}/etc/systemd/system/multi-user.target.wants/smiley-hub.service"
check "/etc/smiley/device.json is a conffile" sh -c "chroot '${root}' dpkg-query -W -f='\${Conffiles}' smiley-device | grep -q /etc/smiley/device.json"
check "/etc/smiley/device.json 0644 root" mode_owner /etc/smiley/device.json "644 root:root"
check "/etc/smiley/hub.env is a conffile" sh -c "chroot '${root}' dpkg-query -W -f='\${Conffiles}' smiley-hub | grep -q /etc/smiley/hub.env"
check "system user smiley (uid < 1000) in groups smiley and gpio" \
    sh -c "uid=\$(chroot '${root}' id -u smiley) && [ \"\$uid\" -lt 1000 ] && chroot '${root}' id -nG smiley | tr ' ' '\n' | grep -qx gpio && chroot '${root}' id -nG smiley | tr ' ' '\n' | grep -qx smiley"
check "the gpio group was created (the root had none)" sh -c "! grep -q '^gpio:' '${cached}/etc/group' && grep -q '^gpio:' '${root}/etc/group'"
check "system user smiley-hub (uid < 1000), no login shell" \
    sh -c "[ \$(chroot '${root}' id -u smiley-hub) -lt 1000 ] && [ \"\$(chroot '${root}' getent passwd smiley-hub | cut -d: -f7)\" = /usr/sbin/nologin ]"
check "/var/lib/smiley-device 0750 smiley:smiley" mode_owner /var/lib/smiley-device "750 smiley:smiley"
check "/var/lib/smiley-hub 0700 smiley-hub:smiley-hub" mode_owner /var/lib/smiley-hub "700 smiley-hub:smiley-hub"
check "the hub runs as its user against its state directory" \
    in_root setpriv --reuid=smiley-hub --regid=smiley-hub --init-groups /usr/bin/smiley-hub centre add paro-dcrc \
    --state-directory /var/lib/smiley-hub --name Paro --time-zone Asia/Thimphu
check "the hub's lobby strings are installed (serve refuses to start without them)" \
    test -s "${root}/usr/share/smiley-hub/dz.json"
check "the default device configuration is refused clearly (no token yet)" \
    sh -c "chroot '${root}' setpriv --reuid=smiley --regid=smiley --init-groups /usr/bin/smiley-device run --config /etc/smiley/device.json 2>&1 | grep -q 'no device token'"

# --- upgrade: the same packages rebuilt at a higher version, as the next release arrives ------------
# An administrator has changed both conffiles and the packages hold data; the upgrade keeps all of it.
upgrade_version="${version}+upgrade1"
# upgrade_of DEB: DEB repacked with Version: ${upgrade_version} into the root's /tmp; prints its name there.
upgrade_of() {
    local tree package
    tree="$(mktemp -d /tmp/smiley-deb-upgrade.XXXXXX)"
    package="$(dpkg-deb -f "$1" Package)"
    dpkg-deb -R "$1" "${tree}/p" &&
        sed -i "s/^Version: .*/Version: ${upgrade_version}/" "${tree}/p/DEBIAN/control" &&
        dpkg-deb --root-owner-group -Zgzip -z1 --build "${tree}/p" \
            "${root}/tmp/${package}_${upgrade_version}_${arch}.deb" >/dev/null &&
        echo "/tmp/${package}_${upgrade_version}_${arch}.deb"
    local status=$?
    rm -rf "${tree}"
    return ${status}
}
echo '{"edited": true}' >"${root}/etc/smiley/device.json"
echo 'SMILEY_HUB_OPTIONS="--host 127.0.0.1 --port 8081" # edited' >"${root}/etc/smiley/hub.env"
in_root setpriv --reuid=smiley --regid=smiley --init-groups sh -c 'echo kept >/var/lib/smiley-device/upgrade-marker'
users_before="$(chroot "${root}" id smiley; chroot "${root}" id smiley-hub)"
device_upgrade="$(upgrade_of "${device_deb}")" && hub_upgrade="$(upgrade_of "${hub_deb}")"
check "the packages repacked at ${upgrade_version}" [ -n "${hub_upgrade:-}" ]
in_root apt-get install -y -qq --no-install-recommends "${device_upgrade:-missing}" "${hub_upgrade:-missing}" \
    >"${root}/tmp/upgrade.log" 2>&1
check "upgrade: apt-get installs both at ${upgrade_version} without a question" [ $? -eq 0 ]
check "upgrade: both are installed at ${upgrade_version}" \
    [ "$(in_root dpkg-query -W -f='${Version} ' smiley-device smiley-hub)" = "${upgrade_version} ${upgrade_version} " ]
check "upgrade: the edited conffiles are kept, no .dpkg-new/-dist/-old beside them" \
    sh -c "grep -q edited '${root}/etc/smiley/device.json' && grep -q edited '${root}/etc/smiley/hub.env' && [ \"\$(ls '${root}/etc/smiley')\" = \"\$(printf 'device.json\nhub.env')\" ]"
check "upgrade: the hub's database keeps its centre" \
    sh -c "chroot '${root}' setpriv --reuid=smiley-hub --regid=smiley-hub --init-groups /usr/bin/smiley-hub centre list --state-directory /var/lib/smiley-hub | grep -q '^paro-dcrc'"
check "upgrade: the device's state directory keeps its files" \
    sh -c "[ \"\$(cat '${root}/var/lib/smiley-device/upgrade-marker')\" = kept ]"
check "upgrade: /var/lib/smiley-device still 0750 smiley:smiley" mode_owner /var/lib/smiley-device "750 smiley:smiley"
check "upgrade: /var/lib/smiley-hub still 0700 smiley-hub:smiley-hub" mode_owner /var/lib/smiley-hub "700 smiley-hub:smiley-hub"
check "upgrade: the users are the same (ids and groups)" \
    [ "$(chroot "${root}" id smiley; chroot "${root}" id smiley-hub)" = "${users_before}" ]
check "upgrade: the hub is still enabled for boot" test -L "${root}/etc/systemd/system/multi-user.target.wants/smiley-hub.service"
check "upgrade: smiley-hub --version runs from the upgraded package" [ "$(in_root timeout 20 /usr/bin/smiley-hub --version </dev/null)" = "${version}" ]

# An administrator's change to a conffile survives removal; purge takes it and the state away.
in_root apt-get remove -y -qq smiley-device smiley-hub >/dev/null 2>&1
check "remove: the binaries are gone" test ! -e "${root}/usr/bin/smiley-device" -a ! -e "${root}/usr/bin/smiley-hub"
check "remove: the edited conffile and the state stay" \
    sh -c "grep -q edited '${root}/etc/smiley/device.json' && test -d '${root}/var/lib/smiley-hub'"
in_root apt-get purge -y -qq smiley-device smiley-hub >/dev/null 2>&1
check "purge: /etc/smiley, the state directories and the unit links are gone" \
    test ! -e "${root}/etc/smiley" -a ! -e "${root}/var/lib/smiley-device" -a ! -e "${root}/var/lib/smiley-hub" \
    -a ! -e "${root}/etc/systemd/system/multi-user.target.wants/smiley-hub.service"
check "purge: the users stay (Debian leaves system users)" sh -c "chroot '${root}' id smiley >/dev/null && chroot '${root}' id smiley-hub >/dev/null"
after="$(listing)"
# adduser's backups of the user databases are the only new paths allowed.
extra="$(comm -13 <(echo "${before}") <(echo "${after}") | grep -vE '^\./etc/(passwd|group|shadow|gshadow)-$' | grep -vE '^\./var/lib/systemd/deb-systemd-helper-(enabled|masked)(/|$)' || true)"
missing="$(comm -23 <(echo "${before}") <(echo "${after}"))"
check "purge: nothing else was left behind${extra:+ (left: ${extra//$'\n'/ })}" [ -z "${extra}" ]
check "purge: nothing that was there before was removed${missing:+ (removed: ${missing//$'\n'/ })}" [ -z "${missing}" ]
finish
