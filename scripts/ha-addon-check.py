#!/usr/bin/python3
"""ha-addon-check.py - checks the Home Assistant add-on repository in this
source tree the way the Home Assistant Supervisor reads it.

    scripts/ha-addon-check.py [REPO_ROOT]      the whole repository
    scripts/ha-addon-check.py --config FILE    one add-on config.yaml only

The rules are those of the Supervisor's own voluptuous schemas, encoded
here by hand from home-assistant/supervisor (2026-08):
  supervisor/apps/validate.py (it was supervisor/addons/validate.py):
    SCHEMA_APP_CONFIG (SCHEMA_ADDON_CONFIG) with its migration and
    advisory steps, SCHEMA_BUILD_CONFIG, SCHEMA_APP_TRANSLATIONS,
    RE_SERVICE, RE_VOLUME, RE_MACHINE, SCHEMA_ELEMENT;
  supervisor/apps/options.py: RE_SCHEMA_ELEMENT and AppOptions (the
    default options must pass the add-on's own schema);
  supervisor/store/validate.py: SCHEMA_REPOSITORY_CONFIG;
  supervisor/store/data.py: how a repository is searched (repository.*,
    every **/config.{yaml,yml,json} outside dot folders and rootfs is an
    add-on), how translations/*.yaml are read;
  supervisor/apps/build.py: build.* beside config, Dockerfile present,
    one base image for each architecture the add-on lists.
Where the Supervisor only logs an advisory (deprecated key or value,
redundant setting), this checker fails: an add-on of ours has none.
Not encoded: version parsing by AwesomeVersion (a version must be a
string here), Docker registry checks of `image`, device lookups of
`device` option types, `!secret` lookups.

Our own consistency rules (mppd): config version = project version in
CMakeLists.txt; the Dockerfile's MPPD_REF is v<version>; config url =
repository url = the Dockerfile's MPPD_REPOSITORY; icon.png and logo.png
are PNG files; README.md's "add repository" link carries that url; the
test fixture tests/addon/conf/default/options.json is
the add-on's default options.

Exit 0 when everything passes; otherwise 1 after printing each problem
on a line starting with "REJECTED:".  Needs python3-yaml and
python3-voluptuous (Debian).
"""

import enum
import json
import pathlib
import re
import struct
import subprocess
import sys
import urllib.parse

import voluptuous as vol
import yaml

# --- supervisor/const.py ---------------------------------------------------
ARCH_ALL = ["aarch64", "amd64"]
ARCH_DEPRECATED = ["armhf", "armv7", "i386"]
ARCH_ALL_COMPAT = ARCH_ALL + ARCH_DEPRECATED
MACHINE_DEPRECATED = ["odroid-xu", "qemuarm", "qemux86", "raspberrypi",
                      "raspberrypi2", "raspberrypi3", "raspberrypi4", "tinker"]
ROLE_ALL = ["default", "homeassistant", "backup", "manager", "admin"]
FILE_SUFFIX_CONFIGURATION = [".yaml", ".yml", ".json"]
INGRESS_DYNAMIC_PORT_MIN = 62000
INGRESS_DYNAMIC_PORT_MAX = 65500


class AppStartup(enum.StrEnum):
    INITIALIZE = "initialize"
    SYSTEM = "system"
    SERVICES = "services"
    APPLICATION = "application"
    ONCE = "once"


class AppBootConfig(enum.StrEnum):
    AUTO = "auto"
    MANUAL = "manual"
    MANUAL_ONLY = "manual_only"


class AppStage(enum.StrEnum):
    STABLE = "stable"
    EXPERIMENTAL = "experimental"
    DEPRECATED = "deprecated"


class AppBackupMode(enum.StrEnum):
    HOT = "hot"
    COLD = "cold"


class MappingType(enum.StrEnum):
    DATA = "data"
    CONFIG = "config"
    SSL = "ssl"
    LOCAL_APPS = "local_apps"
    BACKUP = "backup"
    SHARE = "share"
    MEDIA = "media"
    HOMEASSISTANT_CONFIG = "homeassistant_config"
    ALL_APP_CONFIGS = "all_app_configs"
    APP_CONFIG = "app_config"
    ADDONS = "addons"
    ALL_ADDON_CONFIGS = "all_addon_configs"
    ADDON_CONFIG = "addon_config"


class Capabilities(enum.StrEnum):  # supervisor/docker/const.py
    BPF = "BPF"
    CHECKPOINT_RESTORE = "CHECKPOINT_RESTORE"
    DAC_READ_SEARCH = "DAC_READ_SEARCH"
    IPC_LOCK = "IPC_LOCK"
    NET_ADMIN = "NET_ADMIN"
    NET_RAW = "NET_RAW"
    PERFMON = "PERFMON"
    SYS_ADMIN = "SYS_ADMIN"
    SYS_MODULE = "SYS_MODULE"
    SYS_NICE = "SYS_NICE"
    SYS_PTRACE = "SYS_PTRACE"
    SYS_RAWIO = "SYS_RAWIO"
    SYS_RESOURCE = "SYS_RESOURCE"
    SYS_TIME = "SYS_TIME"


# --- supervisor/validate.py ------------------------------------------------
network_port = vol.All(vol.Coerce(int), vol.Range(min=1, max=65535))
docker_port = vol.All(str, vol.Match(r"^\d+(?:/tcp|/udp)?$"))
docker_ports = vol.Schema({docker_port: vol.Maybe(network_port)})
docker_ports_description = vol.Schema({docker_port: str})
RE_REPOSITORY = re.compile(r"^(?P<url>[^#]+)(?:#(?P<branch>[\w\-./]+))?$")
_RE_IMAGE_PATH_COMPONENT = re.compile(r"^[a-z0-9{][a-z0-9.\-_{}]*$")


def version_tag(value):
    """AwesomeVersion accepts almost anything; we want a quoted string."""
    if not isinstance(value, str) or not value:
        raise vol.Invalid("version must be a non-empty string (quote it)")
    return value


def docker_image(image):
    """Image name without tag (registry checks not encoded)."""
    if not image or not isinstance(image, str):
        raise vol.Invalid(f"Expected a non-empty string for docker image, got: {image}")
    path = image.split("/", 1)[1] if "/" in image and (
        "." in image.split("/")[0] or ":" in image.split("/")[0]) else image
    if ":" in path:
        raise vol.Invalid(f"Docker image must not contain a tag: {image}")
    for component in path.split("/"):
        if not _RE_IMAGE_PATH_COMPONENT.match(component):
            raise vol.Invalid(f"Invalid Docker image path component '{component}' in: {image}")
    return image


# --- supervisor/apps/const.py, apps/options.py ------------------------------
RE_SLUG = r"[-_.A-Za-z0-9]+"
RE_SCHEMA_ELEMENT = re.compile(
    r"^(?:"
    r"|bool"
    r"|email"
    r"|url"
    r"|port"
    r"|device(?:\((?P<filter>subsystem=[a-z]+)\))?"
    r"|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?"
    r"|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?"
    r"|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?"
    r"|float(?:\((?P<f_min>-?\d*\.?\d+)?,(?P<f_max>-?\d*\.?\d+)?\))?"
    r"|match\((?P<match>.*)\)"
    r"|list\((?P<list>.+)\)"
    r")\??$"
)
_SCHEMA_LENGTH_PARTS = ("i_min", "i_max", "f_min", "f_max",
                        "s_min", "s_max", "p_min", "p_max")

# --- supervisor/apps/validate.py -------------------------------------------
RE_VOLUME = re.compile(
    r"^(data|config|ssl|local_apps|addons|backup|share|media|homeassistant_config"
    r"|all_app_configs|all_addon_configs|app_config|addon_config)(?::(rw|ro))?$"
)
RE_SERVICE = re.compile(r"^(?P<service>mqtt|mysql):(?P<rights>provide|want|need)$")
RE_DOCKER_IMAGE_BUILD = re.compile(
    r"^([a-zA-Z\-\.:\d{}]+/)*?([\-\w{}]+)/([\-\w{}]+)(:[\.\-\w{}]+)?$"
)
SCHEMA_ELEMENT = vol.Schema(
    vol.Any(
        vol.Match(RE_SCHEMA_ELEMENT),
        [vol.Any(vol.Match(RE_SCHEMA_ELEMENT), {str: vol.Self})],
        {str: vol.Self},
    )
)
RE_MACHINE = re.compile(
    r"^!?(?:|intel-nuc|khadas-vim3|generic-aarch64|generic-x86-64|odroid-c2"
    r"|odroid-c4|odroid-m1|odroid-n2|odroid-xu|qemuarm-64|qemuarm|qemux86-64"
    r"|qemux86|raspberrypi|raspberrypi2|raspberrypi3-64|raspberrypi3"
    r"|raspberrypi4-64|raspberrypi4|raspberrypi5-64|yellow|green|tinker)$"
)
RE_SLUG_FIELD = re.compile(r"^" + RE_SLUG + r"$")


def _migrate(log):
    """_migrate_app_config: old formats are rewritten with an advisory."""
    def migrate(config):
        if not isinstance(config, dict):
            raise vol.Invalid("App config must be a dictionary!")
        name = config.get("name")
        if not name:
            raise vol.Invalid("Invalid app config!")
        if config.get("startup") in ("before", "after"):
            log(f"deprecated 'startup' value '{config['startup']}'")
            config["startup"] = ("services" if config["startup"] == "before"
                                 else "application")
        if "auto_uart" in config:
            log("deprecated 'auto_uart'; use 'uart' instead")
            config["uart"] = config.pop("auto_uart")
        if "devices" in config and any(":" in line for line in config["devices"]):
            log("deprecated 'devices' format; use a list of paths only")
            config["devices"] = [line.split(":")[0] for line in config["devices"]]
        if "tmpfs" in config and not isinstance(config["tmpfs"], bool):
            log("deprecated 'tmpfs' format; use a boolean instead")
            config["tmpfs"] = True
        for entry in ("snapshot_exclude", "snapshot_post", "snapshot_pre", "snapshot"):
            if entry in config:
                log(f"deprecated config '{entry}'")
                config[entry.replace("snapshot", "backup")] = config.pop(entry)
        volumes = []
        for entry in config.get("map", []):
            if isinstance(entry, dict):
                if "type" not in entry:
                    log(f"invalid map entry missing the 'type' field: {entry}")
                    continue
                volumes.append(entry)
            if isinstance(entry, str):
                result = RE_VOLUME.match(entry)
                if not result:
                    log(f"invalid map entry: {entry}")
                    continue
                volumes.append({"type": result.group(1),
                                "read_only": result.group(2) != "rw"})
        config["map"] = volumes
        types = {v["type"] for v in volumes}
        if "config" in types:
            log("map option 'config' is deprecated or conflicts")
        for new, old in (("local_apps", "addons"),
                         ("all_app_configs", "all_addon_configs"),
                         ("app_config", "addon_config")):
            if {new, old} <= types:
                log(f"incompatible map options '{new}' and '{old}'")
        return config
    return migrate


def _warn(log):
    """_warn_app_config: questionable settings get an advisory."""
    def warn(config):
        name = config.get("name")
        if not name:
            raise vol.Invalid("Invalid app config!")
        if "advanced" in config:
            log("deprecated 'advanced' field")
        if config.get("full_access", False) and any(
                config.get(k) for k in ("devices", "uart", "usb", "gpio")):
            log("full device access makes selective device access redundant")
        if config.get("backup", "hot") == "cold" and (
                config.get("backup_post") or config.get("backup_pre")):
            log("COLD backups ignore pre/post backup commands")
        dep = [a for a in config.get("arch", []) if a in ARCH_DEPRECATED]
        if dep:
            log(f"deprecated 'arch' values: {dep}")
        dep = [m for m in config.get("machine", []) if m.lstrip("!") in MACHINE_DEPRECATED]
        if dep:
            log(f"deprecated 'machine' values: {dep}")
        if "codenotary" in config:
            log("deprecated 'codenotary' field")
        for volume in config["map"]:
            if volume["type"] in ("addons", "all_addon_configs", "addon_config"):
                log(f"legacy map type '{volume['type']}'")
        if config.get("ingress") and config.get("ingress_port") == 0:
            for container_port in config.get("ports", {}):
                n = str(container_port).partition("/")[0]
                if n.isdigit() and INGRESS_DYNAMIC_PORT_MIN <= int(n) <= INGRESS_DYNAMIC_PORT_MAX:
                    raise vol.Invalid(f"port {n} is reserved for dynamic ingress ports")
        return config
    return warn


_SCHEMA_APP_CONFIG = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Required("version"): version_tag,
        vol.Required("slug"): vol.Match(RE_SLUG_FIELD),
        vol.Required("description"): str,
        vol.Required("arch"): [vol.In(ARCH_ALL_COMPAT)],
        vol.Optional("machine"): vol.All([vol.Match(RE_MACHINE)], vol.Unique()),
        vol.Optional("url"): vol.Url(),
        vol.Optional("startup", default=AppStartup.APPLICATION): vol.Coerce(AppStartup),
        vol.Optional("boot", default=AppBootConfig.AUTO): vol.Coerce(AppBootConfig),
        vol.Optional("init", default=True): vol.Boolean(),
        vol.Optional("advanced", default=False): vol.Boolean(),
        vol.Optional("stage", default=AppStage.STABLE): vol.Coerce(AppStage),
        vol.Optional("ports"): docker_ports,
        vol.Optional("ports_description"): docker_ports_description,
        vol.Optional("watchdog"): vol.Match(
            r"^(?:https?|\[PROTO:\w+\]|tcp):\/\/\[HOST\]:(\[PORT:\d+\]|\d+).*$"),
        vol.Optional("webui"): vol.Match(
            r"^(?:https?|\[PROTO:\w+\]):\/\/\[HOST\]:\[PORT:\d+\].*$"),
        vol.Optional("ingress", default=False): vol.Boolean(),
        vol.Optional("ingress_port", default=8099): vol.Any(network_port, vol.Equal(0)),
        vol.Optional("ingress_entry"): str,
        vol.Optional("ingress_stream", default=False): vol.Boolean(),
        vol.Optional("panel_icon", default="mdi:puzzle"): str,
        vol.Optional("panel_title"): str,
        vol.Optional("panel_admin", default=True): vol.Boolean(),
        vol.Optional("homeassistant"): version_tag,
        vol.Optional("host_network", default=False): vol.Boolean(),
        vol.Optional("host_pid", default=False): vol.Boolean(),
        vol.Optional("host_ipc", default=False): vol.Boolean(),
        vol.Optional("host_uts", default=False): vol.Boolean(),
        vol.Optional("host_dbus", default=False): vol.Boolean(),
        vol.Optional("devices"): [str],
        vol.Optional("udev", default=False): vol.Boolean(),
        vol.Optional("tmpfs", default=False): vol.Boolean(),
        vol.Optional("map", default=list): [
            vol.Schema({
                vol.Required("type"): vol.Coerce(MappingType),
                vol.Optional("read_only", default=True): bool,
                vol.Optional("path"): str,
            })
        ],
        vol.Optional("environment"): {vol.Match(r"\w*"): str},
        vol.Optional("privileged"): [vol.Coerce(Capabilities)],
        vol.Optional("apparmor", default=True): vol.Boolean(),
        vol.Optional("full_access", default=False): vol.Boolean(),
        vol.Optional("audio", default=False): vol.Boolean(),
        vol.Optional("video", default=False): vol.Boolean(),
        vol.Optional("gpio", default=False): vol.Boolean(),
        vol.Optional("usb", default=False): vol.Boolean(),
        vol.Optional("uart", default=False): vol.Boolean(),
        vol.Optional("devicetree", default=False): vol.Boolean(),
        vol.Optional("kernel_modules", default=False): vol.Boolean(),
        vol.Optional("realtime", default=False): vol.Boolean(),
        vol.Optional("hassio_api", default=False): vol.Boolean(),
        vol.Optional("hassio_role", default="default"): vol.In(ROLE_ALL),
        vol.Optional("homeassistant_api", default=False): vol.Boolean(),
        vol.Optional("stdin", default=False): vol.Boolean(),
        vol.Optional("legacy", default=False): vol.Boolean(),
        vol.Optional("docker_api", default=False): vol.Boolean(),
        vol.Optional("auth_api", default=False): vol.Boolean(),
        vol.Optional("services"): [vol.Match(RE_SERVICE)],
        vol.Optional("discovery"): [str],
        vol.Optional("backup_exclude"): [str],
        vol.Optional("backup_pre"): str,
        vol.Optional("backup_post"): str,
        vol.Optional("backup", default=AppBackupMode.HOT): vol.Coerce(AppBackupMode),
        vol.Optional("options", default={}): dict,
        vol.Optional("schema", default={}): vol.Any(
            vol.Schema({str: SCHEMA_ELEMENT}), False),
        vol.Optional("image"): docker_image,
        vol.Optional("ulimits", default=dict): vol.Any(
            {str: vol.Coerce(int)},
            {str: vol.Any(vol.Coerce(int), vol.Schema({
                vol.Required("soft"): vol.Coerce(int),
                vol.Required("hard"): vol.Coerce(int)}))},
        ),
        vol.Optional("timeout", default=10): vol.All(
            vol.Coerce(int), vol.Range(min=10, max=300)),
        vol.Optional("journald", default=False): vol.Boolean(),
        vol.Optional("breaking_versions", default=list): [version_tag],
    },
    extra=vol.REMOVE_EXTRA,
)

SCHEMA_BUILD_CONFIG = vol.Schema(
    {
        vol.Optional("build_from", default=dict): vol.Any(
            vol.Match(RE_DOCKER_IMAGE_BUILD),
            vol.Schema({vol.In(ARCH_ALL_COMPAT): vol.Match(RE_DOCKER_IMAGE_BUILD)}),
        ),
        vol.Optional("squash", default=False): vol.Boolean(),
        vol.Optional("args", default=dict): vol.Schema({str: str}),
        vol.Optional("labels", default=dict): vol.Schema({str: str}),
    },
    extra=vol.REMOVE_EXTRA,
)

SCHEMA_TRANSLATION_CONFIGURATION = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("description"): vol.Maybe(str),
        vol.Optional("fields"): {str: vol.Self},
    },
    extra=vol.REMOVE_EXTRA,
)
SCHEMA_APP_TRANSLATIONS = vol.Schema(
    {
        vol.Optional("configuration"): {str: SCHEMA_TRANSLATION_CONFIGURATION},
        vol.Optional("network"): {str: str},
    },
    extra=vol.REMOVE_EXTRA,
)

# --- supervisor/store/validate.py ------------------------------------------
SCHEMA_REPOSITORY_CONFIG = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("url"): vol.Url(),
        vol.Optional("maintainer"): str,
    },
    extra=vol.REMOVE_EXTRA,
)


# --- AppOptions (supervisor/apps/options.py), without device/secret lookups -
class Options:
    def __init__(self, raw_schema):
        self.raw_schema = raw_schema

    def __call__(self, struct):
        if not isinstance(struct, dict):
            raise vol.Invalid("options must be a dict")
        options = {}
        for key, value in struct.items():
            if key not in self.raw_schema:
                raise vol.Invalid(f"option '{key}' does not exist in the schema")
            options[key] = self._element(self.raw_schema[key], value, key)
        self._missing(self.raw_schema, options, "root")
        return options

    def _element(self, typ, value, key):
        if isinstance(typ, list):
            if not isinstance(value, list):
                raise vol.Invalid(f"Invalid list for option '{key}'")
            return [self._element(typ[0], v, key) for v in value]
        if isinstance(typ, dict):
            if not isinstance(value, dict):
                raise vol.Invalid(f"Invalid dict for option '{key}'")
            out = {}
            for c_key, c_value in value.items():
                if c_key not in typ:
                    raise vol.Invalid(f"unknown option '{c_key}' in '{key}'")
                out[c_key] = self._element(typ[c_key], c_value, c_key)
            self._missing(typ, out, key)
            return out
        return self._single(typ, value, key)

    @staticmethod
    def _single(typ, value, key):
        if value is None:
            raise vol.Invalid(f"Missing required option '{key}'")
        match = RE_SCHEMA_ELEMENT.match(typ)
        if not match:
            raise vol.Invalid(f"Unknown type '{typ}'")
        rng = {}
        for g in _SCHEMA_LENGTH_PARTS:
            if match.group(g):
                rng[g[2:]] = float(match.group(g))
        try:
            if typ.startswith("str") or typ.startswith("password"):
                return vol.All(str, vol.Length(**rng))(value)
            if typ.startswith("int"):
                return vol.All(vol.Coerce(int), vol.Range(**rng))(value)
            if typ.startswith("float"):
                return vol.All(vol.Coerce(float), vol.Range(**rng))(value)
            if typ.startswith("bool"):
                return vol.Boolean()(value)
            if typ.startswith("email"):
                return vol.Email()(value)
            if typ.startswith("url"):
                return vol.Url()(value)
            if typ.startswith("port"):
                return network_port(value)
            if typ.startswith("match"):
                return vol.Match(match.group("match"))(str(value))
            if typ.startswith("list"):
                return vol.In(match.group("list").split("|"))(str(value))
            if typ.startswith("device"):
                return vol.All(str)(value)
        except vol.Invalid as err:
            raise vol.Invalid(f"option '{key}': {err}") from None
        raise vol.Invalid(f"Fatal error for option '{key}' with type '{typ}'")

    @staticmethod
    def _missing(origin, exists, root):
        for miss in set(origin) - set(exists):
            sch = origin[miss]
            if isinstance(sch, list) and sch:
                sch = sch[0]
            if isinstance(sch, str) and sch.endswith("?"):
                continue
            raise vol.Invalid(f"Missing option '{miss}' in {root}")


# --- reading files as the Supervisor does ----------------------------------
def read_json_or_yaml(path):
    if path.suffix == ".json":
        return json.loads(path.read_text())
    # The Supervisor uses its own YAML loader (a SafeLoader).
    return yaml.safe_load(path.read_text())


class Checker:
    def __init__(self):
        self.problems = []

    def reject(self, where, msg):
        self.problems.append(f"{where}: {msg}")

    def advisory(self, where):
        return lambda msg: self.reject(where, f"Supervisor advisory: {msg}")

    def check_app_config(self, path):
        """Returns the validated config, or None."""
        where = str(path)
        try:
            raw = read_json_or_yaml(path)
        except (OSError, ValueError, yaml.YAMLError) as err:
            self.reject(where, f"cannot be read: {err}")
            return None
        if isinstance(raw, dict) and isinstance(raw.get("version"), (int, float)):
            self.reject(where, "version: must be a quoted string, YAML made it a number")
        raw_schema = raw.get("schema") if isinstance(raw, dict) else None
        try:
            config = vol.All(_migrate(self.advisory(where)), _warn(self.advisory(where)),
                             _SCHEMA_APP_CONFIG)(raw)
        except vol.Invalid as err:
            self.reject(where, f"SCHEMA_APP_CONFIG: {err}")
            return None
        if config["schema"] is not False:
            try:
                Options(raw_schema or {})(config["options"])
            except vol.Invalid as err:
                self.reject(where, f"options do not pass the add-on's schema: {err}")
        return config

    def check_build(self, app_dir, config):
        files = [f for f in app_dir.glob("**/build.*") if f.suffix in FILE_SUFFIX_CONFIGURATION]
        dockerfile = app_dir / "Dockerfile"
        if not dockerfile.is_file() and not config.get("image"):
            self.reject(str(app_dir), "no Dockerfile (the Supervisor cannot build it)")
        if not files:
            return None
        where = str(files[0])
        try:
            build = SCHEMA_BUILD_CONFIG(read_json_or_yaml(files[0]))
        except (vol.Invalid, ValueError, yaml.YAMLError) as err:
            self.reject(where, f"SCHEMA_BUILD_CONFIG: {err}")
            return None
        base = build["build_from"]
        if isinstance(base, dict):
            for arch in config["arch"]:
                if arch not in base:
                    self.reject(where, f"build_from has no base image for arch {arch}")
        if dockerfile.is_file():
            text = dockerfile.read_text()
            if not re.search(r"^ARG BUILD_FROM\b", text, re.M) or \
                    not re.search(r"^FROM \$\{?BUILD_FROM\}?", text, re.M):
                self.reject(str(dockerfile), "does not build FROM the BUILD_FROM argument")
        return build

    def check_translations(self, app_dir, config):
        tdir = app_dir / "translations"
        if not tdir.is_dir():
            return
        for f in sorted(tdir.glob("*")):
            if f.suffix not in FILE_SUFFIX_CONFIGURATION:
                continue
            try:
                tr = SCHEMA_APP_TRANSLATIONS(read_json_or_yaml(f))
            except (vol.Invalid, ValueError, yaml.YAMLError) as err:
                self.reject(str(f), f"SCHEMA_APP_TRANSLATIONS: {err}")
                continue
            schema = config["schema"] or {}
            for key in tr.get("configuration", {}):
                if key not in schema:
                    self.reject(str(f), f"translates '{key}', which is not an option")
            for key in schema:
                if key not in tr.get("configuration", {}):
                    self.reject(str(f), f"option '{key}' has no translation")

    def check_png(self, path):
        try:
            head = path.read_bytes()[:24]
        except OSError:
            self.reject(str(path), "missing")
            return None
        if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
            self.reject(str(path), "not a PNG file")
            return None
        return struct.unpack(">II", head[16:24])

    def check_repository(self, root):
        files = tracked_files(root)
        repo_files = [f for f in files if pathlib.PurePath(f).stem == "repository"
                      and pathlib.PurePath(f).suffix in FILE_SUFFIX_CONFIGURATION]
        if not repo_files:
            self.reject(str(root), "no repository.yaml: the Supervisor refuses the repository")
            return
        if len(repo_files) > 1:
            self.reject(str(root), f"several repository files, the Supervisor takes any one: {repo_files}")
        try:
            repo = SCHEMA_REPOSITORY_CONFIG(read_json_or_yaml(root / repo_files[0]))
        except (vol.Invalid, ValueError, yaml.YAMLError) as err:
            self.reject(repo_files[0], f"SCHEMA_REPOSITORY_CONFIG: {err}")
            return
        configs = [f for f in files
                   if pathlib.PurePath(f).name.startswith("config.")
                   and pathlib.PurePath(f).suffix in FILE_SUFFIX_CONFIGURATION
                   and not any(p.startswith(".") or p == "rootfs"
                               for p in pathlib.PurePath(f).parts)]
        if configs != ["dist/ha-addon/mppd/config.yaml"]:
            self.reject(str(root), "the Supervisor would take these files as add-ons "
                        f"(**/config.*): {configs}; expected only dist/ha-addon/mppd/config.yaml")
        for c in configs:
            path = root / c
            config = self.check_app_config(path)
            if config is None:
                continue
            app_dir = path.parent
            self.check_build(app_dir, config)
            self.check_translations(app_dir, config)
            self.check_png(app_dir / "logo.png")
            size = self.check_png(app_dir / "icon.png")
            if size is not None and size[0] != size[1]:
                self.reject(str(app_dir / "icon.png"), f"not square: {size}")
            self.check_mppd_rules(root, app_dir, config, repo)

    def check_mppd_rules(self, root, app_dir, config, repo):
        cm = (root / "CMakeLists.txt").read_text()
        m = re.search(r"project\(mppd VERSION ([0-9.]+)", cm)
        if m and config["version"] != m.group(1):
            self.reject(str(app_dir / "config.yaml"),
                        f"version {config['version']} is not the project's {m.group(1)}")
        text = (app_dir / "Dockerfile").read_text()
        ref = re.search(r"^ARG MPPD_REF=(\S+)", text, re.M)
        url = re.search(r"^ARG MPPD_REPOSITORY=(\S+)", text, re.M)
        if not ref or ref.group(1) != "v" + str(config["version"]):
            self.reject(str(app_dir / "Dockerfile"), f"MPPD_REF is not v{config['version']}")
        if not url or url.group(1) != repo.get("url") or config.get("url") != repo.get("url"):
            self.reject(str(app_dir), "config url, repository.yaml url and the Dockerfile's "
                        "MPPD_REPOSITORY differ")
        for svc in config.get("services", []):
            if svc == "mqtt:need":
                break
        else:
            self.reject(str(app_dir / "config.yaml"), "services: mqtt:need is missing")
        if not (config["uart"] and config["usb"]):
            self.reject(str(app_dir / "config.yaml"), "needs uart and usb access")
        readme = root / "README.md"
        link = "repository_url=" + urllib.parse.quote(str(repo.get("url")), safe="")
        if readme.is_file() and not re.search(re.escape(link) + r"(?![%\w.-])",
                                              readme.read_text()):
            self.reject(str(readme), f"no add-repository link with {link}")
        fixture = root / "tests/addon/conf/default/options.json"
        if fixture.is_file() and json.loads(fixture.read_text()) != config["options"]:
            self.reject(str(fixture), "differs from the options in config.yaml")


def tracked_files(root):
    """The files a clone of the repository has (what the Supervisor reads)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached",
                              "--others", "--exclude-standard"],
                             check=True, capture_output=True).stdout
        return sorted(f for f in out.decode().split("\0") if f and (root / f).exists())
    except (OSError, subprocess.CalledProcessError):
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def main(argv):
    checker = Checker()
    if len(argv) == 3 and argv[1] == "--config":
        checker.check_app_config(pathlib.Path(argv[2]))
    elif len(argv) <= 2:
        root = pathlib.Path(argv[1] if len(argv) == 2 else ".").resolve()
        checker.check_repository(root)
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    for p in checker.problems:
        print(f"REJECTED: {p}")
    if checker.problems:
        return 1
    print("ha-addon-check: the add-on repository passes the Supervisor's rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
