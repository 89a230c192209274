#!/usr/bin/python3
"""check_rejects.py CASE - shows that scripts/ha-addon-check.py rejects a
broken add-on repository: the repository's add-on files are copied to a
temporary tree, case_CASE() breaks one thing, and the checker must exit 1
with a REJECTED line matching the case's docstring (a regular expression).
Every case_* function is one CTest entry (tests/addon/CMakeLists.txt)."""
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

TOP = pathlib.Path(__file__).resolve().parents[2]
ADDON = "dist/ha-addon/mppd"


def edit_yaml(tree, rel, fn):
    path = tree / rel
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def config(tree, fn):
    edit_yaml(tree, f"{ADDON}/config.yaml", fn)


def case_service_rights(tree):
    r"SCHEMA_APP_CONFIG: .*services"
    config(tree, lambda c: c.update(services=["mqtt:required"]))


def case_deprecated_arch(tree):
    r"advisory: deprecated 'arch' values: \['armv7'\]"
    config(tree, lambda c: c["arch"].append("armv7"))


def case_schema_type(tree):
    r"SCHEMA_APP_CONFIG: .*schema"
    config(tree, lambda c: c["schema"].update(pause="integer"))


def case_default_option_type(tree):
    r"options do not pass the add-on's schema: option 'pause'"
    config(tree, lambda c: c["options"].update(pause="soon"))


def case_default_option_missing(tree):
    r"options do not pass the add-on's schema: Missing option 'port' in devices"
    config(tree, lambda c: c["options"]["devices"][0].pop("port"))


def case_numeric_version(tree):
    r"version: must be a quoted string"
    path = tree / ADDON / "config.yaml"
    path.write_text(re.sub(r'(?m)^version: .*$', "version: 0.10", path.read_text()))


def case_no_slug(tree):
    r"SCHEMA_APP_CONFIG: required key not provided .*slug"
    config(tree, lambda c: c.pop("slug"))


def case_startup(tree):
    r"SCHEMA_APP_CONFIG: .*startup"
    config(tree, lambda c: c.update(startup="later"))


def case_repository_no_name(tree):
    r"SCHEMA_REPOSITORY_CONFIG: required key not provided .*name"
    edit_yaml(tree, "repository.yaml", lambda r: r.pop("name"))


def case_repository_missing(tree):
    r"no repository.yaml"
    (tree / "repository.yaml").unlink()


def case_build_arch(tree):
    r"build_from has no base image for arch amd64"
    edit_yaml(tree, f"{ADDON}/build.yaml", lambda b: b["build_from"].pop("amd64"))


def case_build_image(tree):
    r"SCHEMA_BUILD_CONFIG"
    edit_yaml(tree, f"{ADDON}/build.yaml",
              lambda b: b["build_from"].update(amd64="not an image"))


def case_second_config(tree):
    r"would take these files as add-ons"
    (tree / "tests").mkdir(exist_ok=True)
    (tree / "tests/config.json").write_text("{}")


def case_translation_unknown(tree):
    r"translates 'colour', which is not an option"
    edit_yaml(tree, f"{ADDON}/translations/en.yaml",
              lambda t: t["configuration"].update(colour={"name": "Colour"}))


def case_icon_not_png(tree):
    r"icon.png: not a PNG file"
    (tree / ADDON / "icon.png").write_bytes(b"GIF89a")


def case_version_mismatch(tree):
    r"version 9.9.9 is not the project's"
    config(tree, lambda c: c.update(version="9.9.9"))


def case_no_mqtt(tree):
    r"services: mqtt:need is missing"
    config(tree, lambda c: c.update(services=["mqtt:want"]))


def case_readme_link(tree):
    r"README.md: no add-repository link"
    edit_yaml(tree, "repository.yaml", lambda r: r.update(url="https://example.org/other"))
    config(tree, lambda c: c.update(url="https://example.org/other"))
    path = tree / ADDON / "Dockerfile"
    path.write_text(re.sub(r"(?m)^ARG MPPD_REPOSITORY=.*$",
                           "ARG MPPD_REPOSITORY=https://example.org/other", path.read_text()))


def case_url_mismatch(tree):
    r"config url, repository.yaml url and the Dockerfile's MPPD_REPOSITORY differ"
    config(tree, lambda c: c.update(url="https://example.org/other"))


def main(name):
    fn = globals().get(f"case_{name}")
    if fn is None:
        print(f"no case {name}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tree = pathlib.Path(tmp)
        shutil.copytree(TOP / ADDON, tree / ADDON)
        for f in ("repository.yaml", "CMakeLists.txt", "README.md"):
            shutil.copy(TOP / f, tree / f)
        # The untouched copy passes: the case alone breaks it.
        ok = subprocess.run([sys.executable, TOP / "scripts/ha-addon-check.py", tree],
                            capture_output=True, text=True)
        if ok.returncode != 0:
            print("FAIL: the unbroken copy is rejected:\n" + ok.stdout, file=sys.stderr)
            return 1
        fn(tree)
        res = subprocess.run([sys.executable, TOP / "scripts/ha-addon-check.py", tree],
                             capture_output=True, text=True)
    print(res.stdout, end="")
    want = fn.__doc__.strip()
    lines = [l for l in res.stdout.splitlines() if l.startswith("REJECTED:")]
    if res.returncode != 1 or not any(re.search(want, l) for l in lines):
        print(f"FAIL: expected exit 1 and a REJECTED line matching /{want}/, "
              f"got exit {res.returncode}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
