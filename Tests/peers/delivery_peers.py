"""Real peers for the alert delivery tests: an SMTP server (aiosmtpd, STARTTLS and AUTH required) and an HTTP
webhook receiver that answers 500 to the first POST (unless told to accept) and 200 afterwards. Each checks what it receives on its own
(the receiver verifies the HMAC itself) and appends it as one JSON line to mail.jsonl / hooks.jsonl in WORKDIR.

Usage: delivery_peers.py WORKDIR CERT KEY USER PASSWORD SECRET [fail-first|accept]
Prints one line {"smtp": port, "http": port, "silent": port} when they listen (the last never answers); stops when its standard input closes.
"""

import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

workdir, cert, key, user, password, secret = sys.argv[1:7]
fail_first = (sys.argv[7] if len(sys.argv) > 7 else "fail-first") == "fail-first"
lock = threading.Lock()


def append(name, record):
    with lock, open(os.path.join(workdir, name), "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailHandler:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        append("mail.jsonl", {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "header_to": str(message["to"]),
            "content_type": message.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None and html is not text else None,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "raw": envelope.content.decode("utf-8", "replace"),
        })
        return "250 OK: queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
          and auth_data.password == password.encode())
    return AuthResult(success=ok, handled=False)


tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
smtp_port = free_port()
controller = Controller(
    MailHandler(), hostname="127.0.0.1", port=smtp_port, server_hostname="localhost", tls_context=tls,
    require_starttls=True, auth_required=True, auth_require_tls=True, authenticator=authenticator)
controller.start()

posts = {"count": 0}


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            posts["count"] += 1
            attempt = posts["count"]
        timestamp = self.headers.get("Smiley-Timestamp", "")
        expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        status = 500 if attempt == 1 and fail_first else 200
        append("hooks.jsonl", {
            "attempt": attempt,
            "status": status,
            "path": self.path,
            "content_type": self.headers.get("Content-Type"),
            "timestamp": timestamp,
            "signature": self.headers.get("Smiley-Signature"),
            "delivery": self.headers.get("Smiley-Delivery"),
            "signature_ok": hmac.compare_digest(expected, self.headers.get("Smiley-Signature", "")),
            "body": body.decode("utf-8"),
        })
        reply = b"receiver busy" if status == 500 else b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()

# A server that accepts connections and never says a word: for the client's step timeouts.
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(8)
held = []


def hold():
    while True:
        connection, _ = silent.accept()
        held.append(connection)


threading.Thread(target=hold, daemon=True).start()
print(json.dumps({"smtp": smtp_port, "http": server.server_address[1], "silent": silent.getsockname()[1]}),
      flush=True)
sys.stdin.read()
server.shutdown()
controller.stop()
