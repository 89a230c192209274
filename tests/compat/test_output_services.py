"""
test_output_services.py - the outputs that send to a service, against the
real service started by the test on a free loopback port:

  json_udp         a UDP listener of the test's own
  prom_file        files in a temporary directory, checked by promtool
                   (every canned reply of every command of every protocol)
  prom_push(d)     Debian's prometheus-pushgateway
  postgres         a PostgreSQL server (initdb in a temporary directory,
                   run as an unprivileged user: postgres refuses root)
  mongo            refused with the alternatives (no server in Debian)

Usage: python3 test_output_services.py /path/to/mppd
"""
import glob
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

MPPD = None


def mppd(*args, timeout=60):
    return subprocess.run([MPPD] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, what, secs=30):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up in {secs} s")


# The values of QPIGS's first canned reply (json_udp sends these).
QPIGS_VALUES = {
    "ac_input_voltage": 0.0, "ac_input_frequency": 0.0,
    "ac_output_voltage": 230.0, "ac_output_frequency": 49.9,
    "ac_output_apparent_power": 161, "ac_output_active_power": 119,
    "ac_output_load": 3, "bus_voltage": 460, "battery_voltage": 57.5,
    "battery_charging_current": 12, "battery_capacity": 100,
    "inverter_heat_sink_temperature": 69,
    "pv_input_current_for_battery": 14.0, "pv_input_voltage": 103.8,
    "battery_voltage_from_scc": 57.45, "battery_discharge_current": 0,
    "is_sbu_priority_version_added": 0, "is_configuration_changed": 0,
    "is_scc_firmware_updated": 1, "is_load_on": 1,
    "is_battery_voltage_to_steady_while_charging": 0, "is_charging_on": 1,
    "is_scc_charging_on": 1, "is_ac_charging_on": 0, "rsv1": 0, "rsv2": 0,
    "pv_input_power": 856, "is_charging_to_float": 0, "is_switched_on": 1,
    "is_reserved": 0,
}


class TestJsonUdp(unittest.TestCase):
    def setUp(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(30)
        self.port = self.sock.getsockname()[1]

    def tearDown(self):
        self.sock.close()

    def test_cli_sends_the_values_as_one_datagram(self):
        r = mppd("-p", "test0", "-c", "QPIGS", "-o", "json_udp",
                 "--udpport", str(self.port))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")
        data, _ = self.sock.recvfrom(65536)
        self.assertEqual(json.loads(data), QPIGS_VALUES)

    def test_config_udpport_and_filter(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(f"[SETUP]\n[inv]\nprotocol = PI30\nport = test0\n"
                    f"command = QPIGS\noutputs = json_udp\nudpport = {self.port}\n"
                    f"filter = ^battery_v\n")
            f.flush()
            r = mppd("-C", f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        data, _ = self.sock.recvfrom(65536)
        self.assertEqual(data.decode(), '{"battery_voltage": 57.5, '
                         '"battery_voltage_from_scc": 57.45}')


def promtool(text):
    """promtool check metrics on text (bytes: a label value may hold a
    carriage return, which text mode would turn into a line feed): its exit
    code (0 clean, 1 a parse error, 3 lint findings) and its findings."""
    chk = subprocess.run(["promtool", "check", "metrics"], input=text,
                         capture_output=True)
    return chk.returncode, (chk.stdout + chk.stderr).decode().splitlines()


def promtool_clean(test, text):
    """The promtool style: promtool accepts it without a finding."""
    rc, findings = promtool(text.encode() if isinstance(text, str) else text)
    test.assertEqual((rc, findings), (0, []))


def promtool_parses_mppsolar(test, text):
    """The mpp-solar style parses; the linter notes the two things of the
    reference's text that dashboards depend on: no HELP lines and the
    camelCase label myStr (docs/compatibility.md)."""
    rc, findings = promtool(text.encode())
    test.assertIn(rc, (0, 3), findings)
    for line in findings:
        test.assertRegex(line, r"^\S+ (no help text|label names should be "
                         r"written in 'snake_case' not 'camelCase')$")


# Lint findings about mpp-solar's metric names, which the promtool style
# keeps (dashboards use them): units in names, counter-like suffixes.
NAMING_ADVICE = re.compile(
    r'^\S+ (use base unit "\w+" instead of "\w+"'
    r'|metric names should not contain abbreviated units'
    r'|non-counter metrics should not have "_total" suffix'
    r'|non-histogram and non-summary metrics should not have "_count" suffix'
    r"|metric name should not include type 'counter')$")


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class TestPromFile(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mppd-prom-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_mppsolar_style_file_is_the_reference_text(self):
        out = os.path.join(self.dir, "sub")
        r = mppd("-p", "test0", "-c", "QPIGS", "-o", "prom_file",
                 "--prom_output_dir", out + "/", "--prom_style", "mpp-solar")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.listdir(out), ["mpp-solar-qpigs.prom"])
        path = os.path.join(out, "mpp-solar-qpigs.prom")
        with open(path) as f:
            text = f.read()
        lines = text.splitlines()
        self.assertEqual(lines[0], 'machine_role{role="mpp_solar"} 1')
        self.assertIn('mpp_solar_ac_output_voltage{inverter="mpp_solar",'
                      'device="None",cmd="QPIGS"} 230.0', lines)
        self.assertTrue(text.endswith("} 0\n"))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o744)
        promtool_parses_mppsolar(self, text)
        # and stdout's prom prints the same rows
        r = mppd("-p", "test0", "-c", "QPIGS", "-o", "prom")
        self.assertEqual(r.stdout, text)

    def test_default_file_passes_promtool_clean(self):
        for cmd in ("QPIGS", "QPIRI", "QMOD", "QPIWS", "POP02"):
            with self.subTest(cmd=cmd):
                r = mppd("-p", "test0", "-c", cmd, "-o", "prom_file",
                         "--prom_output_dir", self.dir)
                self.assertEqual(r.returncode, 0, r.stderr)
                text = read_bytes(os.path.join(
                    self.dir, f"mpp-solar-{cmd.lower()}.prom"))
                promtool_clean(self, text)
        with open(os.path.join(self.dir, "mpp-solar-qpigs.prom")) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[:6], [
            "# HELP machine_role The program these metrics are from",
            "# TYPE machine_role gauge",
            'machine_role{role="mpp_solar"} 1',
            "# HELP mpp_solar_ac_input_voltage AC Input Voltage (V)",
            "# TYPE mpp_solar_ac_input_voltage gauge",
            'mpp_solar_ac_input_voltage{inverter="mpp_solar",device="None",'
            'cmd="QPIGS"} 0.0'])
        self.assertIn('mpp_solar_ac_output_voltage{inverter="mpp_solar",'
                      'device="None",cmd="QPIGS"} 230.0', lines)
        with open(os.path.join(self.dir, "mpp-solar-pop02.prom")) as f:
            self.assertIn('mpp_solar_validity_check{inverter="mpp_solar",'
                          'device="None",cmd="POP02",my_str="Error: NAK"} 1',
                          f.read().splitlines())

    def test_named_device_with_strings_and_dev_label(self):
        r = mppd("-n", "inv1", "--dev", "garage", "-p", "test0", "-c", "QPI",
                 "-o", "prom_file", "--prom_output_dir", self.dir,
                 "--prom_style", "mpp-solar")
        self.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(self.dir, "mpp-solar-inv1-qpi.prom")
        with open(path) as f:
            text = f.read()
        self.assertEqual(text, 'machine_role{role="mpp_solar"} 1\n'
                         'mpp_solar_protocol_id{inverter="inv1",device="garage",'
                         'cmd="QPI",myStr="PI30"} 1\n')
        promtool_parses_mppsolar(self, text)
        # the default style: the same row, clean
        r = mppd("-n", "inv1", "--dev", 'gar"age', "-p", "test0", "-c", "QPI",
                 "-o", "prom_file", "--prom_output_dir", self.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path) as f:
            text = f.read()
        self.assertEqual(text, "# HELP machine_role The program these metrics "
                         "are from\n# TYPE machine_role gauge\n"
                         'machine_role{role="mpp_solar"} 1\n'
                         "# HELP mpp_solar_protocol_id Protocol ID\n"
                         "# TYPE mpp_solar_protocol_id gauge\n"
                         'mpp_solar_protocol_id{inverter="inv1",'
                         'device="gar\\"age",cmd="QPI",my_str="PI30"} 1\n')
        promtool_clean(self, text)

    def test_prom_style_promtool_on_stdout(self):
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom", "--prom_style",
                 "promtool")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "# HELP machine_role The program these "
                         "metrics are from\n# TYPE machine_role gauge\n"
                         'machine_role{role="mpp_solar"} 1\n'
                         "# HELP mpp_solar_protocol_id Protocol ID\n"
                         "# TYPE mpp_solar_protocol_id gauge\n"
                         'mpp_solar_protocol_id{inverter="mpp_solar",'
                         'device="None",cmd="QPI",my_str="PI30"} 1\n')
        promtool_clean(self, r.stdout)
        # without it, stdout stays mpp-solar's
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom")
        self.assertEqual(r.stdout, 'machine_role{role="mpp_solar"} 1\n'
                         'mpp_solar_protocol_id{inverter="mpp_solar",'
                         'device="None",cmd="QPI",myStr="PI30"} 1\n')

    def test_config_prom_style_applies_to_the_section(self):
        conf = os.path.join(self.dir, "mppd.conf")
        with open(conf, "w") as f:
            f.write(f"[SETUP]\n[DEFAULT]\nprom_style = mpp-solar\n"
                    f"[a]\nprotocol = PI30\nport = test0\ncommand = QPI\n"
                    f"outputs = prom_file,prom\nprom_output_dir = {self.dir}\n"
                    f"[b]\nprotocol = PI30\nport = test0\ncommand = QPI\n"
                    f"outputs = prom_file,prom\nprom_output_dir = {self.dir}\n"
                    f"prom_style = promtool\n")
        r = mppd("-C", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(self.dir, "mpp-solar-a-qpi.prom")) as f:
            self.assertIn('myStr="PI30"', f.read())
        with open(os.path.join(self.dir, "mpp-solar-b-qpi.prom")) as f:
            b = f.read()
        promtool_clean(self, b)
        self.assertEqual(r.stdout, 'machine_role{role="mpp_solar"} 1\n'
                         'mpp_solar_protocol_id{inverter="a",device="None",'
                         'cmd="QPI",myStr="PI30"} 1\n' + b)

    def test_bad_prom_style_is_refused(self):
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom", "--prom_style",
                 "prometheus")
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn("--prom_style: expected mpp-solar or promtool, found "
                      "'prometheus'", r.stderr)
        conf = os.path.join(self.dir, "mppd.conf")
        with open(conf, "w") as f:
            f.write("[SETUP]\n[a]\nprotocol = PI30\nport = test0\n"
                    "command = QPI\noutputs = prom\nprom_style = mppsolar\n")
        r = mppd("-C", conf)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f'{conf}:7: prom_style: expected mpp-solar or promtool, '
                      'found "mppsolar"', r.stderr)

    def test_unwritable_directory_is_an_error(self):
        blocker = os.path.join(self.dir, "file")
        open(blocker, "w").close()
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom_file",
                 "--prom_output_dir", blocker + "/x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("prom_file: cannot create", r.stderr)


class TestPromFileEveryCommand(unittest.TestCase):
    """Every canned reply of every command of every protocol, through the
    test port into prom_file's default text: promtool accepts each file,
    at most with advice on mpp-solar's metric names -- never a parse error
    (node_exporter would drop the whole file), a missing HELP text or a
    camelCase label."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mppd-prom-all-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    @staticmethod
    def listing(*args):
        r = mppd(*args)
        return [line.split()[0] for line in r.stdout.splitlines()[1:]
                if line.startswith("  ") and not line.startswith("   ")]

    def test_every_reply_passes_promtool(self):
        texts = {}      # text -> where it came from
        protocols = self.listing("-P", "help")
        self.assertGreater(len(protocols), 20)
        ncommands = 0
        for proto in protocols:
            left = self.listing("-P", proto, "-c", "help")
            ncommands += len(left)
            # testN answers canned reply N: one run per N covers every
            # command that has a reply N (the others say so on stderr)
            n = 0
            while left:
                self.assertLess(n, 50, f"{proto}: {left} never ran out of "
                                "canned replies")
                out = os.path.join(self.dir, f"{proto}-{n}")
                r = mppd("-p", f"test{n}", "-P", proto, "-c", "#".join(left),
                         "-o", "prom_file", "--prom_output_dir", out)
                self.assertIn(r.returncode, (0, 1), r.stderr)
                self.assertNotIn("prom_file:", r.stderr)
                done = set(re.findall(r"no canned reply \d+ for (\S+) ",
                                      r.stderr))
                more = []
                for c in left:
                    path = os.path.join(out, f"mpp-solar-{c.lower()}.prom")
                    if c in done or not os.path.exists(path):
                        continue    # no reply N, or none at all
                    text = read_bytes(path)
                    texts.setdefault(text, f"{proto} {c} reply {n}")
                    # a setter without its argument has no definition: it
                    # gets the port's previous reply, whatever N
                    if b"No definition for command" not in text:
                        more.append(c)
                left = more
                n += 1
        self.assertGreater(ncommands, 600)
        failures = []
        for text, where in texts.items():
            rc, findings = promtool(text)
            if rc == 0 and not findings:
                continue
            if rc != 3 or not all(NAMING_ADVICE.match(f) for f in findings):
                failures.append((where, rc, findings))
        self.assertEqual(failures, [])


class GatewayTest(unittest.TestCase):
    """A test class with its own, empty prometheus-pushgateway."""
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.proc = subprocess.Popen(
            ["prometheus-pushgateway",
             f"--web.listen-address=127.0.0.1:{cls.port}",
             # Debian's default keeps metrics in a file across runs
             "--persistence.file="],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cls.base = f"http://127.0.0.1:{cls.port}"

        def ready():
            try:
                with urllib.request.urlopen(cls.base + "/-/ready", timeout=1):
                    return True
            except OSError:
                return False
        wait_for(ready, "prometheus-pushgateway")

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=30)

    def metrics(self):
        with urllib.request.urlopen(self.base + "/metrics", timeout=10) as r:
            return r.read().decode()


class TestPushgatewayStyle(GatewayTest):
    def test_promtool_style_push_and_the_untyped_groups(self):
        # mpp-solar's text (the default) is untyped ...
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom_push", "--pushurl",
                 self.base + "/metrics/job/old")
        self.assertEqual(r.returncode, 0, r.stderr)
        # ... so the gateway refuses the same names as gauges while it
        # holds that group (docs/compatibility.md)
        new = self.base + "/metrics/job/new"
        r = mppd("-n", "inv3", "-p", "test0", "-c", "QPI", "-o", "prom_push",
                 "--prom_style", "promtool", "--pushurl", new)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"prom_push: {new} answered HTTP 400", r.stderr)
        self.assertIn("inconsistent with existing metrics", r.stderr)
        req = urllib.request.Request(self.base + "/metrics/job/old",
                                     method="DELETE")
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.status, 202)
        r = mppd("-n", "inv3", "-p", "test0", "-c", "QPI", "-o", "prom_push",
                 "--prom_style", "promtool", "--pushurl", new)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = self.metrics()
        self.assertIn("# HELP mpp_solar_protocol_id Protocol ID\n"
                      "# TYPE mpp_solar_protocol_id gauge\n", m)
        self.assertIn('mpp_solar_protocol_id{cmd="QPI",device="None",'
                      'instance="",inverter="inv3",job="new",'
                      'my_str="PI30"} 1', m)


class TestPushgateway(GatewayTest):

    def test_prom_push_to_the_push_url(self):
        r = mppd("-p", "test0", "-c", "QPIGS", "-o", "prom_push", "--pushurl",
                 self.base + "/metrics/job/mppdtest")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = self.metrics()
        self.assertIn('mpp_solar_ac_output_voltage{cmd="QPIGS",device="None",'
                      'instance="",inverter="mpp_solar",job="mppdtest"} 230', m)
        self.assertIn('mpp_solar_battery_voltage_from_scc{cmd="QPIGS",'
                      'device="None",instance="",inverter="mpp_solar",'
                      'job="mppdtest"} 57.45', m)

    def test_prom_pushd_job_and_short_host_name(self):
        host = socket.gethostname().split(".")[0]
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(f"[SETUP]\n[inv2]\nprotocol = PI30\nport = test0\n"
                    f"command = QPI\noutputs = prom_pushd\n"
                    f"push_url = {self.base}\ndev = d2\n")
            f.flush()
            r = mppd("-C", f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('mpp_solar_protocol_id{cmd="QPI",device="d2",instance='
                      f'"{host}",inverter="inv2",job="mppsolar",'
                      'myStr="PI30"} 1', self.metrics())

    def test_refused_push_is_an_error(self):
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom_push", "--pushurl",
                 f"http://127.0.0.1:{free_port()}/metrics/job/x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("prom_push: failed to push to", r.stderr)

    def test_rejected_push_names_the_status(self):
        # No such path on the gateway: it answers 404.
        r = mppd("-p", "test0", "-c", "QPI", "-o", "prom_push", "--pushurl",
                 self.base + "/no/such/path")
        self.assertEqual(r.returncode, 1)
        self.assertIn("prom_push: " + self.base + "/no/such/path answered "
                      "HTTP 404", r.stderr)


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise AssertionError(f"{name} not found: install postgresql "
                             "(scripts/setup.sh)")
    return found[-1]


class TestPostgres(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="mppd-pg-")
        cls.data = os.path.join(cls.dir, "data")
        cls.port = free_port()
        # postgres refuses to run as root: as root, run it as nobody.
        cls.pre = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            os.chown(cls.dir, pw.pw_uid, pw.pw_gid)
            cls.pre = ["runuser", "-u", "nobody", "--"]
        subprocess.run(cls.pre + [pg_bin("initdb"), "-D", cls.data, "-U",
                                  "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True, cwd=cls.dir)
        cls.proc = subprocess.Popen(
            cls.pre + [pg_bin("postgres"), "-D", cls.data, "-p", str(cls.port),
                       "-k", cls.dir, "-c", "listen_addresses=127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cls.dir)
        cls.url = f"postgresql://postgres@127.0.0.1:{cls.port}/postgres"
        wait_for(lambda: cls.psql("select 1").returncode == 0, "postgres")
        r = cls.psql("create table mppsolar (id serial constraint mppsolar_pk "
                     "primary key, command varchar, data json, updated "
                     "timestamp)")
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.wait(timeout=60)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def psql(cls, sql):
        return subprocess.run([pg_bin("psql"), "-X", "-A", "-t", "-d", cls.url,
                               "-c", sql], capture_output=True, text=True,
                              cwd="/")

    def test_cli_inserts_one_row(self):
        self.psql("delete from mppsolar")
        r = mppd("-p", "test0", "-c", "QPIGS", "-o", "postgres",
                 "--postgres_url", self.url)
        self.assertEqual(r.returncode, 0, r.stderr)
        q = self.psql("select command, data::text, "
                      "to_char(updated, 'YYYY-MM-DD\"T\"HH24:MI:SS') "
                      "from mppsolar")
        self.assertEqual(q.returncode, 0, q.stderr)
        command, data, updated = q.stdout.strip().split("|")
        self.assertEqual(command, "QPIGS")
        doc = json.loads(data)
        stamp = doc.pop("updated")
        self.assertEqual(doc, QPIGS_VALUES)
        self.assertEqual(stamp[:19], updated)
        self.assertRegex(stamp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

    def test_config_section_url_and_filter(self):
        self.psql("delete from mppsolar")
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write(f"[SETUP]\n[inv]\nprotocol = PI30\nport = test0\n"
                    f"command = QPI#QID\noutputs = postgres\n"
                    f"postgres_url = {self.url}\n")
            f.flush()
            r = mppd("-C", f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        q = self.psql("select command, data::text from mppsolar order by id")
        rows = [line.split("|") for line in q.stdout.strip().splitlines()]
        self.assertEqual([(c, {k: v for k, v in json.loads(d).items()
                                if k != "updated"}) for c, d in rows],
                         [("QPI", {"protocol_id": "PI30"}),
                          ("QID", {"serial_number": "9293333010501"})])

    def test_unreachable_server_is_an_error(self):
        r = mppd("-p", "test0", "-c", "QPI", "-o", "postgres", "--postgres_url",
                 f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
        self.assertEqual(r.returncode, 1)
        self.assertIn("postgres output: cannot connect", r.stderr)

    def test_missing_table_is_an_error(self):
        r = mppd("-p", "test0", "-c", "QPI", "-o", "postgres", "--postgres_url",
                 f"postgresql://postgres@127.0.0.1:{self.port}/template1")
        self.assertEqual(r.returncode, 1)
        self.assertIn('relation "mppsolar" does not exist', r.stderr)


class TestDaemonStop(unittest.TestCase):
    """--daemon-stop ends a daemon by its PID file; the daemon removes the
    .prom files it wrote, as mpp-solar's does."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mppd-stop-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_stop_removes_pidfile_and_prom_files(self):
        conf = os.path.join(self.dir, "mppd.conf")
        pidfile = os.path.join(self.dir, "mppd.pid")
        prom = os.path.join(self.dir, "mpp-solar-inv-qpi.prom")
        with open(conf, "w") as f:
            f.write(f"[SETUP]\npause = 1\n[inv]\nprotocol = PI30\n"
                    f"port = test0\ncommand = QPI\noutputs = prom_file\n"
                    f"prom_output_dir = {self.dir}\n")
        d = subprocess.Popen([MPPD, "-C", conf, "--daemon", "--pidfile",
                              pidfile], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: os.path.exists(prom) and os.path.exists(pidfile),
                     "the daemon's .prom file")
            r = mppd("--daemon-stop", "--pidfile", pidfile)
            self.assertEqual(r.stdout, "Daemon stopped successfully\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(d.wait(timeout=30), 0)
            self.assertFalse(os.path.exists(prom))
            self.assertFalse(os.path.exists(pidfile))
        finally:
            if d.poll() is None:
                d.kill()
                d.wait()

    def test_no_pidfile_fails(self):
        r = mppd("--daemon-stop", "--pidfile", os.path.join(self.dir, "none"))
        self.assertEqual(r.stdout, "Failed to stop daemon\n")
        self.assertEqual(r.returncode, 1)
        self.assertIn("PID file not found", r.stderr)


class TestMongo(unittest.TestCase):
    def test_refused_with_alternatives(self):
        r = mppd("-p", "test0", "-c", "QPI", "-o", "screen,mongo",
                 "--mongo_url", "mongodb://127.0.0.1:1/x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("protocol_id PI30", r.stdout)
        self.assertIn("MongoDB is not supported by mppd", r.stderr)
        self.assertIn("postgres", r.stderr)


if __name__ == "__main__":
    MPPD = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
