"""Run the API guide's walkthrough against a fresh server and write its real answers into it.

    .venv/bin/python scripts/walkthrough.py          # rewrites docs/api-guide.md
    .venv/bin/python scripts/walkthrough.py --check  # exit 1 when the guide is not current

The guide's own `sh` blocks are the script: from `## Walkthrough` on, every command runs in
order, as a newcomer would type it, on one fresh development server (a new SQLite database
migrated with the real migrations, driven through Flask's test client): `curl` (the flags
the guide uses), shell variables, `$(...)`, `jq -r`, `cat`, here-documents, `> file`, and the
operator's `flask` commands. The code block that follows an `sh` block is its answer: it is
replaced by what the commands printed (bodies whole, as the server sends them; with `-i`,
the status line and the headers the block already shows). Blocks are left as written where
the guide says `<!-- walkthrough: as written -->` before the `sh` block, and in the
sections that explain signing in (their answers hold tokens).

tests/ops/test_walkthrough.py runs it and fails when the committed guide differs from a
fresh run, ids and times aside (`normalise`).
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "api-guide.md"
API = "http://127.0.0.1:5000"
START = "## Walkthrough"
END = "## Endpoints at a glance"
# The run's today: what the guide's dates assume (recurring occurrences already due, dates
# that default to today).
TODAY = date(2026, 12, 1)
# The sections about tokens: their answers are written by hand (tokens cut short).
AS_WRITTEN_SECTIONS = {"### Sign up", "### Sign in", "### Refresh and sign out"}
AS_WRITTEN = "<!-- walkthrough: as written -->"
FENCE = re.compile(r"^```(\w*)\s*$")


class WalkthroughError(Exception):
    """A command of the guide could not run, or did not do what the guide expects."""


@dataclass
class Shell:
    """The state a reader's shell keeps between commands: variables and files."""

    client: Any
    app: Any
    variables: dict[str, str] = field(default_factory=lambda: {"API": API})
    files: dict[str, bytes] = field(default_factory=dict)

    # -- words ---------------------------------------------------------------------------

    def expand(self, text: str) -> str:
        """$NAME, ${NAME} and $(command) outside single quotes, as sh does."""
        out, index, quoted = [], 0, False
        while index < len(text):
            char = text[index]
            if char == "'" and not quoted_double(text, index):
                quoted = not quoted
                out.append(char)
                index += 1
            elif char == "$" and not quoted:
                if text.startswith("$(", index):
                    depth, end = 0, index + 1
                    while end < len(text):
                        depth += {"(": 1, ")": -1}.get(text[end], 0)
                        if depth == 0:
                            break
                        end += 1
                    out.append(self.run_line(text[index + 2 : end]).strip())
                    index = end + 1
                else:
                    match = re.match(r"\$\{?(\w+)\}?", text[index:])
                    if not match:
                        out.append(char)
                        index += 1
                        continue
                    name = match.group(1)
                    if name not in self.variables:
                        raise WalkthroughError(f"${name} is not set")
                    out.append(self.variables[name])
                    index += match.end()
            else:
                out.append(char)
                index += 1
        return "".join(out)

    # -- commands ------------------------------------------------------------------------

    def run_block(self, text: str) -> list[str]:
        """Run an sh block; what it printed, one entry per printing command."""
        printed = []
        for command in commands(text):
            heredoc = None
            if "<<'-'" in command.split("\n", 1)[0]:
                command, heredoc = command.split("\n", 1)
                command = command.replace(" <<'-'", "")
                heredoc = heredoc.rsplit("\n", 1)[0] + "\n"
            output = self.run_line(command, stdin=heredoc)
            if os.environ.get("WALKTHROUGH_TRACE"):
                print(f"$ {command[:150]}\n{output[:400]}", file=sys.stderr)
            if output:
                printed.append(output)
        return printed

    def run_line(self, line: str, stdin: str | None = None) -> str:
        redirect_to = None
        match = re.search(r"\s>\s*(\S+)\s*$", line)
        if match:
            line, redirect_to = line[: match.start()], match.group(1)
        stages = split_pipe(line)
        output = b""
        for number, stage in enumerate(stages):
            words = shlex.split(self.expand(stage), comments=True)
            # NAME=value words: variables, or the environment of the command after them
            # (APP_ENV=development .venv/bin/flask ...: the shell's app is development's).
            assignments = []
            while words and re.match(r"^\w+=", words[0]):
                assignments.append(words.pop(0).split("=", 1))
            if not words:
                self.variables.update(assignments)
                return ""
            output = self.run_words(words, output if number else None, stdin)
        if redirect_to:
            self.files[redirect_to] = output
            return ""
        return output.decode()

    def run_words(self, words: list[str], piped: bytes | None, stdin: str | None) -> bytes:
        program, args = words[0], words[1:]
        if program == "curl":
            return self.curl(args)
        if program == "jq":
            return jq(args, piped if piped is not None else self.files[args[-1]])
        if program == "tee":
            self.files[args[0]] = piped or b""
            return piped or b""
        if program == "cat":
            if stdin is not None:
                return stdin.encode()
            return self.files[args[0]]
        if program.endswith("flask"):
            result = self.app.test_cli_runner().invoke(args=[*args])
            if result.exit_code != 0:
                raise WalkthroughError(f"flask {' '.join(args)}: {result.output}")
            return result.output.encode()
        raise WalkthroughError(f"the walkthrough does not know how to run {program!r}")

    def curl(self, args: list[str]) -> bytes:
        method, headers, data, form, files, url = None, {}, None, [], {}, None
        fields: dict[str, str] = {}
        include, output_file = False, None
        words = iter(args)
        for word in words:
            if word == "-i":
                include = True
            elif word == "-s":
                pass
            elif word == "-X":
                method = next(words)
            elif word == "-H":
                name, _, value = next(words).partition(":")
                headers[name.strip()] = value.strip()
            elif word == "-d":
                value = next(words)
                data = self.files[value[1:]] if value.startswith("@") else value.encode()
            elif word == "--data-urlencode":
                name, _, value = next(words).partition("=")
                form.append((name, value))
            elif word == "-F":
                name, _, value = next(words).partition("=")
                if value.startswith("@"):  # a file part: -F file=@lisbon.csv
                    file_name = value[1:].split(";")[0]
                    files[name] = (self.files[file_name], file_name)
                else:  # a text part: -F "me=Alice Martin"
                    fields[name] = value
            elif word == "-o":
                output_file = next(words)
            elif word == "-f":
                pass
            elif word.startswith("-"):
                raise WalkthroughError(f"curl {word} is not supported here")
            else:
                url = word
        if url is None or not url.startswith(API):
            raise WalkthroughError(f"curl needs a URL under $API: {args}")
        body: Any = data
        if data is not None and "=" in data.decode() and not data.startswith((b"{", b"[")):
            form = [tuple(pair.split("=", 1)) for pair in data.decode().split("&")] + form
            body = None
        if form:
            body = urlencode(form)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if files:
            body = {
                name: (io.BytesIO(content), file_name)
                for name, (content, file_name) in files.items()
            }
            body.update(fields)
        method = method or ("POST" if body is not None else "GET")
        response = self.client.open(
            url[len(API) :], method=method, headers=headers, data=body, base_url=API
        )
        payload = response.get_data().replace(b"\r\n", b"\n")  # CSV lines end in CRLF
        if output_file:
            self.files[output_file] = payload
            return b""
        if not include:
            return payload
        head = [f"HTTP/1.1 {response.status}"]
        head += [f"{name}: {value}" for name, value in response.headers.items()]
        return ("\n".join(head) + "\n\n").encode() + payload


def quoted_double(text: str, index: int) -> bool:
    """Whether text[index] is inside double quotes (where a ' is just a character)."""
    quote = None
    for char in text[:index]:
        if quote is None and char in "\"'":
            quote = char
        elif char == quote:
            quote = None
    return quote == '"'


def split_pipe(line: str) -> list[str]:
    """`a | b` outside quotes (and outside $(...))."""
    parts, current, quote, depth = [], [], None, 0
    for char in line:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def commands(block: str) -> Iterator[str]:
    """The commands of an sh block: continuation lines joined, quotes spanning lines kept
    together, here-documents attached to their command, comments dropped."""
    lines = block.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = line
        while command.endswith("\\") or unbalanced(command):
            if command.endswith("\\"):
                command = command[:-1] + " " + lines[index].strip()
            else:
                command += "\n" + lines[index]
            index += 1
        heredoc = re.search(r"<<'(\w+)'", command)
        if heredoc:
            body = []
            while lines[index] != heredoc.group(1):
                body.append(lines[index])
                index += 1
            index += 1
            command = command.replace(f" <<'{heredoc.group(1)}'", " <<'-'")
            command += "\n" + "\n".join(body) + "\n" + heredoc.group(1)
        yield command


def unbalanced(text: str) -> bool:
    quote = None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
    return quote is not None


def jq(args: list[str], data: bytes) -> bytes:
    """`jq -r .field` and `jq -c '{a, b}'`, the two forms the guide uses."""
    raw = "-r" in args
    program = next(arg for arg in args if not arg.startswith("-"))
    value = json.loads(data)
    if program.startswith("{"):
        names = [name.strip() for name in program.strip("{}").split(",")]
        return (
            json.dumps({name: value[name] for name in names}, separators=(",", ":")) + "\n"
        ).encode()
    for name in program.strip(".").split("."):
        if name:
            value = value[int(name)] if isinstance(value, list) else value[name]
    if raw and isinstance(value, str):
        return (value + "\n").encode()
    return (json.dumps(value) + "\n").encode()


# -- the guide ------------------------------------------------------------------------------


def shown_headers(block: str) -> list[str]:
    """The header names an http answer block already shows (the ones worth showing)."""
    return [line.split(":", 1)[0] for line in block.split("\n") if re.match(r"^[\w-]+: ", line)]


def parts(block: str) -> int:
    """How many answers a block shows: HTTP responses, and JSON documents that start a line
    outside them (an indented document counts once); at least one."""
    count, in_head, body_next = 0, False, False
    for line in block.split("\n"):
        if line.startswith("HTTP/1.1 "):
            count, in_head = count + 1, True
        elif in_head and not line.strip():
            in_head, body_next = False, True
        elif body_next:
            body_next = False
        elif line[:1] in ("{", "["):
            count += 1
    return max(count, 1)


def render_answer(outputs: list[str], old: str) -> str:
    """The answers of a block's commands; only the last one's when the block showed one
    answer for several commands (the others only prepare it)."""
    keep = {name.lower() for name in shown_headers(old)}
    if len(outputs) > 1 and parts(old) != len(outputs):
        outputs = outputs[-1:]
    rendered = []
    for output in outputs:
        if output.startswith("HTTP/1.1 "):
            head, _, body = output.partition("\n\n")
            lines = head.split("\n")
            status = lines[0].upper()
            headers = [line for line in lines[1:] if line.split(":", 1)[0].lower() in keep]
            rendered.append("\n".join([status, *headers, "", body.rstrip("\n")]).rstrip("\n"))
        else:
            rendered.append(output.rstrip("\n"))
    return "\n".join(rendered)


def rewrite(guide: str, shell: Shell) -> str:
    """The guide with each answer block of the walkthrough replaced by a fresh run's."""
    lines = guide.split("\n")
    start, end = lines.index(START), lines.index(END)
    out = lines[:start]
    index, section, as_written = start, "", False
    while index < end:
        line = lines[index]
        if line.startswith("### "):
            section = line
        if line.strip() == AS_WRITTEN:
            as_written = True
        fence = FENCE.match(line)
        if not fence:
            out.append(line)
            index += 1
            continue
        close = lines.index("```", index + 1)
        block = "\n".join(lines[index + 1 : close])
        out.extend(lines[index : close + 1])
        index = close + 1
        if fence.group(1) != "sh":
            continue
        outputs = shell.run_block(block)
        skip_answer = as_written or section in AS_WRITTEN_SECTIONS
        as_written = False
        # The answer: the next code block, when only blank lines come between.
        after = index
        while after < end and not lines[after].strip():
            after += 1
        answer = FENCE.match(lines[after]) if after < end else None
        if not answer or answer.group(1) == "sh" or not outputs or skip_answer:
            continue
        answer_close = lines.index("```", after + 1)
        old = "\n".join(lines[after + 1 : answer_close])
        out.extend(lines[index:after])
        rendered = render_answer(outputs, old)
        if rendered.startswith("HTTP/1.1 "):
            language = "http"
        else:
            language = "json" if answer.group(1) == "http" else answer.group(1)
        out.append(f"```{language}")
        out.append(rendered)
        out.append("```")
        index = answer_close + 1
    out.extend(lines[end:])
    return "\n".join(out)


# -- a fresh server -------------------------------------------------------------------------


def fresh_shell(directory: Path) -> Shell:
    """A development server on a new SQLite database, migrated; its test client."""
    os.environ.update(
        {
            "APP_ENV": "development",
            "DATABASE_URL": f"sqlite:///{directory / 'walkthrough.db'}",
            "LOG_LEVEL": "WARNING",
            "FLASK_APP": "wsgi:app",
        }
    )
    sys.path.insert(0, str(ROOT))
    from expense_tracker import create_app

    app = create_app("development")
    freeze_today()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    if result.exit_code != 0:
        raise WalkthroughError(f"flask db upgrade: {result.output}")
    os.chdir(ROOT)
    return Shell(app.test_client(), app)


def freeze_today() -> None:
    """`utc_today` answers TODAY, so the run does not depend on the day it runs. Its code is
    swapped, not the name: schemas hold the function itself (`load_default=utc_today`)."""
    from expense_tracker import database

    frozen = eval(f"lambda: date({TODAY.year}, {TODAY.month}, {TODAY.day})", vars(database))
    database.utc_today.__code__ = frozen.__code__


def generate(guide: str) -> str:
    """The guide as a fresh run of its walkthrough answers it."""
    with tempfile.TemporaryDirectory() as directory:
        here = Path.cwd()
        try:
            return rewrite(guide, fresh_shell(Path(directory)))
        finally:
            os.chdir(here)


NORMALISED = [
    # Timestamps (dates are not: the run's today is TODAY).
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"), "<time>"),
    # Tokens, opaque cursors and codes that are random on each run.
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+"), "<token>"),
    (re.compile(r'"(invite_code|cursor|next_cursor)": ?"[^"]+"'), r'"\1": "<random>"'),
    (re.compile(r"(cursor=)[\w%-]+"), r"\1<random>"),
    (re.compile(r"^(X-Request-ID|Date|X-RateLimit-Reset|Retry-After): .*$", re.M), r"\1: <varies>"),
]


def normalise(text: str) -> str:
    """The guide with what differs between two runs (times, tokens, random codes) blanked."""
    for pattern, replacement in NORMALISED:
        text = pattern.sub(replacement, text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    arguments = parser.parse_args()
    guide = GUIDE.read_text(encoding="utf-8")
    fresh = generate(guide)
    if arguments.check:
        committed, expected = normalise(guide), normalise(fresh)
        if committed == expected:
            return 0
        diff = difflib.unified_diff(
            committed.splitlines(),
            expected.splitlines(),
            "docs/api-guide.md",
            "a fresh run",
            lineterm="",
            n=1,
        )
        print("\n".join(list(diff)[:80]))
        print(
            "docs/api-guide.md differs from a fresh run: `.venv/bin/python scripts/walkthrough.py`"
        )
        return 1
    GUIDE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
