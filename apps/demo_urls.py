#!/usr/bin/env python3
"""demo_urls.py - the lesson's download example, as it was meant to work.

Its C twin is demo_urls.c (`./paralab demo urls --python` runs both).

The lesson installs the library with `pip3 install parallel` - an unrelated
package; the library is `python-parallel` - and then writes, roughly:

    @parallel.decorate
    def download_and_save(url):
        resp = requests.get(url)
        data = resp.json()
        with open('datos.txt', 'w') as f:
            f.write(data)

    download_and_save.map(urls, timeout=5, max_workers=4)

Three things go wrong (`--lesson` shows each, offline):
  1. resp.json() on an HTML page (python.org is one) raises JSONDecodeError;
  2. on a JSON page, f.write(dict) raises TypeError (write wants a str);
  3. every worker opens the SAME datos.txt with "w", which empties it: the
     file keeps one page at most, whichever came last (lab 00 measures it).
And since the library re-raises the first task exception for the whole map,
one bad page loses every result (unless silent=True is passed).

The corrected version below uses only the standard library: urllib (no
requests), a ThreadPoolExecutor of 4 (downloads wait on the network, so
threads are enough despite the GIL), ONE deadline of 5 s for the whole map,
one result per URL (a failure is that URL's result, not everybody's), JSON
parsed only when the server says it is JSON, and one file per URL.

Given no URL it starts paralab's loopback server (paralab-serve) and uses
the lesson's cases from it: an HTML page, a JSON page, a slow page, a 404.
"""
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# The same pages as apps/lesson_pages.h (one list per language).
LESSON_PAGES = ["/html/python.org", "/json/precios", "/slow/1000/2048", "/status/404"]
TIMEOUT_S = 5
MAX_WORKERS = 4


def out_dir():
    # The same place as the C demo: $PARALAB_DOWNLOADS, else one per user.
    d = os.environ.get("PARALAB_DOWNLOADS") or f"/tmp/paralab-downloads-{os.getuid()}"
    os.makedirs(d, exist_ok=True)
    return d


def download_and_save(url, path):
    """One URL -> its own file. Returns a line of text; raises on failure."""
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:  # HTTPError for 4xx/5xx
        body = resp.read()
        kind = resp.headers.get_content_type()
    if kind == "application/json":
        data = json.loads(body)  # parse only what says it is JSON
        what = f"JSON, {type(data).__name__} with {len(data)} entries"
    else:
        what = kind
    # Write to a private temporary name, then rename: a reader sees the old
    # file or the whole new one, never half (what paralab's fetch does).
    tmp = f"{path}.part.{os.getpid()}.{id(body)}"
    with open(tmp, "wb") as f:
        f.write(body)
    os.replace(tmp, path)
    return f"OK, {len(body)} bytes -> {path} ({what})"


def corrected(urls):
    print(f"[python] ThreadPoolExecutor({MAX_WORKERS}): one file per URL, one {TIMEOUT_S} s deadline for the whole map")
    d = out_dir()
    with cf.ThreadPoolExecutor(max_workers=MAX_WORKERS) as ex:
        futures = [ex.submit(download_and_save, url, os.path.join(d, f"py-page-{i + 1:02d}.html"))
                   for i, url in enumerate(urls)]
        done, _ = cf.wait(futures, timeout=TIMEOUT_S)
        for url, f in zip(urls, futures):
            if f not in done:
                f.cancel()
                line = f"TIMEOUT: not done within {TIMEOUT_S} s"
            elif f.exception() is not None:
                line = f"FAILED: {type(f.exception()).__name__}: {f.exception()}"
            else:
                line = f.result()
            print(f"  {url:<40} {line}")


def lesson(urls):
    """The lesson's steps, one URL after another, to see each error by itself."""
    print("[python] the lesson's download_and_save, step by step:")
    datos = os.path.join(out_dir(), "datos.txt")
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
                data = json.loads(resp.read())  # what requests' resp.json() does
            with open(datos, "w") as f:  # "w": empties what the others wrote
                f.write(data)
            line = "saved"
        except Exception as exc:
            line = f"{type(exc).__name__}: {exc}"
        print(f"  {url:<40} {line}")
    print("  and with 'w', datos.txt could only ever hold the last page written.")


def find_server():
    """paralab-serve from the build tree (PARALAB_SERVE overrides)."""
    candidates = [os.environ.get("PARALAB_SERVE", "")]
    build = os.environ.get("PARALAB_BUILD_DIR") or os.path.join(HERE, "..", "build")
    candidates.append(os.path.join(build, "apps", "paralab-serve"))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    return None


def start_server():
    exe = find_server()
    if exe is None:
        print("demo_urls.py: paralab-serve is not built (run ./paralab demo urls --python, or ./paralab serve "
              "and pass its URLs)", file=sys.stderr)
        return None, None
    # --until-eof: the server stops when we close its stdin, even if we crash.
    proc = subprocess.Popen([exe, "--port", "0", "--url-only", "--until-eof"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    base = proc.stdout.readline().strip()
    if not base.startswith("http://"):
        proc.stdin.close()
        proc.wait()
        print("demo_urls.py: paralab-serve did not start", file=sys.stderr)
        return None, None
    return proc, base


def main(argv):
    args = argv[1:]
    if args in (["-h"], ["--help"]):
        print("usage: demo_urls.py [--lesson] [URL ...]\n"
              "  downloads each URL into its own file (4 at a time, 5 s for all);\n"
              "  no URL: the lesson's pages from a local paralab-serve;\n"
              "  --lesson: also run the lesson's version, to see what fails")
        return 0
    show_lesson = "--lesson" in args
    urls = [a for a in args if a != "--lesson"]
    bad = [u for u in urls if u.startswith("-") or " " in u]
    if bad:
        print(f"demo_urls.py: not a URL: {bad[0]!r} (see --help)", file=sys.stderr)
        return 2
    server = None
    if not urls:
        server, base = start_server()
        if server is None:
            return 1
        print(f"(no URL given: downloading the lesson's pages from a local server, {base})")
        urls = [base + p for p in LESSON_PAGES]
    try:
        corrected(urls)
        if show_lesson:
            lesson(urls)
    finally:
        if server is not None:
            server.stdin.close()
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
