"""A careless command line gets one line saying what is wrong and a non-zero exit, never a traceback."""

from __future__ import annotations

import logging
import shutil
import socket

import pytest

from helpers import CONTENT, ROOT, run_factsheets

factsheets = run_factsheets


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["build", "-s", "no-such-settings.py", "-o", "{tmp}/out", CONTENT],
            "no-such-settings.py: settings file not found",
        ),
        (["clean", "-s", "no-such-settings.py", "-o", "{tmp}/out"], "no-such-settings.py: settings file not found"),
        (
            ["build", "-s", CONTENT / "factsheets" / "claims.yaml", "-o", "{tmp}/out", CONTENT],
            "claims.yaml: not a settings file (a Python file such as pelicanconf.py)",
        ),
        (["build", "-o", "{tmp}/out", "{tmp}/no-such-content"], "no-such-content: content folder not found"),
        (["serve", "--port", "99999", "-o", "{tmp}/out"], "'99999' is not a port: give a number from 1 to 65535"),
    ],
)
def test_a_wrong_command_line_gets_one_line(tmp_path, arguments, message):
    result = factsheets(*(str(argument).replace("{tmp}", str(tmp_path)) for argument in arguments))
    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out").exists()


def test_serve_on_a_port_in_use_says_so(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = factsheets("serve", "--port", port, "-o", tmp_path / "out", CONTENT)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == f"cannot serve on 127.0.0.1:{port}: Address already in use"


def test_a_build_error_is_printed_without_terminal_escapes(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    base = theme / "templates" / "base.html"
    base.write_text('{% include "\x1b]0;PWNED\x07\x1b[2J" %}' + base.read_text())
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\nTHEME = {str(theme)!r}\n"
    )
    result = factsheets("build", "-s", settings, "-o", tmp_path / "out", CONTENT)
    assert result.returncode == 1
    assert "build failed: TemplateNotFound" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "\\x1b]0;PWNED\\x07" in result.stderr


def test_after_a_build_an_error_logged_by_the_server_does_not_stop_the_process(tmp_path):
    from factsheets.build import build_site

    assert build_site(ROOT / "pelicanconf.py", CONTENT, tmp_path / "out", quiet=True).ok
    logging.getLogger("tornado.general").error("a request the server could not answer")  # must not raise


def test_the_content_folder_may_follow_options(content_copy):
    result = factsheets("new", "actor", "someone-new", "--folder", "factsheets", content_copy)
    assert result.returncode == 0, result.stderr
    assert "id: someone-new" in (content_copy / "factsheets" / "actors.yaml").read_text()
    wrong = factsheets("check", "--no-cache", content_copy, "surplus")
    assert wrong.returncode == 2 and "unrecognized arguments: surplus" in wrong.stderr
