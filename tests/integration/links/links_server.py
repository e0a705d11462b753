#!/usr/bin/env python3
"""A small HTTPS server with known answers for katabot --check-links.

Usage: links_server.py CERT KEY PORT_FILE. Serves HTTPS on 127.0.0.1 (a free port, written to
PORT_FILE once listening) until killed. A second port (the next line of PORT_FILE) accepts TCP
connections and never says anything, not even its half of the TLS handshake. A third one serves
the same paths over plain HTTP.

  /ok        200
  /moved     301 -> /ok
  /missing   404
  /gone      301 -> /missing
  /silent    TLS handshake, then never answers (until the client hangs up); each arrival logs
             "silent in flight: N", how many such requests are open at that moment
  /get-only  405 to HEAD, 200 to GET (servers that refuse HEAD)
  /loop      302 -> /loop, forever
"""
import http.server
import os
import select
import socket
import ssl
import sys
import threading

stop = threading.Event()
in_flight_lock = threading.Lock()
silent_in_flight = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, location=None):
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route(self):
        sys.stderr.write(f"{self.command} {self.path}\n")
        sys.stderr.flush()
        if self.path == "/ok":
            self.answer(200)
        elif self.path == "/moved":
            self.answer(301, "/ok")
        elif self.path == "/gone":
            self.answer(301, "/missing")
        elif self.path == "/get-only":
            self.answer(405 if self.command == "HEAD" else 200)
        elif self.path == "/loop":
            self.answer(302, "/loop")
        elif self.path.startswith("/silent"):
            self.stay_silent()
        else:
            self.answer(404)

    def stay_silent(self):
        global silent_in_flight
        with in_flight_lock:
            silent_in_flight += 1
            sys.stderr.write(f"silent in flight: {silent_in_flight}\n")
            sys.stderr.flush()
        # Readable means the client hung up (or sent more): then this request is no longer open.
        for _ in range(600):
            if select.select([self.connection], [], [], 0.2)[0]:
                break
        with in_flight_lock:
            silent_in_flight -= 1

    do_HEAD = route
    do_GET = route

    def log_message(self, *args):
        pass


class PlainServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


class Server(PlainServer):
    def get_request(self):
        connection, address = self.socket.accept()
        # The handshake happens in the request's thread, so one stalled client stalls nobody else.
        return self.tls.wrap_socket(connection, server_side=True, do_handshake_on_connect=False), address


def main():
    cert, key, port_file = sys.argv[1:4]
    server = Server(("127.0.0.1", 0), Handler)
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(cert, key)
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(16)  # the kernel completes the TCP handshake; nobody ever accepts or answers
    plain = PlainServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    with open(port_file + ".tmp", "w") as out:
        out.write(f"{server.server_address[1]}\n{mute.getsockname()[1]}\n{plain.server_address[1]}\n")
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
