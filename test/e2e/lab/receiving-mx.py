"""The lab's receiving MX: Debian's aiosmtpd offering STARTTLS with a lab-CA certificate.

Every message it accepts is appended to the inbox file as one JSON line, with whether it
arrived over TLS (the session had completed STARTTLS, RFC 3207), the TLS version, and the
address it came from (the sender, or the attacker's relay).

Run: python3 receiving-mx.py <address> <port> <hostname> <cert.pem> <key.pem> <inbox.jsonl>
"""
import asyncio
import json
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP


class Inbox:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        tls = session.ssl is not None
        ssl_object = session.ssl.get("ssl_object") if tls else None
        entry = {
            "peer": session.peer[0] if session.peer else None,
            "tls": tls,
            "tlsVersion": ssl_object.version() if ssl_object else None,
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "content": envelope.content.decode("utf-8", errors="replace"),
        }
        with open(self.path, "a", encoding="utf-8") as inbox:
            inbox.write(json.dumps(entry) + "\n")
        return "250 2.0.0 stored"


def main(address, port, hostname, cert, key, inbox):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Inbox(inbox)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, hostname=hostname, tls_context=context, require_starttls=False, timeout=60),
            host=address,
            port=int(port),
            # The fleet lab opens hundreds of connections at once.
            backlog=1024,
        )
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main(*sys.argv[1:7])
