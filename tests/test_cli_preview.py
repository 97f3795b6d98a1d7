"""``brief preview`` through the CLI: plain output in a pipe, errors, exports, and the real
thing in a pseudo-terminal, including --watch picking up an edited template."""

from __future__ import annotations

import os
import queue
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import BRIEF, run_brief

DATE = ("--date", "2026-11-22")
REGIONS = "noord, zuid"  # the test project's regions
TEMPLATES = "aanmaning, herinnering"


def preview(cli, *args: str):
    return cli("preview", *args, *DATE)


# --------------------------------------------------------------------------- plain output


def test_plain_output_when_not_a_terminal(project: Path, cli) -> None:
    result = preview(cli, "herinnering", "--customer", "K2")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        "herinnering for K2 Ayşe Özdemir: templates/herinnering.b1.j2, region zuid (Zuid), "
        "plain (B1), nl, e-mail\n"
        "From: Bianca Mulder <bianca.mulder@dijkzicht.example>\n"
        "To: Ayşe Özdemir <ayse@example.nl>\n"
        "Subject: Je huur K2\n"
        "\n"
        "Beste Ayşe Özdemir,\n"
        "\n"
        "Je moet nog € 99,50 betalen.\n"
        "\n"
        "Groet, Ineke en Bianca - Team Incasso\n"
        "Bel Bianca: 06 1234 5603\n"
        "\n"
        "Findings: none\n"
        "Metrics:\n"
        "  Flesch-Douma: 94.4 (at least 70) ok\n"
        "  words per sentence: 5.0 (at most 12) ok\n"
        "  longest sentence: 5 words (at most 20) ok\n"
        "  hard sentences: 0 of 1\n"
        "  very hard sentences: 0 (at most 0) ok\n"
        "  signer: Ineke de Vries, Bianca Mulder, 06 1234 5603, "
        "bianca.mulder@dijkzicht.example\n"
    )


def test_default_is_the_first_record_or_the_regions_first(project: Path, cli) -> None:
    first = preview(cli, "herinnering")
    by_position = preview(cli, "herinnering", "--sample", "2")
    in_zuid = preview(cli, "herinnering", "--region", "zuid")

    assert first.stdout.startswith("herinnering for K1 Jan de Vries: templates/herinnering.j2,")
    assert by_position.stdout.startswith("herinnering for K2 Ayşe Özdemir:")
    assert in_zuid.stdout.startswith("herinnering for K2 Ayşe Özdemir:")


def test_region_renders_the_customer_as_if_there(demo: Path, cli) -> None:
    result = preview(cli, "betalingsherinnering", "--customer", "K1005", "--region", "zuid")

    # Pieter's own contact (Linda) signs in noord; in zuid the region's contact does.
    assert result.stdout.splitlines()[:3] == [
        "betalingsherinnering for K1005 Pieter Ĳsselstein: templates/betalingsherinnering.b1.j2, "
        "region zuid (Zuid), plain (B1), nl, e-mail",
        "From: Bianca Mulder <bianca.mulder@dijkzicht.example>",
        "To: Pieter Ĳsselstein <pieter.ijsselstein@example.nl>",
    ]
    assert "\nBeste Pieter,\n" in result.stdout


def test_the_customers_own_language_applies_in_another_region(demo: Path, cli) -> None:
    result = preview(cli, "betalingsherinnering", "--customer", "K1003", "--region", "zuid")

    assert result.stdout.splitlines()[0] == (
        "betalingsherinnering for K1003 Tomasz Nowak: templates/betalingsherinnering.en.j2, "
        "region zuid (Zuid), plain (B1), en, e-mail"
    )
    assert "  Flesch Reading Ease: " in result.stdout


def test_demo_letter_is_clean(demo: Path, cli) -> None:
    result = preview(cli, "betalingsherinnering", "--customer", "K1011")

    assert result.exit_code == 0
    tail = result.stdout[result.stdout.index("\nFindings:") + 1 :]
    assert tail == (
        "Findings: none\n"
        "Metrics:\n"
        "  Flesch-Douma: 91.8 (at least 70) ok\n"
        "  words per sentence: 5.6 (at most 12) ok\n"
        "  longest sentence: 8 words (at most 20) ok\n"
        "  hard sentences: 0 of 23\n"
        "  very hard sentences: 0 (at most 0) ok\n"
        "  signer: Bianca Mulder, Medewerker incasso, 06 1234 5603, "
        "bianca.mulder@dijkzicht.example\n"
    )


STIFF = (
    "Indien je reeds hebt betaald, verzoeken wij je derhalve vriendelijk om deze e-mail als "
    "niet verzonden te beschouwen en ons alsmede de afdeling administratie op de hoogte te "
    "stellen."
)


@pytest.fixture
def stiff(demo: Path) -> Path:
    """The demo's plain reminder with a stiff, long sentence and a made-up co-signer."""
    path = demo / "templates" / "betalingsherinnering.b1.j2"
    text = path.read_text("utf-8")
    text = text.replace("Heb je al betaald? Dan hoef je niets te doen.", STIFF)
    text = text.replace("{{ signer.name }}\n", "{{ signer.name }}\nJan Jansen\n")
    path.write_text(text, "utf-8")
    return path


def test_findings_and_failed_metrics_as_a_list(stiff: Path, cli) -> None:
    result = preview(cli, "betalingsherinnering", "--customer", "K1011")

    assert result.exit_code == 0  # preview shows findings; brief lint fails on them
    assert f"\n{STIFF} Dank je wel!\n" in result.stdout
    tail = result.stdout[result.stdout.index("\nFindings:") + 1 :]
    where = "line 9 (templates/betalingsherinnering.b1.j2:15)"
    assert tail.splitlines() == [
        "Findings:",
        f"  {where}: very hard sentence (29 words, limit 20; Flesch-Douma 39.1, minimum 70 "
        "for plain (B1) letters)",
        f"  {where}: 'Indien' is officialese: write 'als'",
        f"  {where}: 'reeds' is officialese: write 'al'",
        f"  {where}: 'verzoeken' is officialese: write 'vragen'",
        f"  {where}: 'derhalve' is officialese: write 'daarom'",
        f"  {where}: 'alsmede' is officialese: write 'en'",
        "  line 18 (templates/betalingsherinnering.b1.j2:24): 'Jan Jansen' in the signature is "
        "not a person in the staff roster (examples/staff.yaml); did you mean Linda Jansen?",
        "Metrics:",
        "  Flesch-Douma: 83.0 (at least 70) ok",
        "  words per sentence: 6.7 (at most 12) ok",
        "  longest sentence: 29 words (at most 20) FAIL",
        "  hard sentences: 0 of 22",
        "  very hard sentences: 1 (at most 0) FAIL",
        "  signer: Bianca Mulder, Jan Jansen, 06 1234 5603, bianca.mulder@dijkzicht.example",
    ]


def test_compare_in_a_pipe_prints_one_preview_per_region(stiff: Path, cli) -> None:
    result = preview(cli, "betalingsherinnering", "-c", "K1011", "--compare", "noord,zuid")

    assert result.exit_code == 0
    headers = [line for line in result.stdout.splitlines() if " for K1011 " in line]
    assert headers == [
        "betalingsherinnering for K1011 Maria Hendriks: templates/betalingsherinnering.j2, "
        "region noord (Noord), standard, nl, e-mail",
        "betalingsherinnering for K1011 Maria Hendriks: templates/betalingsherinnering.b1.j2, "
        "region zuid (Zuid), plain (B1), nl, e-mail",
    ]
    assert result.stdout.count("\nFindings:") == 2
    assert "\nGeachte mevrouw Hendriks,\n" in result.stdout
    assert "\nBeste Maria,\n" in result.stdout


def test_compare_on_a_terminal_is_side_by_side(
    project: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: a terminal, though stdout is captured
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)

    result = preview(cli, "herinnering", "-c", "K1", "--compare", "noord,zuid")

    assert result.exit_code == 0
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert plain.splitlines()[0] == (
        "╭─ Noord: herinnering.j2 ───────────────────────╮ "
        "╭─ Zuid: herinnering.b1.j2 ──────────────────────╮"
    )
    assert "│ Geachte Jan de Vries,                         │ │ Beste Jan de Vries," in plain
    assert "\x1b[" in result.stdout


# --------------------------------------------------------------------------- exports


def test_export_svg_and_html(project: Path, cli) -> None:
    result = preview(
        cli, "herinnering", "-c", "K1", "--export-svg", "docs/p.svg", "--export-html", "p.html"
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("herinnering for K1 ")  # still shown, as plain text
    assert result.stderr == "Preview written to docs/p.svg\nPreview written to p.html\n"
    svg = (project / "docs" / "p.svg").read_text("utf-8")
    assert svg.startswith("<svg") and "brief&#160;preview&#160;herinnering" in svg
    assert "Geachte&#160;Jan&#160;de&#160;Vries," in svg
    assert "Geachte Jan de Vries," in (project / "p.html").read_text("utf-8")
    mask = os.umask(0)
    os.umask(mask)
    assert (project / "p.html").stat().st_mode & 0o777 == 0o666 & ~mask


def test_export_into_an_unwritable_place(project: Path, cli) -> None:
    (project / "blocked").write_text("a file, not a folder", "utf-8")

    result = preview(cli, "herinnering", "--export-svg", "blocked/p.svg")

    assert result.exit_code == 2
    assert result.stderr == "Error: blocked/p.svg: cannot write: File exists\n"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nope"],
            f"templates: unknown template 'nope' (known: {TEMPLATES})",
        ),
        (
            ["herinnering", "--customer", "K9"],
            "customers.csv: unknown customer 'K9' (known: K1, K2)",
        ),
        (
            ["herinnering", "--region", "oost"],
            f"--region: unknown region 'oost' (known: {REGIONS})",
        ),
        (
            ["herinnering", "--compare", "noord,west"],
            f"--compare: unknown region 'west' (known: {REGIONS})",
        ),
        (
            ["herinnering", "--compare", "zuid"],
            "--compare: name at least two regions, separated by commas: noord,zuid",
        ),
        (
            ["herinnering", "--compare", "zuid,zuid"],
            "--compare: name at least two regions, separated by commas: noord,zuid",
        ),
        (
            ["herinnering", "--region", "zuid", "--compare", "noord,zuid"],
            "--region and --compare cannot be used together",
        ),
        (
            ["herinnering", "--sample", "3"],
            "--sample: 3 is out of range (customers.csv has 2 records)",
        ),
        (
            ["herinnering", "--sample", "1", "--customer", "K1"],
            "--customer and --sample cannot be used together",
        ),
        (
            ["herinnering", "--records", "missing.csv"],
            "missing.csv: file not found",
        ),
        (
            ["herinnering", "--watch", "--export-svg", "p.svg"],
            "--watch and --export-svg cannot be used together",
        ),
        (
            ["herinnering", "--watch", "--export-html", "p.html"],
            "--watch and --export-html cannot be used together",
        ),
        (
            ["herinnering", "--width", "20"],
            "--width: 20 is too narrow (at least 40)",
        ),
    ],
)
def test_errors_are_one_line_with_the_choices(
    project: Path, cli, args: list[str], message: str
) -> None:
    result = preview(cli, *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {message}\n"


def test_without_sample_records_says_where_to_set_them(project: Path, cli) -> None:
    (project / "customers.csv").unlink()

    result = preview(cli, "herinnering")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: customers.csv: sample records not found (set 'samples:' in brief.yaml or "
        "pass --records)\n"
    )


def test_a_bad_date_is_an_error(project: Path, cli) -> None:
    result = cli("preview", "herinnering", "--date", "tomorrow")

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --date: 'tomorrow' is not a date")
    assert len(result.stderr.splitlines()) == 1


def test_a_template_without_a_version_for_the_region(project: Path, cli) -> None:
    (project / "templates" / "herinnering.en.j2").unlink()
    (project / "customers.csv").write_text(
        "id;region;name;email;language\nK1;noord;Jan;jan@example.nl;en\n", "utf-8"
    )

    result = preview(cli, "herinnering")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: template 'herinnering' has no 'en' version (add templates/herinnering.en.j2)\n"
    )


def test_an_invalid_record_shows_its_own_error(project: Path, cli) -> None:
    (project / "customers.csv").write_text(
        "id;region;name;email;amount;due_date\nK1;noord;;jan@example.nl;1,00;01-11-2026\n",
        "utf-8",
    )

    result = preview(cli, "herinnering", "--customer", "K1")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: customers.csv:2: record 'K1': field 'name': required field is missing\n"
    )


def test_a_missing_field_names_the_template_line(project: Path, cli) -> None:
    (project / "more.csv").write_text("id;region;name\nK7;noord;Jan\n", "utf-8")

    result = preview(cli, "aanmaning", "--records", "more.csv")

    assert result.exit_code == 2
    assert result.stderr == (
        "Error: more.csv:2: record 'K7': cannot render templates/aanmaning.j2:9: "
        "the record has no field 'amount'\n"
    )


def test_help_has_an_example(cli) -> None:
    result = cli("preview", "--help")

    assert result.exit_code == 0
    assert "brief preview betalingsherinnering --customer K1011 --compare noord,zuid" in (
        result.stdout
    )


def test_importing_the_cli_does_not_load_the_preview_library() -> None:
    code = "import sys, brief.cli; print('brief.preview' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split()[0] == "False"


# --------------------------------------------------------------------------- a real terminal

ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|\][^\x07]*\x07|[()][A-Z0-9]|[=>])")
CLEAR = "\x1b[2J"


class Terminal:
    """``brief`` in a pseudo-terminal of 100 x 60, read with a deadline on every wait."""

    def __init__(self, *args: str, cwd: Path, columns: int = 100, rows: int = 60):
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
        env.update(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows))
        import fcntl
        import pty
        import termios

        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal and stdio
            try:
                size = struct.pack("HHHH", rows, columns, 0, 0)
                fcntl.ioctl(1, termios.TIOCSWINSZ, size)  # pty.fork made fd 1 the terminal
                os.chdir(cwd)
                os.execve(str(BRIEF), [str(BRIEF), *args], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.raw = b""
        self.status: int | None = None

    @property
    def output(self) -> str:
        return self.raw.decode("utf-8", "replace")

    @property
    def screen(self) -> str:
        """What the screen shows: the text since the last clear, without escape codes."""
        return ANSI.sub("", self.output.rsplit(CLEAR, 1)[-1]).replace("\r", "")

    def _read(self, timeout: float) -> bool | None:
        """Read what there is: True if something came, None if nothing did in time, False
        once the terminal is closed."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.raw += chunk
        return bool(chunk)

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0 or self._read(min(left, 0.2)) is False:
                raise AssertionError(f"{text!r} not on the screen after {timeout}s:\n{self.screen}")
        return self.screen

    def wait_exit(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                while self._read(0.05) and time.monotonic() < deadline:
                    pass  # the rest of the output
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
        self.kill()
        raise AssertionError(f"brief did not exit within {timeout}s:\n{self.screen}")

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = -9

    def close(self) -> None:
        self.kill()
        os.close(self.fd)


POSIX = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


@pytest.fixture
def terminal():
    started: list[Terminal] = []

    def start(*args: str, cwd: Path) -> Terminal:
        started.append(Terminal(*args, cwd=cwd))
        return started[-1]

    yield start
    for term in started:
        term.close()


@POSIX
def test_a_real_terminal_shows_the_coloured_preview(stiff: Path, terminal) -> None:
    term = terminal(
        "preview", "betalingsherinnering", "--customer", "K1011", *DATE, cwd=stiff.parents[1]
    )

    assert term.wait_exit() == 0
    screen = term.screen
    lines = screen.splitlines()
    assert lines[0] == "╭─ betalingsherinnering.b1.j2 → K1011 Maria Hendriks " + "─" * 46 + "╮"
    assert "│ Beste Maria," in screen
    assert "│ Indien [→ als] je reeds [→ al] hebt betaald," in screen
    assert "\nvery hard sentences          1   ≤ 0     ✗\n" in screen
    assert (
        "plain (B1): hard = over 12 words, or 8+ words with Flesch-Douma under 70; very hard = "
        "over 20 words" in screen
    )
    # in the terminal's 256 colours: officialese (blue, underlined) in a very hard sentence
    # (bold white on red)
    assert "\x1b[1;4;38;5;26;48;5;160mIndien\x1b[0m" in term.output
    assert "\x1b[1;37;48;5;160m je \x1b[0m" in term.output


@POSIX
def test_watch_picks_up_an_edited_template_and_stops_on_ctrl_c(demo: Path, terminal) -> None:
    template = demo / "templates" / "betalingsherinnering.b1.j2"
    term = terminal("preview", "betalingsherinnering", "-c", "K1011", "--watch", *DATE, cwd=demo)
    term.wait_for("Ctrl-C to stop")
    assert "│ Beste Maria," in term.screen

    template.write_text(
        template.read_text("utf-8").replace(
            "Beste {{ customer.first_name }},", "Hoi {{ customer.first_name }},"
        ),
        "utf-8",
    )
    screen = term.wait_for("│ Hoi Maria,")
    assert "Beste Maria" not in screen
    term.wait_for("Ctrl-C to stop")

    os.write(term.fd, b"\x03")  # Ctrl-C, as typed: the terminal sends SIGINT

    assert term.wait_exit() == 0
    assert "Stopped watching." in term.screen
    assert "Traceback" not in term.output


@POSIX
def test_watch_shows_an_error_and_recovers(project: Path) -> None:
    """--watch in a pipe: plain text again after each change; an error is shown, not fatal."""
    template = project / "templates" / "herinnering.j2"
    good = template.read_text("utf-8")
    proc = subprocess.Popen(
        [str(BRIEF), "preview", "herinnering", "-c", "K1", "--watch", *DATE],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()

    def wait_for(prefix: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no line starting {prefix!r} within {timeout}s") from None
            if line.startswith(prefix):
                return line

    try:
        wait_for("Findings: none")
        template.write_text(good.replace("{{ customer.name }}", "{{ customer.name }"), "utf-8")
        assert wait_for("--- changed:") == "--- changed: templates/herinnering.j2 ---\n"
        assert wait_for("Error:") == (
            "Error: templates/herinnering.j2:6: template syntax error: unexpected '}'\n"
        )
        template.write_text(good.replace("U hebt", "Je hebt"), "utf-8")
        wait_for("--- changed:")
        assert wait_for("Je hebt") == "Je hebt € 1.234,56 nog niet betaald.\n"
        wait_for("Findings: none")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert wait_for("Stopped watching.") == "Stopped watching.\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_run_as_a_subprocess_in_a_pipe(project: Path) -> None:
    result = run_brief("preview", "herinnering", "-c", "K1", *DATE, cwd=project)

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert result.stdout.endswith("ineke.devries@dijkzicht.example\n")
