"""What the system tests in this folder share: a run's checks and summary, the binaries under test, a
PostgreSQL database beside them, `smiley-hub serve` processes on free loopback ports, and plain HTTP.

The scripts run as `python3 Tests/system/SCRIPT.py BIN_DIRECTORY`, so this folder is on `sys.path` and they
`import hubtest`. A script makes one `SystemTest` (its binaries, its work directory, its checks and the
processes it started), runs its `main` through `SystemTest.finish`, and leaves the summary line and the exit
status to it:

    TEST = hubtest.SystemTest(__doc__, "smiley-people-")
    check, run = TEST.check, TEST.run
    ...
    TEST.finish(main)
"""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

POLL_SECONDS = 0.2
"""How long `SystemTest.wait_for` sleeps between two tries."""


class SystemTest:
    """One run of a system test: the directory of the binaries under test (the script's first argument), a
    fresh work directory for state and logs, the count of passed and failed checks, and the processes
    started and not yet stopped (all killed when the run ends)."""

    def __init__(self, usage, work_prefix):
        """Reads the binaries' directory from `sys.argv[1]` (exits printing `usage` without it) and makes a
        temporary work directory named from `work_prefix`."""
        self.bin = sys.argv[1] if len(sys.argv) > 1 else sys.exit(usage)
        self.work = tempfile.mkdtemp(prefix=work_prefix)
        self.passed = 0
        self.failed = 0
        self.processes = []

    def check(self, name, condition, detail=""):
        """Counts and prints one check: `✔ name` when `condition` holds, else `✘ name detail`."""
        if condition:
            self.passed += 1
            print(f"✔ {name}")
        else:
            self.failed += 1
            print(f"✘ {name} {detail}")

    def command(self, *args, expect=0, stdin=None, context=""):
        """Runs binary `args[0]` of the binaries' directory with `args[1:]` (and `stdin` as its input), and
        returns (exit status, standard output, standard error). Stops the run, naming the command (after
        `context`) and printing its output, when the status is not `expect`; `expect=None` takes any."""
        result = subprocess.run([os.path.join(self.bin, args[0]), *args[1:]], capture_output=True, text=True,
                                input=stdin)
        if expect is not None and result.returncode != expect:
            raise SystemExit(f"{context}{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n"
                             f"{result.stderr}")
        return result.returncode, result.stdout, result.stderr

    def run(self, *args, expect=0, stdin=None, stderr=True):
        """`command`'s output when it exits `expect`: standard output followed by standard error, or
        standard output alone with `stderr=False`."""
        _, stdout, standard_error = self.command(*args, expect=expect, stdin=stdin)
        return stdout + standard_error if stderr else stdout

    def start(self, args, log, mode="a"):
        """Starts binary `args[0]` with `args[1:]` in the background, its output (both streams) written to
        the file `log` (opened with `mode`), and keeps it to be killed when the run ends."""
        process = subprocess.Popen([os.path.join(self.bin, args[0]), *args[1:]], stdout=open(log, mode),
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop(self, process, sig=signal.SIGTERM):
        """Sends `sig` to a started process (SIGTERM: the graceful stop), waits for it to end (60 s at the
        most) and forgets it."""
        process.send_signal(sig)
        process.wait(timeout=60)
        self.processes.remove(process)

    def wait_for(self, what, predicate, process=None, attempts=600, watch=None):
        """Polls `predicate` until it returns something true and returns that, without a wall-clock bound
        on the thing itself: up to `attempts` tries, `POLL_SECONDS` apart. Stops the run, naming `what`,
        when it gives up, or at once when `process`, or any of the processes in `watch`, has ended."""
        watched = ([process] if process is not None else []) + list(watch or [])
        for _ in range(attempts):
            value = predicate()
            if value:
                return value
            for ended in watched:
                if ended.poll() is not None:
                    raise SystemExit(f"{what}: a process ended ({ended.returncode}: {' '.join(ended.args)}); "
                                     f"see {self.work}")
            time.sleep(POLL_SECONDS)
        raise SystemExit(f"gave up waiting for {what}: see {self.work}")

    def path(self, *parts):
        """A path inside the work directory."""
        return os.path.join(self.work, *parts)

    def finish(self, main, prefix="", summary_if_aborted=False):
        """Runs `main`, then kills every process still running and exits: 0 when every check passed, 1
        otherwise. Prints the summary `{prefix}N passed, N failed`: after `main` returned, and also when it
        was stopped by an exception if `summary_if_aborted`. The work directory is removed when no check
        failed and `main` returned; otherwise it is kept, and its place printed."""
        completed = False
        try:
            main()
            completed = True
        finally:
            for process in list(self.processes):
                process.kill()
                process.wait()
            if completed or summary_if_aborted:
                print(f"{prefix}{self.passed} passed, {self.failed} failed")
            if self.failed == 0 and completed:
                shutil.rmtree(self.work, ignore_errors=True)
            else:
                print(f"logs kept in {self.work}")
        sys.exit(1 if self.failed else 0)


class Postgres:
    """One database of the throwaway PostgreSQL server that scripts/with-postgres.sh runs the script beside
    (its socket directory and user in SMILEY_TEST_POSTGRES_SOCKET and SMILEY_TEST_POSTGRES_USER)."""

    def __init__(self, database):
        """Names database `database` of that server; exits when the script is not run under
        scripts/with-postgres.sh."""
        self.socket = os.environ.get("SMILEY_TEST_POSTGRES_SOCKET") or sys.exit(
            "run under scripts/with-postgres.sh")
        self.user = os.environ["SMILEY_TEST_POSTGRES_USER"]
        self.database = database
        # `smiley-hub`'s URL of the database (the user, the database and the socket, no password) and its options.
        self.url = f"postgres://{self.user}@/{database}?host={self.socket}"
        self.args = ["--database", self.url]

    def create(self):
        """Creates the database (createdb); fails when it exists already."""
        subprocess.run(["createdb", "-h", self.socket, "-U", self.user, self.database], check=True)

    def text(self, sql, database=None, separator="|"):
        """What psql prints for `sql` (unaligned, tuples only, fields apart by `separator`), run on this
        database or on `database`; stops the run when psql fails."""
        result = subprocess.run(["psql", "-h", self.socket, "-U", self.user, "-d", database or self.database,
                                 "-XAt", "-F", separator, "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True,
                                text=True, check=True)
        return result.stdout

    def rows(self, sql, separator="|"):
        """The rows of `sql` as lists of text fields (a NULL is empty)."""
        return [line.split(separator) for line in self.text(sql, separator=separator).splitlines() if line]


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", body=None, headers=None, timeout=60):
    """An HTTP request that follows redirects: (status, body text). An error status is returned as any
    other; (None, "") when no answer came (refused, reset, cut short)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
        return None, ""


def fetch(url, timeout=60):
    """A GET's (status, body bytes): for what is not text."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands a redirect back to the caller (as an HTTPError) instead of following it."""

    def redirect_request(self, *args, **kwargs):
        return None


BROWSER = urllib.request.build_opener(NoRedirect)


def browse(url, form=None, cookies=None, bearer=None, method=None, timeout=60):
    """A browser's request that does not follow redirects: a GET, or a POST of the urlencoded `form` when
    there is one, with `cookies` ({name: value}) and a `bearer` token when given. Returns (status, body text,
    {cookie set: value}, Location); (None, "", {}, None) when no answer came."""
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        response = BROWSER.open(urllib.request.Request(url, data=data, method=method, headers=headers),
                                timeout=timeout)
    except urllib.error.HTTPError as error:
        response = error
    except (urllib.error.URLError, ConnectionError):
        return None, "", {}, None
    set_cookies = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        set_cookies[name] = rest.split(";")[0]
    return response.status, response.read().decode(), set_cookies, response.headers.get("Location")


class Hub:
    """A `smiley-hub serve` process on a free loopback port (or `port`), with `args` after its port and state
    directory, its output in the work directory's `NAME.log`. The constructor returns once the hub answers
    /healthz with 200, and stops the run if the process ends first."""

    def __init__(self, test, name, args=(), state=None, port=None):
        """Starts the hub: its state directory is `state`, made if missing, by default the work directory's
        `NAME-state`."""
        self.test = test
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = test.path(f"{name}.log")
        state = state or test.path(f"{name}-state")
        os.makedirs(state, exist_ok=True)
        self.process = test.start(["smiley-hub", "serve", "--port", str(self.port), "--state-directory", state,
                                   *args], self.log)
        test.wait_for(f"hub {name}", lambda: request(self.url + "/healthz")[0] == 200, self.process)

    def read_log(self):
        """Everything the hub has logged so far."""
        with open(self.log) as log:
            return log.read()

    def kill(self):
        """Kills the hub with SIGKILL (no graceful stop) and waits for it to end."""
        self.test.stop(self.process, signal.SIGKILL)

    def stop(self):
        """Stops the hub with SIGTERM (a graceful stop) and waits for it to end."""
        self.test.stop(self.process)

    def sign_in(self, name, password):
        """Sends the login form as a browser would (the form's cookie first): (status, body, the session
        cookie or None, Location)."""
        form_cookie = browse(self.url + "/login")[2].get("smiley_form")
        status, body, cookies, location = browse(self.url + "/login",
                                                 {"username": name, "password": password, "csrf": form_cookie},
                                                 {"smiley_form": form_cookie})
        return status, body, cookies.get("smiley_session"), location
