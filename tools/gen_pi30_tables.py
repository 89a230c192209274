#!/usr/bin/python3
"""Generate src/proto/pi30_tables.c from a checkout of mpp-solar 0.16.57.

Usage: tools/gen_pi30_tables.py /path/to/mpp-solar > src/proto/pi30_tables.c

Each protocol is loaded in a fresh interpreter, because the reference
mutates one shared PI30 command dict when a derived protocol is created
(docs/protocols.md); mppd gives every protocol its own table.  Only the
facts (command names, descriptions, patterns, rows, sample replies) are
taken; they are written out in mppd's own table format (src/proto/proto.h).
Identical definitions are emitted once and shared between protocols.

A row's type text ("float", "bytes.decode:r[2:int(r[0:2])+2]", "info:cv")
is parsed here into a decode kind and an expression (enum pi_kind and enum
pi_expr), so the decoder switches on enums; a type or expression the
decoder does not implement stops the generation with a message.
"""
import json
import subprocess
import sys

PROTOCOLS = ["PI30", "PI30MAX", "PI30M045", "PI30M044", "PI30MST", "PI41",
             "PI30REVO"]

DUMP = r'''
import importlib, json, sys, types
sys.path.insert(0, sys.argv[1])
pkg = types.ModuleType("mppsolar"); pkg.__path__ = [sys.argv[1] + "/mppsolar"]
sys.modules["mppsolar"] = pkg
name = sys.argv[2]
m = importlib.import_module("mppsolar.protocols." + name.lower())
cls = [getattr(m, c) for c in dir(m) if c.lower() == name.lower()][0]
p = cls()
def enc(x):
    if isinstance(x, bytes): return {"__bytes__": x.hex()}
    if isinstance(x, str): return x
    if isinstance(x, dict): return {"__dict__": [[enc(k), enc(v)] for k, v in x.items()]}
    if isinstance(x, (list, tuple)): return [enc(v) for v in x]
    return x
out = {"banner": str(p), "default": p.DEFAULT_COMMAND,
       "status": p.STATUS_COMMANDS, "settings": p.SETTINGS_COMMANDS,
       "commands": [[k, enc(d)] for k, d in p.COMMANDS.items()]}
print(json.dumps(out))
'''


def load(ref, proto):
    out = subprocess.run(["/usr/bin/python3", "-c", DUMP, ref, proto],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def cstr(s):
    if s is None:
        return "NULL"
    if isinstance(s, str):
        s = s.encode("utf-8")
    out = []
    for b in s:
        if 0x20 <= b < 0x7f and b not in (0x22, 0x5c, 0x3f):
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def ccomment(s):
    """Text safe inside a C comment: ASCII, no comment end, no trigraph."""
    out = "".join(c if 0x20 <= ord(c) < 0x7f else "." for c in s)
    return out.replace("*/", "* /").replace("?", ".")


class Emitter:
    """Collects one table set (one generated file) without pointers.

    Strings go into one pool, referred to by offset; runs of rows, pairs,
    strings, byte strings and commands go into one flat array each,
    referred to by index (struct pi_ref in src/proto/proto.h).  The file
    defines S(offset) and T(index) as references of its set.  Identical
    strings and runs are emitted once.
    """

    def __init__(self):
        self.pool = bytearray(b"\0")
        self.strs = {b"": 0}
        self.arrays = {}
        self.seen = {}

    def s(self, v):
        """A string reference: S(offset), or 0 for None."""
        if v is None:
            return "0"
        b = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        if b not in self.strs:
            self.strs[b] = len(self.pool)
            self.pool += b + b"\0"
        return "S(%d)" % self.strs[b]

    def run(self, kind, key, items):
        """A run of entries (C initializer texts) in array kind: T(index)."""
        k = (kind, key)
        if k not in self.seen:
            arr = self.arrays.setdefault(kind, [])
            self.seen[k] = len(arr)
            arr.extend(items)
        return "T(%d)" % self.seen[k]

    def strlist(self, items):
        return self.run("lists", json.dumps(items), [self.s(i) for i in items])

    def kvlist(self, pairs):
        return self.run("kvs", json.dumps(pairs),
                        ["{%s, %s}" % (self.s(a), self.s(b)) for a, b in pairs])

    def rows(self, rows):
        return self.run("rows", json.dumps(rows), rows)

    def canned(self, items):
        return self.run("bytes", json.dumps(items), [
            "{%s, %d}" % (self.s(bytes.fromhex(h)), len(h) // 2) for h in items])

    def cmd(self, body):
        return self.run("cmds", body, [body])

    def emit(self, setname, types):
        """Prints the set: S and T, the pool, the arrays in types order
        (kind, C element type), and returns the initializer of the set's
        struct proto_tables members for those arrays (name or NULL)."""
        print("#define S(o)\tPI_REF(%s, o)" % setname)
        print("#define T(i)\tPI_REF(%s, i)\n" % setname)
        print("static const char strs[] =")
        for b, off in sorted(self.strs.items(), key=lambda x: x[1]):
            print("\t/* %d */ %s" % (off, cstr(b + b"\0")))
        print("\t;")
        for kind, ctype in types:
            arr = self.arrays.get(kind)
            if not arr:
                continue
            print("\nstatic const %s %s[] = {" % (ctype, kind))
            for i, e in enumerate(arr):
                print("\t/* %d */ %s," % (i, e))
            print("};")
        print()


KINDS = {
    "string": "PK_STRING", "float": "PK_FLOAT", "int": "PK_INT",
    "10int": "PK_10INT", "option": "PK_OPTION", "hex_option": "PK_HEX_OPTION",
    "keyed": "PK_KEYED", "str_keyed": "PK_STR_KEYED", "flags": "PK_FLAGS",
    "stat_flags": "PK_STAT_FLAGS", "enflags": "PK_ENFLAGS", "multi": "PK_MULTI",
    "ack": "PK_ACK", "loop": "PK_LOOP", "exclude": "PK_EXCLUDE",
    "discard": "PK_EXCLUDE", "bytes.decode": "PK_BYTES_DECODE",
    "bytes": "PK_BYTES", "str": "PK_STR", "info": "PK_INFO",
}

TEMPLATES = {
    "r/10": "PX_DIV10",
    "r[2:int(r[0:2])+2]": "PX_LENPREFIX",
    "r.decode()": "PX_DECODE",
    "r/100": "PX_DIV100",
    "r*30": "PX_MUL30",
    "r": "PX_SAME",
    "r[6:]": "PX_FROM6",
    "r[7:]": "PX_FROM7",
    "datetime.strptime(r, '%Y%m%d%H%M%S').strftime('%Y-%m-%d %H:%M:%S')":
        "PX_STRPTIME",
}

INFO = {
    "cv": "PX_CV", "cv[:4]": "PX_CV_HEAD4", "cv[6:]": "PX_CV_FROM6",
    "calendar.month_name[int(cv[4:6])]": "PX_MONTH_4_6",
    "calendar.month_name[int(cv[4:])]": "PX_MONTH_4",
}


def parse_type(typ):
    """'float:r/10' -> ('PK_FLOAT', 'PX_DIV10'); stops on anything unknown."""
    base, _, expr = typ.partition(":")
    if base not in KINDS:
        sys.exit("gen_pi30_tables: unknown row type %r" % typ)
    if not expr:
        if base == "info":
            sys.exit("gen_pi30_tables: info row without expression")
        return KINDS[base], "PX_NONE"
    table = INFO if base == "info" else TEMPLATES
    if expr not in table:
        sys.exit("gen_pi30_tables: unknown expression in row type %r" % typ)
    return KINDS[base], table[expr]


def dict_pairs(d):
    return d["__dict__"] if isinstance(d, dict) and "__dict__" in d else None


def row_c(em, rtype, row):
    if rtype == "INDEXED":
        _, name, typ = row[0], row[1], row[2]
        u = row[3] if len(row) > 3 else ""
        extra = row[4] if len(row) > 4 else None
    else:
        typ = row[0]
        if typ == "multi":
            name, u, extra = "", None, None
            sub = [row_c(em, "DEFAULT", s) for s in row[1]]
            return '{%s, %s, %s, %s, %s, 0, 0, 0, 0, 0, 0, %s, %d}' % (
                em.s(typ), *parse_type(typ), em.s(""), em.s(""), em.rows(sub),
                len(sub))
        name = row[1]
        u = row[2] if len(row) > 2 else ""
        extra = row[3] if len(row) > 3 else None
    unit, lst, nl, mp, nm, ex, ne = em.s(""), "0", 0, "0", 0, "0", 0
    if isinstance(u, str):
        unit = em.s(u)
    elif isinstance(u, list):
        lst, nl = em.strlist(u), len(u)
    elif dict_pairs(u) is not None:
        pairs = dict_pairs(u)
        if typ == "enflags":
            pairs = [[k, dict(dict_pairs(v))["name"]] for k, v in pairs]
        pairs = [[k, v if isinstance(v, str) else json.dumps(v)] for k, v in pairs]
        mp, nm = em.kvlist(pairs), len(pairs)
    if dict_pairs(extra) is not None:
        pairs = dict_pairs(extra)
        ex, ne = em.kvlist(pairs), len(pairs)
    return "{%s, %s, %s, %s, %s, %s, %d, %s, %d, %s, %d, 0, 0} /* %s */" % (
        em.s(typ), *parse_type(typ), em.s(name), unit, lst, nl, mp, nm, ex, ne,
        ccomment(name))


TYPES = [("rows", "struct pi_row"), ("kvs", "struct pi_kv"), ("lists", "pi_ref"),
         ("bytes", "struct pi_bytes")]


def tables_struct(em, name, cmdtype, xrows="NULL"):
    """The file's struct proto_tables (its arrays, NULL for an empty one)."""
    have = lambda k: k if em.arrays.get(k) else "NULL"
    return "const struct proto_tables %s = {strs, %s, %s, %d, %s, %s, %s, sizeof(%s), %s};" % (
        name, have("rows"), have("kvs"), len(em.arrays.get("kvs", [])),
        have("lists"), have("bytes"), have("cmds"), cmdtype, xrows)


def cmd_core(em, key, d):
    """The members of a struct pi_cmd for command key, definition d (its
    rows and sample replies emitted on the way); the families that extend
    pi_cmd (gen_family_tables.py) wrap it."""
    rtype = d.get("response_type", "DEFAULT")
    rows = [row_c(em, rtype, r) for r in d.get("response", [])]
    rname = em.rows(rows) if rows else "0"
    canned = []
    for t in d.get("test_responses", []):
        canned.append(t["__bytes__"] if isinstance(t, dict) else t.encode().hex())
    cname = em.canned(canned) if canned else "0"
    return "%s, %s, %s, %s, %d, RT_%s, %s, %s, %s, %d, %s, %d" % (
        em.s(key), em.s(d["name"]), em.s(d.get("description", "")),
        em.s(d.get("help")), 1 if d.get("type") == "SETTER" else 0,
        rtype, em.s(d.get("regex") or None), em.s(d.get("crctype")),
        rname, len(rows), cname, len(canned))


def main():
    ref = sys.argv[1]
    em = Emitter()
    protos = []
    for pid in PROTOCOLS:
        data = load(ref, pid)
        cmds = []
        for key, d in data["commands"]:
            d = dict(dict_pairs(d))
            cmds.append(em.cmd("{%s} /* %s */" % (cmd_core(em, key, d),
                                                  ccomment(key))))
        protos.append((pid, data, cmds))

    print("/*")
    print(" * pi30_tables.c - command tables of the PI30 protocol family.")
    print(" *")
    print(" * GENERATED by tools/gen_pi30_tables.py from the definitions of")
    print(" * mpp-solar 0.16.57 (one fresh load per protocol, so each table is")
    print(" * the protocol's own).  Do not edit by hand: regenerate.")
    print(" * Row types are parsed into decode kinds (enum pi_kind, enum pi_expr);")
    print(" * the family code is proto_pi30.c, registered in registry.c.")
    print(" * Strings and runs are references, not pointers (proto.h, pi_ref).")
    print(" */")
    print('#include "proto_pi30.h"\n')
    em.emit("PROTO_SET_PI30", TYPES + [("cmds", "struct pi_cmd")])
    print(tables_struct(em, "pi30_tables", "struct pi_cmd"))
    print()
    for pid, data, cmds in protos:
        low = pid.lower()
        print("static const pi_ref %s_cmds[] = {%s};" % (low, ", ".join(cmds)))
        print("static const char *const %s_status[] = {%s, NULL};" % (
            low, ", ".join(cstr(c) for c in data["status"])))
        print("static const char *const %s_settings[] = {%s, NULL};" % (
            low, ", ".join(cstr(c) for c in data["settings"])))
        print("static const struct pi_proto %s = {%s, %s, &pi30_family, %s, %s, %s_status, %s_settings, %s_cmds, %d};\n" % (
            low, cstr(pid), cstr(data["banner"]),
            "PI30_REVO" if pid == "PI30REVO" else "PI30_PLAIN", cstr(data["default"]),
            low, low, low, len(cmds)))
    print("const struct pi_proto *const pi30_protocols[] = {%s, NULL};" % ", ".join(
        "&" + p.lower() for p in PROTOCOLS))


if __name__ == "__main__":
    main()
