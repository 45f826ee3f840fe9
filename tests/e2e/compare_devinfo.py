#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare `ibv_devinfo -v` of a guest's xenib device with `ibv_devinfo -v`
of the real device in Dom0, field by field: every field of the device and of
port 1, and the GID table with its types.  Fields that differ on purpose are
listed in compare_attrs.DIFFERENCES (and docs/decisions.md); anything else
that differs fails.

usage: compare_devinfo.py NATIVE_DEVINFO GUEST_DEVINFO
"""
import re
import sys

from compare_attrs import DIFFERENCES, parse_devinfo

# Names, not attributes: the guest's device is called xenibN.
NAMES = {"hca_id"}


def parse_gids(path):
    gids = []
    for line in open(path):
        m = re.match(r"\s*GID\[\s*(\d+)\]:\s*([0-9a-f:.]+),?\s*(.*)$", line)
        if m:
            gids.append((int(m.group(1)), m.group(2), m.group(3).strip()))
    return gids


def compare(what, native, guest):
    bad = 0
    keys = sorted((set(native) | set(guest)) - NAMES)
    for key in keys:
        if key not in guest or key not in native:
            side = "guest" if key not in guest else "native"
            print(f"  MISSING {what}.{key} in the {side} output")
            bad += 1
            continue
        g, n = guest[key], native[key]
        if key in DIFFERENCES:
            rule, check = DIFFERENCES[key]
            if not check(g, n):
                print(f"  DIFF {what}.{key}: guest {g!r}, native {n!r}, "
                      f"want {rule}")
                bad += 1
            else:
                print(f"  documented {what}.{key}: guest {g!r}, native {n!r}")
        elif g != n:
            print(f"  DIFF {what}.{key}: guest {g!r}, native {n!r}")
            bad += 1
    print(f"  {what}: {len(keys) - bad}/{len(keys)} fields as expected")
    return bad


def main():
    native_path, guest_path = sys.argv[1:3]
    native_dev, native_port = parse_devinfo(native_path)
    guest_dev, guest_port = parse_devinfo(guest_path)
    bad = compare("device", native_dev, guest_dev)
    bad += compare("port", native_port, guest_port)

    native_gids, guest_gids = parse_gids(native_path), parse_gids(guest_path)
    if not native_gids:
        print("  no GIDs in the native output")
        bad += 1
    if guest_gids != native_gids:
        print(f"  DIFF GID table: guest {guest_gids}, native {native_gids}")
        bad += 1
    else:
        print(f"  GID table: {len(guest_gids)} entries equal, with types")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
