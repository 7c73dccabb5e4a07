"""Cold `loupe check` on projects a generator or a slip can produce: one
line of a megabyte, paths of 100,000 parts, thousands of unknown names over
a wide model, a file of 100,000 macros, 100,000 ref calls. Prints the wall
time, peak memory and diagnostics of each, so a case that grows faster than
its input shows here. Then, over LSP, the time of each request an editor
sends on opening a file, on the widest cases.

    python3 bench/hostile.py [PATH-TO-LOUPE]   (default: the release build)

Each project holds one case and a small model it reads.
"""

import json
import os
import pathlib
import queue
import subprocess
import sys
import tempfile
import threading
import time

PROJECT = "name: hostile\nprofile: hostile\n"


def wide(n):
    return "select " + ", ".join(f"1 as column_number_{i}" for i in range(n)) + "\n"


CASES = {
    "path of 100,000 parts": {
        "models/path.sql": "select t.s" + ".f" * 100_000 + " as b from (select {'f': 1} as s) t\n",
    },
    "20,000 misspelled columns of a 20,000-column model": {
        "models/wide.sql": wide(20_000),
        "models/misspelled.sql": "select "
        + ", ".join(f"colum_number_{i}" for i in range(20_000))
        + "\nfrom {{ ref('wide') }}\n",
    },
    "20,000 columns of a 20,000-column model": {
        "models/wide.sql": wide(20_000),
        "models/reader.sql": "select "
        + ", ".join(f"column_number_{i}" for i in range(20_000))
        + "\nfrom {{ ref('wide') }}\n",
    },
    "100,000 macros in one file, 100 called": {
        "macros/many.sql": "".join(
            f"{{% macro m{i}(x) %}}{{{{ x }}}}{i}{{% endmacro %}}\n" for i in range(100_000)
        ),
        "models/caller.sql": "select "
        + ", ".join(f"{{{{ m{i}(1) }}}} as c{i}" for i in range(0, 100_000, 1000))
        + "\n",
    },
    "100,000 refs and 100,000 unknown refs": {
        "models/base.sql": "select 1 as id\n",
        "models/refs.sql": "select 1 as id\n" + "-- {{ ref('base') }}\n" * 100_000,
        "models/unknown_refs.sql": "select 1 as id\n" + "-- {{ ref('nope') }}\n" * 100_000,
    },
    "7 MB string literal": {
        "models/literal.sql": "select '" + "x" * 7_000_000 + "' as b\n",
    },
    "CASE of 100,000 WHENs": {
        "models/case.sql": "select case " + "when 1 = 1 then 1 " * 100_000 + "end as b\n",
    },
    "IN list of 200,000 values": {
        "models/in_list.sql": "select 1 in (" + ", ".join(["1"] * 200_000) + ") as b\n",
    },
    "3,000 joins": {
        "models/joins.sql": "select t0.a from (select 1 as a) t0\n"
        + "\n".join(f"join (select 1 as a) t{i} on t{i}.a = t0.a" for i in range(1, 3000))
        + "\n",
    },
    "10,000-line .dbtignore over 2,000 models": {
        ".dbtignore": "".join(
            f"models/scratch_{i}/\n*_tmp_{i}.sql\nmodels/**/draft_{i}.sql\n!models/keep_{i}.sql\n"
            for i in range(2_500)
        ),
        **{f"models/m_{i}.sql": f"select {i} as id\n" for i in range(2_000)},
        **{f"models/scratch_{i}/broken.sql": "select from\n" for i in range(0, 2_500, 100)},
    },
    "properties of 100,000 columns": {
        "models/base.sql": "select 1 as id\n",
        "models/properties.yml": "version: 2\nmodels:\n  - name: base\n    columns:\n"
        + "".join(f"      - name: col_{i}\n        description: column {i}\n" for i in range(100_000)),
    },
}


CAPABILITIES = {"textDocument": {"codeAction": {"dataSupport": True,
                                                "resolveSupport": {"properties": ["edit"]}}}}


class Server:
    """`loupe lsp` over stdio, answering the server's own requests with null."""

    def __init__(self, loupe, root):
        self.process = subprocess.Popen(
            [loupe, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.messages = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        uri = root.as_uri()
        self.request(
            "initialize",
            # As VS Code, Zed and Neovim do: code actions' edits resolved when picked.
            {"processId": None, "rootUri": uri, "capabilities": CAPABILITIES,
             "workspaceFolders": [{"uri": uri, "name": root.name}]},
        )
        self.notify("initialized", {})

    def _read(self):
        out = self.process.stdout
        while True:
            line = out.readline()
            if not line:
                self.messages.put(None)
                return
            if line.lower().startswith(b"content-length"):
                length = int(line.split(b":")[1])
                while out.readline().strip():
                    pass
                self.messages.put(json.loads(out.read(length)))

    def _send(self, message):
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method, params):
        self._send({"method": method, "params": params})

    def request(self, method, params, timeout=600):
        """(seconds until answered, size of the answer in bytes)."""
        self.next_id += 1
        start = time.perf_counter()
        self._send({"id": self.next_id, "method": method, "params": params})
        while True:
            message = self.messages.get(timeout=timeout)
            if message is None:
                raise SystemExit(f"the server exited during {method}")
            if "method" in message and "id" in message:
                self._send({"id": message["id"], "result": None})
            elif message.get("id") == self.next_id:
                self.last_result = message.get("result")
                return time.perf_counter() - start, len(json.dumps(self.last_result))

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.process.wait(timeout=60)


LSP_CASES = [
    ("path of 100,000 parts", "models/path.sql"),
    ("20,000 misspelled columns of a 20,000-column model", "models/misspelled.sql"),
    ("20,000 columns of a 20,000-column model", "models/reader.sql"),
    ("20,000 columns of a 20,000-column model", "models/wide.sql"),
    ("7 MB string literal", "models/literal.sql"),
]


def probe_lsp(loupe, project, path):
    """Opens `path` and times what an editor asks of a file it opens."""
    server = Server(loupe, project)
    text = (project / path).read_text()
    uri = (project / path).as_uri()
    doc = {"uri": uri}
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}},
    )
    lines = text.split("\n")
    last = max(0, len(lines) - 2)
    end = {"line": last, "character": len(lines[last])}
    middle = {"line": 0, "character": min(len(lines[0]), 5000)}
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": len(lines), "character": 0}}
    timings = []
    for method, params in [
        ("hover", {"textDocument": doc, "position": middle}),
        ("completion", {"textDocument": doc, "position": end}),
        ("documentSymbol", {"textDocument": doc}),
        ("inlayHint", {"textDocument": doc, "range": whole}),
        ("codeLens", {"textDocument": doc}),
        ("codeAction", {"textDocument": doc, "range": {"start": end, "end": end},
                        "context": {"diagnostics": []}}),
    ]:
        seconds, size = server.request("textDocument/" + method, params)
        timings.append(f"{method} {seconds * 1000:.0f} ms ({size / 1e6:.1f} MB)")
    # Picking the first pipeline action: its edit is made and verified then.
    picked = next((a for a in server.last_result or [] if a.get("data")), None)
    if picked:
        seconds, size = server.request("codeAction/resolve", picked)
        timings.append(f"resolve {seconds * 1000:.0f} ms ({size / 1e6:.1f} MB)")
    server.close()
    return timings


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/loupe-target"))
    loupe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "release", "loupe")
    if not os.path.exists(loupe):
        sys.exit(f"no {loupe}: cargo build --release -p loupe-lsp (from {root})")
    print(f"{'case':<54} {'wall (s)':>9} {'peak (MB)':>10}  diagnostics")
    with tempfile.TemporaryDirectory() as work:
        for name, files in CASES.items():
            project = pathlib.Path(work, str(abs(hash(name))))
            for path, text in {"dbt_project.yml": PROJECT, **files}.items():
                (project / path).parent.mkdir(parents=True, exist_ok=True)
                (project / path).write_text(text)
            start = time.perf_counter()
            run = subprocess.run(
                ["/usr/bin/time", "-f", "%M", loupe, "check", "--format", "json", str(project)],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - start
            peak_mb = int(run.stderr.strip().splitlines()[-1]) / 1024
            try:
                codes = {}
                for d in json.loads(run.stdout):
                    codes[d["code"]] = codes.get(d["code"], 0) + 1
                found = ", ".join(f"{n} {c}" for c, n in sorted(codes.items())) or "none"
            except (json.JSONDecodeError, KeyError):
                found = f"exit {run.returncode}: {run.stderr.strip()[:120]}"
            print(f"{name:<54} {wall:>9.2f} {peak_mb:>10.0f}  {found}")
        print("\nover LSP, opening the file (the first request waits for its analysis):")
        for name, path in LSP_CASES:
            project = pathlib.Path(work, str(abs(hash(name))))
            print(f"{name} ({path}):")
            print("    " + "; ".join(probe_lsp(loupe, project, path)))


if __name__ == "__main__":
    main()
