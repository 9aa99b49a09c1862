#!/usr/bin/env bash
# Builds Citus from its source tarball against the installed PostgreSQL and
# puts what `make install` wrote into $CACHE/lib (for pg_config --pkglibdir)
# and $CACHE/extension (for pg_config --sharedir/extension).
#
# Only the headers of postgresql-server-dev-<major> are used, unpacked from the
# .deb into $WORK: installing the package would pull in clang and LLVM
# (minutes of download) for the JIT bitcode Citus does not need here.
#
# Inputs (environment): SOURCE (citus-X.Y.Z.tar.gz), WORK (an empty scratch
# directory), CACHE (where the results go; must not exist yet), PG_BINDIR
# SERVER_PG_CONFIG (the server's pg_config), JOBS (make -j).
set -euo pipefail

: "${SOURCE:?}" "${WORK:?}" "${CACHE:?}" "${SERVER_PG_CONFIG:?}" "${JOBS:=2}"
pg_config=$SERVER_PG_CONFIG
major=$("$pg_config" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
export DEBIAN_FRONTEND=noninteractive

step() { echo "citusbuild: $*"; }

# Build dependencies that are small: install the missing ones. libpq-dev must
# match the installed libpq exactly, or apt would upgrade it.
need=()
for pkg in liblz4-dev libzstd-dev libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || need+=("$pkg")
done
if [ ! -e /usr/include/postgresql/libpq-fe.h ]; then
  need+=("libpq-dev=$(dpkg-query -W -f='${Version}' libpq5)")
fi
if ((${#need[@]})); then
  step "apt-get install ${need[*]}"
  apt-get install -y -qq "${need[@]}" || { apt-get update -qq && apt-get install -y -qq "${need[@]}"; }
fi

cd "$WORK"
server_pkg="postgresql-$major"
dev_pkg="postgresql-server-dev-$major"
v=$(dpkg-query -W -f='${Version}' "$server_pkg")
step "apt-get download $dev_pkg=$v (headers only, not installed)"
apt-get download -qq "$dev_pkg=$v" || { apt-get update -qq && apt-get download -qq "$dev_pkg=$v"; }
dpkg -x "${dev_pkg}"_*.deb stage
S=$WORK/stage
# pg_config is relocatable: copied under $S it reports the paths under $S.
mkdir -p "$S/usr/lib/postgresql/$major/bin" "$S/usr/lib/postgresql/$major/lib"
cp "$pg_config" "$S/usr/lib/postgresql/$major/bin/"
for f in /usr/include/postgresql/*.h; do ln -sf "$f" "$S/usr/include/postgresql/"; done
ln -sfn /usr/include/postgresql/internal "$S/usr/include/postgresql/internal"
libdir=$(dirname "$(readlink -f "$(ls /usr/lib/*/libpq.so.5 | head -1)")")
mkdir -p "$S$libdir"
ln -sf "$libdir"/libpq.so* "$S$libdir/"
ln -sfn "$("$pg_config" --pkglibdir)/pgxs" "$S/usr/lib/postgresql/$major/lib/pgxs"
staged_pg_config="$S/usr/lib/postgresql/$major/bin/pg_config"

step "configure and make $(basename "$SOURCE")"
tar -xzf "$SOURCE"
cd "$(tar -tzf "$SOURCE" | head -1 | cut -d/ -f1)"
PG_CONFIG=$staged_pg_config ./configure --without-libcurl >configure.log 2>&1 || { tail -30 configure.log; exit 1; }
make -j"$JOBS" with_llvm=no >make.log 2>&1 || { tail -30 make.log; exit 1; }
make install with_llvm=no DESTDIR="$WORK/dest" >install.log 2>&1 || { tail -30 install.log; exit 1; }

step "cache in $CACHE"
rm -rf "$CACHE.partial"
mkdir -p "$CACHE.partial/lib" "$CACHE.partial/extension"
cp -a "$WORK/dest$("$staged_pg_config" --pkglibdir)/." "$CACHE.partial/lib/"
cp -a "$WORK/dest$("$staged_pg_config" --sharedir)/extension/." "$CACHE.partial/extension/"
test -e "$CACHE.partial/extension/citus.control"
mv "$CACHE.partial" "$CACHE"
