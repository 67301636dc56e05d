#!/usr/bin/env bash
# Builds smiley-device_VERSION_ARCH.deb and smiley-hub_VERSION_ARCH.deb with dpkg-deb from binaries
# already built with the Swift runtime linked in (make deb: a release build with --static-swift-stdlib;
# make package-tests: the debug build linked again by link-static.py), the units in systemd/, the
# man pages and completions in docs/, and the maintainer scripts beside this file.
#
# usage: build-deb.sh BIN_DIRECTORY OUTPUT_DIRECTORY
# The binaries may be of a release or a debug build (make package-tests packs the debug build of make test):
# they are stripped either way. SMILEY_DEB_COMPRESSION, if set, is given to dpkg-deb (e.g. "-Zgzip -z1":
# seconds instead of minutes with xz, dpkg-deb's default, for packages that only a test installs).
set -euo pipefail
bin="${1:?usage: build-deb.sh BIN_DIRECTORY OUTPUT_DIRECTORY}"
out="${2:?usage: build-deb.sh BIN_DIRECTORY OUTPUT_DIRECTORY}"
root="$(cd "$(dirname "$0")/.." && pwd)"
here="${root}/packaging"
arch="$(dpkg --print-architecture)"
version="$("${bin}/smiley-hub" --version)"
work="$(mktemp -d /tmp/smiley-deb.XXXXXX)"
trap 'rm -rf "${work}"' EXIT
mkdir -p "${out}"

# The shared libraries a binary needs, as Debian package dependencies (dpkg-shlibdeps reads the
# binaries' NEEDED entries and the installed packages' symbols files).
depends_of() {
    mkdir -p "${work}/shlibs/debian"
    printf 'Source: smiley\n\nPackage: smiley\nArchitecture: any\n' >"${work}/shlibs/debian/control"
    (cd "${work}/shlibs" && dpkg-shlibdeps -O "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

# stage PACKAGE: the common tree (docs, man pages, completions) for PACKAGE's commands.
stage() {
    local package="$1" tree="${work}/$1"
    shift
    install -d "${tree}/DEBIAN" "${tree}/usr/bin" "${tree}/lib/systemd/system" "${tree}/usr/share/doc/${package}" \
        "${tree}/usr/share/man/man1" "${tree}/usr/share/bash-completion/completions" \
        "${tree}/usr/share/zsh/vendor-completions" "${tree}/usr/share/fish/vendor_completions.d"
    for command in "$@"; do
        install -m 0755 "${bin}/${command}" "${tree}/usr/bin/${command}"
        strip --strip-unneeded "${tree}/usr/bin/${command}"
        gzip -9n <"${root}/docs/man/${command}.1" >"${tree}/usr/share/man/man1/${command}.1.gz"
        install -m 0644 "${root}/docs/completions/${command}.bash" "${tree}/usr/share/bash-completion/completions/${command}"
        install -m 0644 "${root}/docs/completions/${command}.zsh" "${tree}/usr/share/zsh/vendor-completions/_${command}"
        install -m 0644 "${root}/docs/completions/${command}.fish" "${tree}/usr/share/fish/vendor_completions.d/${command}.fish"
    done
    install -m 0644 "${root}/README.md" "${tree}/usr/share/doc/${package}/README.md"
    install -m 0644 "${here}/copyright" "${tree}/usr/share/doc/${package}/copyright"
    # The unit as shipped in systemd/, pointing at the packaged binary and documentation.
    sed -e "s|/usr/local/bin/|/usr/bin/|g" -e "s|/usr/share/doc/smiley/|/usr/share/doc/${package}/|g" \
        "${root}/systemd/${package}.service" >"${tree}/lib/systemd/system/${package}.service"
    chmod 0644 "${tree}/lib/systemd/system/${package}.service"
    for script in postinst prerm postrm; do
        install -m 0755 "${here}/${package}.${script}" "${tree}/DEBIAN/${script}"
    done
}

# control PACKAGE DESCRIPTION BINARIES...: DEBIAN/control with the binaries' library dependencies.
control() {
    local package="$1" description="$2" tree="${work}/$1"
    shift 2
    local libraries
    libraries="$(depends_of "$@")"
    cat >"${tree}/DEBIAN/control" <<CONTROL
Package: ${package}
Version: ${version}
Architecture: ${arch}
Maintainer: Smiley maintainers <smiley@localhost>
Section: misc
Priority: optional
Depends: adduser, ${libraries}
Installed-Size: $(du -sk --exclude=DEBIAN "${tree}" | cut -f1)
Homepage: https://github.com/smiley/smiley
Description: ${description}
CONTROL
    (cd "${tree}" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum) \
        >"${tree}/DEBIAN/md5sums"
    # shellcheck disable=SC2086
    dpkg-deb --root-owner-group ${SMILEY_DEB_COMPRESSION:-} --build "${tree}" "${out}/${package}_${version}_${arch}.deb" >/dev/null
    echo "${out}/${package}_${version}_${arch}.deb"
}

stage smiley-device smiley-device smileyctl
install -d "${work}/smiley-device/etc/smiley"
install -m 0644 "${here}/device.json" "${work}/smiley-device/etc/smiley/device.json"
echo /etc/smiley/device.json >"${work}/smiley-device/DEBIAN/conffiles"
control smiley-device "$(printf '%s\n %s\n %s' \
    "Smiley feedback buttons: device firmware and technician tool" \
    "Reads the feedback buttons through libgpiod, stores every press durably in SQLite and" \
    "forwards the presses to a Smiley hub; smileyctl provisions, tests and inspects the device.")" \
    "${work}/smiley-device/usr/bin/smiley-device" "${work}/smiley-device/usr/bin/smileyctl"

stage smiley-hub smiley-hub
install -d "${work}/smiley-hub/etc/smiley"
install -m 0644 "${here}/hub.env" "${work}/smiley-hub/etc/smiley/hub.env"
# The lobby screen's Dzongkha strings: `smiley-hub serve` refuses to start without them
# (LobbyStrings looks in /usr/share/smiley-hub/).
install -D -m 0644 "${root}/Sources/SmileyHub/Resources/dz.json" "${work}/smiley-hub/usr/share/smiley-hub/dz.json"
echo /etc/smiley/hub.env >"${work}/smiley-hub/DEBIAN/conffiles"
control smiley-hub "$(printf '%s\n %s\n %s' \
    "Smiley feedback hub: ingest, heatmaps, dashboards and alerts" \
    "Receives presses from Smiley devices, keeps them in SQLite and serves hourly heatmaps," \
    "dashboards, exports, alerts and Prometheus metrics to centre managers.")" \
    "${work}/smiley-hub/usr/bin/smiley-hub"
