#!/usr/bin/python3
"""Generate the command tables of the battery monitor families (Daly, JK,
Victron VE.Direct).

Usage: tools/gen_bms_tables.py /path/to/mpp-solar > src/proto/bms_tables.c

Same method as tools/gen_family_tables.py: each protocol is loaded in a
fresh interpreter (the JK Bluetooth protocols add their commands to one
shared dict), only facts are taken (names, descriptions, command codes,
row layouts, sample replies), and they are written in mppd's own table
format (src/proto/bms.h).  The generator stops on a row type or template
the decoder does not know.
"""
import json
import re
import subprocess
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gen_family_tables import DUMP as FAMILY_DUMP  # noqa: E402
from gen_pi30_tables import (Emitter, TYPES, ccomment, cstr,  # noqa: E402
                             dict_pairs, tables_struct)

# protocol -> (family, variant)
PROTOCOLS = [
    ("DALY", "daly_family", "0x80"), ("DALY40", "daly_family", "0x40"),
    ("JK232", "jk_family", "JK_RS232"), ("JK485", "jk_family", "JK_RS485"),
    ("JKSERIAL", "jk_family", "JK_SERIAL"), ("JK02", "jk_family", "JK_BLE"),
    ("JK04", "jk_family", "JK_BLE"), ("JK02_32", "jk_family", "JK_BLE"),
    ("JKV11", "jk_family", "JK_BLE"), ("JKPB", "jk_family", "JK_PB"),
    ("VED", "ved_family", "0"),
]
LISTS = {"daly_family": "daly_protocols", "jk_family": "jk_protocols",
         "ved_family": "ved_protocols"}

FN = {"discard": "BF_DISCARD", "exclude": "BF_DISCARD", "Hex2Str": "BF_HEX2STR",
      "Hex2Int": "BF_HEX2INT", "Hex2Ascii": "BF_HEX2ASCII",
      "BigHex2Short": "BF_BIG_SHORT", "BigHex2Float": "BF_BIG_UINT",
      "LittleHex2Short": "BF_LITTLE_SHORT", "LittleHex2Float": "BF_LITTLE_FLOAT",
      "LittleHex2UInt": "BF_LITTLE_UINT", "LittleHex2Int": "BF_LITTLE_INT",
      "uptime": "BF_UPTIME", "hex_option": "BF_HEX_OPTION", "keyed": "BF_KEYED",
      "ack": "BF_ACK", "str_keyed": "BF_STR_KEYED", "float": "BF_FLOAT",
      "bytes": "BF_BYTES", "lookup": "BF_LOOKUP"}
TX = {None: "BT_NONE", "r/10": "BT_DIV10", "r/100": "BT_DIV100",
      "r/1000": "BT_DIV1000", "(r-30000)/10": "BT_SUB30000_DIV10",
      "r-40": "BT_SUB40", "(r-2731)/10": "BT_SUB2731_DIV10", "r/3": "BT_DIV3",
      "(r&0x7FFF)/100*(((r&0x8000)>>15)*2-1)": "BT_JK_CURRENT",
      "r+1": "BT_ADD1", "r*100": "BT_MUL100", "r.decode()": "BT_DECODE"}
RT = {"POSITIONAL": "BR_POSITIONAL", "MULTIFRAME-POSITIONAL": "BR_MULTIFRAME",
      "KEYED": "BR_KEYED", "BLE_SETTER": "BR_BLE_SETTER"}
LOOKUP = re.compile(r"lookup:'([^']*)\{:02d\}'\.format\(m\['([^']*)'\]\[0\]\)$")
FNAME = re.compile(r"f'([^{]*)\{(?:(\d+)\*)?f(?:\+(\d+))?:02d\}([^']*)'$")


# bytearray samples (JK Bluetooth) are bytes too.
DUMP = FAMILY_DUMP.replace("isinstance(x, bytes)", "isinstance(x, (bytes, bytearray))")


def load(ref, proto):
    out = subprocess.run(["/usr/bin/python3", "-c", DUMP, ref, proto],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def kv(o, d):
    pairs = dict_pairs(d)
    return o.run("kvs", json.dumps(pairs), [
        "{%s, %s}" % (o.s(str(k)), o.s(str(v))) for k, v in pairs]), len(pairs)


def strlist(o, lst):
    return o.run("lists", json.dumps(lst), [o.s(x) for x in lst]), len(lst)


def row(o, rtype, r):
    key, lkfmt, lkkey, fmul, fadd, nfmt = None, None, None, 0, 0, 0
    mp, nmp, ls, nls = "0", 0, "0", 0
    if rtype == "KEYED":
        key, name, units, typ = r[0], r[1], r[2], r[3]
        size = 0
    elif rtype == "BLE_SETTER" or len(r) == 3:
        # a 3-element row (JK setBalanceStart) is laid out as a setter's
        typ, name, units, size = r[0], r[1], r[2], 0
    else:
        typ, size, name, units = r[0], r[1], r[2], r[3]
    base, _, tmpl = typ.partition(":")
    if base == "lookup":
        m = LOOKUP.match(typ)
        if not m:
            sys.exit("unknown lookup %r" % typ)
        lkfmt, lkkey, tmpl = m.group(1) + "%02d", m.group(2), None
    if base not in FN:
        sys.exit("unknown row type %r" % typ)
    if (tmpl or None) not in TX:
        sys.exit("unknown template %r" % typ)
    if isinstance(units, dict):
        mp, nmp = kv(o, units)
        units = ""
    elif isinstance(units, list):
        ls, nls = strlist(o, units)
        units = ""
    m = FNAME.match(name) if isinstance(name, str) else None
    if m:
        name = m.group(1) + "%02d" + m.group(4)
        fmul, fadd, nfmt = int(m.group(2) or 1), int(m.group(3) or 0), 1
    return "{%s, %s, %s, %d, %s, %d, %d, %d, %s, %s, %s, %s, %s, %d, %s, %d} /* %s */" % (
        o.s(typ), FN[base], TX[tmpl or None], size, o.s(name), nfmt, fmul,
        fadd, o.s(units or ""), o.s(key), o.s(lkfmt), o.s(lkkey),
        ls, nls, mp, nmp, ccomment(name))


def main():
    ref = sys.argv[1]
    o = Emitter()
    protos = {}
    names_seen = {}
    decls = []
    for pid, fam, variant in PROTOCOLS:
        data = load(ref, pid)
        cmds = []
        for key, d in data["commands"]:
            d = dict(dict_pairs(d))
            rtype = d.get("response_type", "POSITIONAL")
            if rtype not in RT:
                sys.exit("unknown response type %r" % rtype)
            rows = [row(o, rtype, r) for r in d.get("response", [])]
            rn = o.run("xrows", json.dumps(rows), rows) if rows else "0"
            tr = d.get("test_responses", [])
            tn = "0"
            if tr:
                bl = [bytes.fromhex(t["__bytes__"]) if isinstance(t, dict) else t.encode("latin-1") for t in tr]
                tn = o.run("bytes", json.dumps([b.hex() for b in bl]),
                           ["{%s, %d}" % (o.s(b), len(b)) for b in bl])
            setter = 1 if d.get("type") in ("SETTER", "BLE_SETTER") else 0
            cmds.append(o.cmd(
                "{{%s, %s, %s, %s, %d, RT_DEFAULT, %s, 0, 0, 0, %s, %d}, %s, %s, %s, %d, %s, %d} /* %s */" % (
                    o.s(key), o.s(d.get("name", key)), o.s(d.get("description", "")),
                    o.s(d.get("help")), setter, o.s(d.get("regex") or None), tn, len(tr),
                    RT[rtype], o.s(d.get("type")), o.s(d.get("command_code")),
                    int(d.get("response_length", 0)), rn, len(rows), ccomment(key))))
        low = pid.lower()
        decls.append("static const pi_ref %s_cmds[] = {%s};" % (low, ", ".join(cmds)))

        def names(lst):
            k = json.dumps(lst)
            if k not in names_seen:
                names_seen[k] = "s%d" % (len(names_seen) + 1)
                decls.append("static const char *const %s[] = {%s};" % (
                    names_seen[k], ", ".join([cstr(x) for x in lst] + ["NULL"])))
            return names_seen[k]
        st, se = names(data["status"]), names(data["settings"])
        pn = "proto_" + low
        decls.append("static const struct pi_proto %s = {%s, %s, &%s, %s, %s, %s, %s, %s_cmds, %d};\n" % (
            pn, cstr(data["pid"]), cstr(data["banner"]), fam, variant,
            cstr(data["default"]), st, se, low, len(cmds)))
        protos.setdefault(fam, []).append(pn)
    print("""/*
 * bms_tables.c - command tables of the battery monitor families: Daly
 * (DALY, DALY40), JK (JK232, JK485, JKSERIAL, JK02, JK04, JK02_32, JKV11,
 * JKPB) and Victron VE.Direct (VED).
 *
 * GENERATED by tools/gen_bms_tables.py from the definitions of
 * mpp-solar 0.16.57 (one fresh load per protocol, so each table is
 * the protocol's own).  Do not edit by hand: regenerate.
 * The family code is proto_daly.c, proto_jk.c, proto_ved.c, with the
 * shared decoder bms_decode.c (docs/protocols.md).
 * Strings and runs are references, not pointers (proto.h, pi_ref).
 */
#include "bms.h"
""")
    o.emit("PROTO_SET_BMS", TYPES + [("xrows", "struct bms_row"), ("cmds", "struct bms_cmd")])
    print(tables_struct(o, "bms_tables", "struct bms_cmd", "xrows"))
    print()
    print("\n".join(decls))
    for fam, lst in protos.items():
        print("const struct pi_proto *const %s[] = {\n%s\tNULL\n};\n" % (LISTS[fam], "".join("\t&%s,\n" % p for p in lst)))


if __name__ == "__main__":
    main()
