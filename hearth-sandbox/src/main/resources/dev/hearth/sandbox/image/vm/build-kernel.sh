#!/bin/sh
# Builds Hearth's guest kernel: Debian's linux-source tarball with a microVM config (all virtio built in).
# Usage: build-kernel.sh SOURCE_TARBALL CONFIG WORK_DIR OUT_DIR JOBS
# Writes OUT_DIR/vmlinux (Firecracker) and OUT_DIR/bzImage (QEMU). Each stage starts with a line "@@ stage NAME"
# so the caller can show progress; everything else is the tools' own output.
set -eu
src=$1 config=$2 work=$3 out=$4 jobs=$5
echo "@@ stage extract"
mkdir -p "$work"
tar -xf "$src" -C "$work" --strip-components=1
echo "@@ stage configure"
cp "$config" "$work/.config"
make -s -C "$work" olddefconfig
echo "@@ stage compile"
make -C "$work" -j"$jobs" vmlinux bzImage
echo "@@ stage install"
mkdir -p "$out"
cp "$work/vmlinux" "$out/vmlinux"
cp "$work/arch/x86/boot/bzImage" "$out/bzImage"
cp "$work/.config" "$out/config"
