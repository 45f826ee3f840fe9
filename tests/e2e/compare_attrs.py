#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the device and port attributes a guest's xenib device reports
(frontend sysfs device_attrs / port_attrs, answered by the backend over the
control ring) with `ibv_devinfo -v` of the real device in Dom0.

usage: compare_attrs.py DEVINFO_FILE DEVICE_ATTRS_FILE PORT_ATTRS_FILE
"""
import re
import sys

# guest key -> ibv_devinfo key, for the device and for port 1.
DEVICE_KEYS = {
    "node_guid": "node_guid", "sys_image_guid": "sys_image_guid",
    "vendor_id": "vendor_id", "vendor_part_id": "vendor_part_id",
    "hw_ver": "hw_ver", "phys_port_cnt": "phys_port_cnt",
    "max_mr_size": "max_mr_size", "page_size_cap": "page_size_cap",
    "max_qp": "max_qp", "max_qp_wr": "max_qp_wr",
    "device_cap_flags": "device_cap_flags", "max_sge_rd": "max_sge_rd",
    "max_cq": "max_cq", "max_cqe": "max_cqe", "max_mr": "max_mr",
    "max_pd": "max_pd", "max_qp_rd_atom": "max_qp_rd_atom",
    "max_ee_rd_atom": "max_ee_rd_atom", "max_res_rd_atom": "max_res_rd_atom",
    "max_qp_init_rd_atom": "max_qp_init_rd_atom",
    "max_ee_init_rd_atom": "max_ee_init_rd_atom", "atomic_cap": "atomic_cap",
    "max_ee": "max_ee", "max_rdd": "max_rdd", "max_mw": "max_mw",
    "max_raw_ipv6_qp": "max_raw_ipv6_qp", "max_raw_ethy_qp": "max_raw_ethy_qp",
    "max_mcast_grp": "max_mcast_grp",
    "max_mcast_qp_attach": "max_mcast_qp_attach",
    "max_total_mcast_qp_attach": "max_total_mcast_qp_attach",
    "max_ah": "max_ah", "max_srq": "max_srq", "max_srq_wr": "max_srq_wr",
    "max_srq_sge": "max_srq_sge", "max_pkeys": "max_pkeys",
    "local_ca_ack_delay": "local_ca_ack_delay",
}
PORT_KEYS = {
    "state": "state", "max_mtu": "max_mtu", "active_mtu": "active_mtu",
    "sm_lid": "sm_lid", "lid": "port_lid", "lmc": "port_lmc",
    "link_layer": "link_layer", "max_msg_sz": "max_msg_sz",
    "port_cap_flags": "port_cap_flags", "port_cap_flags2": "port_cap_flags2",
    "max_vl_num": "max_vl_num", "bad_pkey_cntr": "bad_pkey_cntr",
    "qkey_viol_cntr": "qkey_viol_cntr", "sm_sl": "sm_sl",
    "pkey_tbl_len": "pkey_tbl_len", "gid_tbl_len": "gid_tbl_len",
    "subnet_timeout": "subnet_timeout", "init_type_reply": "init_type_reply",
    "active_width": "active_width", "active_speed": "active_speed",
    "phys_state": "phys_state",
}
LINK_LAYERS = {"InfiniBand": 1, "Ethernet": 2}

# Where a guest deliberately sees something else than the real device
# (docs/decisions.md, "What a guest is told"): key -> (rule, check).
DIFFERENCES = {
    "device_cap_flags": ("a subset of the real device's flags",
                         lambda g, n: g & ~n == 0),
    "device_cap_flags_ex": ("a subset of the real device's flags",
                            lambda g, n: g & ~n == 0),
    "num_comp_vectors": ("the guest's own interrupt vectors, at least 1",
                         lambda g, n: g >= 1),
    "max_pd": ("the real limit capped by the per-guest quota",
               lambda g, n: 0 < g <= n),
    "max_cq": ("the real limit capped by the per-guest quota",
               lambda g, n: 0 < g <= n),
    "max_qp": ("the real limit capped by the per-guest quota",
               lambda g, n: 0 < g <= n),
    "max_srq": ("the real limit capped by the per-guest quota",
                lambda g, n: 0 < g <= n),
    "max_ah": ("the real limit capped by the per-guest quota",
               lambda g, n: 0 < g <= n),
    "max_mr": ("the real limit capped by the per-guest quota",
               lambda g, n: 0 < g <= n),
    # Windows are the backend's, MRs on the real device (backend/mw.c).
    "max_mw": ("the backend's max_mws quota, not 0",
               lambda g, n: g > 0),
    # What a guest queue or registration holds (backend/hca.c, rules.h).
    "max_qp_wr": ("the real limit capped by a guest queue's size",
                  lambda g, n: 0 < g <= n),
    "max_srq_wr": ("the real limit capped by a guest queue's size",
                   lambda g, n: 0 < g <= n),
    "max_cqe": ("the real limit capped by a guest queue's size",
                lambda g, n: 0 < g <= n),
    "max_mr_size": ("the real limit capped by one registration's size",
                    lambda g, n: 0 < g <= n),
    # IB_PORT_CM_SUP only for a guest the backend relays the CM for.
    "port_cap_flags": ("the real flags, the CM's maybe cleared",
                       lambda g, n: g & ~n == 0 and
                       (g | 0x10000) == (n | 0x10000)),
}


def value(text):
    """A comparable value from either output format."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-f]{4}(:[0-9a-f]{4}){3}", text):
        return text
    if text in LINK_LAYERS:
        return LINK_LAYERS[text]
    m = re.search(r"\((\d+)\)\s*$", text)  # "PORT_ACTIVE (4)"
    if m:
        return int(m.group(1))
    m = re.match(r"(0x[0-9a-fA-F]+|\d+)", text)
    if m:
        return int(m.group(1), 0)
    return text


def parse_devinfo(path):
    device, port, section = {}, {}, "device"
    for line in open(path):
        m = re.match(r"\s*(\w+):\s*(.*)$", line)
        if not m:
            continue
        key, val = m.groups()
        if key == "port":
            section = "port" if val.strip() == "1" else "other"
            continue
        target = device if section == "device" else port if section == "port" else None
        if target is not None and key not in target:
            target[key] = value(val)
    return device, port


def parse_sysfs(path):
    out = {}
    for line in open(path):
        key, _, val = line.partition(":")
        out[key.strip()] = value(val)
    return out


def compare(what, keys, guest, native, fix=None):
    bad = 0
    for gkey, nkey in keys.items():
        if gkey not in guest:
            print(f"  MISSING {what}.{gkey} in the guest's output")
            bad += 1
            continue
        if nkey not in native:
            print(f"  MISSING {what}.{nkey} in ibv_devinfo -v")
            bad += 1
            continue
        g = fix(gkey, guest[gkey]) if fix else guest[gkey]
        if gkey in DIFFERENCES:
            rule, check = DIFFERENCES[gkey]
            if not check(g, native[nkey]):
                print(f"  DIFF {what}.{gkey}: guest {g!r}, native "
                      f"{native[nkey]!r}, want {rule}")
                bad += 1
            continue
        if g != native[nkey]:
            print(f"  DIFF {what}.{gkey}: guest {g!r}, native {native[nkey]!r}")
            bad += 1
    print(f"  {what}: {len(keys) - bad}/{len(keys)} fields equal")
    return bad


def device_fix(key, val):
    # uverbs reports the low 32 capability bits in device_cap_flags.
    if key == "device_cap_flags":
        return val & 0xffffffff
    return val


def main():
    devinfo, dev_attrs, port_attrs = sys.argv[1:4]
    native_dev, native_port = parse_devinfo(devinfo)
    bad = compare("device", DEVICE_KEYS, parse_sysfs(dev_attrs), native_dev,
                  device_fix)
    bad += compare("port", PORT_KEYS, parse_sysfs(port_attrs), native_port)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
