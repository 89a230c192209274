#!/usr/bin/python3
"""selftest.py CASE - runs hass_schema_check.py on one file of cases/ and
checks its verdict against the file's header:
  # expect: pass   exit 0 with --strict, no FAIL or WARN line
  # expect: fail   exit 1, a FAIL line containing the reason
  # expect: warn   exit 0, a WARN line containing the reason; exit 1 with
                   --strict
  # reason: TEXT
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "hass_schema_check.py")


def run(path, *opts):
    p = subprocess.run([sys.executable, CHECK, *opts, path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True, timeout=60)
    return p.returncode, p.stdout


def main():
    path = os.path.join(HERE, "cases", sys.argv[1] + ".txt")
    head = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# ") and ":" in line:
                k, v = line[2:].split(":", 1)
                head[k.strip()] = v.strip()
    expect, reason = head["expect"], head.get("reason", "")
    rc, out = run(path)
    src, sout = run(path, "--strict")
    print(out, end="")
    lines = out.splitlines()
    if expect == "pass":
        ok = src == 0 and not any(l.startswith(("FAIL", "WARN")) for l in lines)
    elif expect == "fail":
        ok = rc == 1 and any(l.startswith("FAIL") and reason in l
                             for l in lines)
    elif expect == "warn":
        ok = rc == 0 and src == 1 and any(
            l.startswith("WARN") and reason in l for l in lines)
    else:
        print("selftest: bad expect %r" % expect)
        return 2
    if not ok:
        print("selftest: expected %s (%r), got exit %d (%d with --strict)"
              % (expect, reason, rc, src))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
