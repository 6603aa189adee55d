#!/usr/bin/env python3
"""tests/httpd.py — loopback HTTP and HTTPS servers for WebFetch's tests.

    python3 tests/httpd.py --dir DIR [--routes ROUTES.json] [--lifetime S]

Makes a throwaway CA and a server certificate for 127.0.0.1, ::1 and
localhost in DIR (openssl), starts an HTTPS and a plain HTTP server on
127.0.0.1 (ports chosen by the kernel) and prints one line

    HTTPS_PORT=N HTTP_PORT=N CA=DIR/ca.pem

then serves until its standard input closes or --lifetime seconds pass
(default 600): it always stops by itself. The CA is trusted by cordon's
fetch child only through CORDON_TEST_FETCH_CA_FILE, with the loopback
switch CORDON_TEST_ALLOW_LOOPBACK_FETCH=1 (both test-only, docs/sandbox.md).

Routes: a JSON object {path: {"status", "content_type", "body", "headers"}}
(the conformance cases' "static" form), plus built-in hostile pages:
  /huge            12 MiB of text, sent as it is generated
  /gzip-bomb       a small gzip body that inflates to 64 MiB of zeros
  /loop/N          redirects to /loop/N+1, forever
  /redirect-same   redirects to /page (same host) then the page answers
  /slow            headers, then one byte every 0.5 s (slowloris)
  /stall           headers, then nothing
  /badutf8         text with invalid UTF-8 sequences
  /latin1          ISO-8859-1 text
  /deep            HTML nested 100000 elements deep
  /attrs           a tag with 100000 attributes
  /binary          a small PNG
  /page            a small HTML page
  /echo-headers    the request's headers as text
Every request loop is bounded: the slow pages end after a bounded count.
"""
import argparse
import gzip
import http.server
import json
import os
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import zlib

ROUTES = {}

PAGE = (b"<!doctype html><html><head><title>Test Page</title></head><body>"
        b"<h1>Harness Page</h1><p>The answer is <b>42</b>.</p>"
        b"<ul><li>one</li><li>two</li></ul><a href=\"/other\">other link</a></body></html>")

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def make_certs(d):
    ca_key, ca, key, csr, crt, ext = (os.path.join(d, n) for n in
                                      ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem", "srv.ext"))
    if os.path.exists(crt):
        return ca, crt, key
    run = lambda *a: subprocess.run(a, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
        "-days", "2", "-subj", "/CN=cordon test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
        "-subj", "/CN=127.0.0.1")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", crt, "-days", "2", "-extfile", ext)
    return ca, crt, key


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cordon-test"

    def log_message(self, *a):
        pass

    def send(self, status, body=b"", ctype="text/plain; charset=utf-8", headers=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        r = ROUTES.get(path)
        if r is not None:
            body = r.get("body", "")
            body = body.encode() if isinstance(body, str) else bytes(body)
            return self.send(r.get("status", 200), body, r.get("content_type", "text/plain"), r.get("headers"))
        if path == "/page":
            return self.send(200, PAGE, "text/html; charset=utf-8")
        if path == "/other":
            return self.send(200, b"the other page\n")
        if path == "/redirect-same":
            return self.send(302, b"", None, {"Location": "/page"})
        if path == "/redirect-www":
            host = self.headers.get("Host", "")
            return self.send(301, b"", None, {"Location": "https://www.%s/page" % host})
        if path.startswith("/loop/"):
            n = int(path[6:] or 0)
            return self.send(302, b"", None, {"Location": "/loop/%d" % (n + 1)})
        if path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(12 << 20))
            self.end_headers()
            chunk = b"x" * 65535 + b"\n"
            try:
                for _ in range(12 * 16):
                    self.wfile.write(chunk)
            except OSError:
                pass
            return
        if path == "/huge-chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"y" * 65535 + b"\n"
            try:
                for _ in range(12 * 16):
                    self.wfile.write(chunk)
            except OSError:
                pass
            self.close_connection = True
            return
        if path == "/gzip-bomb":
            return self.send(200, self.server.bomb, "text/plain", {"Content-Encoding": "gzip"})
        if path in ("/slow", "/stall"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(240 if path == "/slow" else 1):
                    if path == "/slow":
                        self.wfile.write(b"s")
                        self.wfile.flush()
                    time.sleep(0.5)
                if path == "/stall":
                    time.sleep(120)
            except OSError:
                pass
            self.close_connection = True
            return
        if path == "/badutf8":
            return self.send(200, b"valid \xc3\xa9 then bad \xff\xfe and \xc3( and \xed\xa0\x80 end\n",
                             "text/plain; charset=utf-8")
        if path == "/latin1":
            return self.send(200, b"caf\xe9 \x80 na\xefve\n", "text/plain; charset=iso-8859-1")
        if path == "/deep":
            return self.send(200, b"<p>top</p>" + b"<div>" * 100000 + b"deep", "text/html")
        if path == "/attrs":
            return self.send(200, b"<p>before</p><div " + b" ".join(b"a%d=1" % i for i in range(100000)) + b">x",
                             "text/html")
        if path == "/binary":
            return self.send(200, PNG, "image/png")
        if path == "/echo-headers":
            return self.send(200, str(self.headers).encode())
        return self.send(404, b"no such page\n")

    do_HEAD = do_GET


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--routes")
    ap.add_argument("--lifetime", type=float, default=600)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    if a.routes:
        with open(a.routes, encoding="utf-8") as f:
            ROUTES.update(json.load(f))
    ca, crt, key = make_certs(a.dir)
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    data = bomb.compress(b"\0" * (64 << 20)) + bomb.flush()
    servers = []
    for tls in (True, False):
        s = Server(("127.0.0.1", 0), Handler)
        s.bomb = data
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(crt, key)
            s.socket = ctx.wrap_socket(s.socket, server_side=True)
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    print("HTTPS_PORT=%d HTTP_PORT=%d CA=%s" % (servers[0].server_address[1], servers[1].server_address[1], ca),
          flush=True)

    # Stop when our parent closes our stdin, or at the lifetime: never left running.
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    done.wait(a.lifetime)
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
