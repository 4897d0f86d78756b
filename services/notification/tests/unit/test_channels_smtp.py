"""EmailChannel against a real local SMTP server (aiosmtpd over TCP): TLS verified,
credentials only over TLS, no fall-back to plaintext."""
from __future__ import annotations

import datetime
import ipaddress
import smtplib
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notification.plugins.channels import EmailChannel, PlaintextCredentials, tls_mode
from tools.stack.procs import free_port

PASSWORD = "relay-password-123"


def _cert(subject: str, key, issuer_name, issuer_key, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                                           subject)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _pem(path: Path, *items) -> Path:
    path.write_bytes(b"".join(
        i.public_bytes(serialization.Encoding.PEM) if isinstance(i, x509.Certificate) else
        i.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                        serialization.NoEncryption()) for i in items))
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:
    """A private CA and a server certificate for 127.0.0.1 that it signed."""
    base = tmp_path_factory.mktemp("pki")
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test CA", ca_key, None, None, ca=True)
    server = _cert("127.0.0.1", server_key, ca.subject, ca_key, ca=False)
    return {"ca": _pem(base / "ca.pem", ca), "cert": _pem(base / "server.pem", server),
            "key": _pem(base / "server.key", server_key)}


class Relay:
    """An SMTP relay that records deliveries and every AUTH attempt."""

    def __init__(self, tls: ssl.SSLContext | None = None):
        self.port, self.messages, self.auth_attempts = free_port(), [], []
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     tls_context=tls, authenticator=self.authenticate,
                                     auth_require_tls=False)

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.auth_attempts.append(auth_data.login.decode())
        return AuthResult(success=auth_data.password.decode() == PASSWORD)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def relay(request, pki):
    tls = None
    if getattr(request, "param", None) == "starttls":
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(pki["cert"], pki["key"])
    server = Relay(tls)
    server.controller.start()
    yield server
    server.controller.stop()


def _channel(relay: Relay, **settings) -> EmailChannel:
    return EmailChannel({"host": "127.0.0.1", "port": relay.port, "sender": "crm@bank.example",
                         **settings})


def _send(channel: EmailChannel) -> None:
    channel.send("m1@bank.example", "subject", "text", {})


def test_without_credentials_plain_smtp_still_delivers(relay):
    _send(_channel(relay))
    assert relay.messages == [["m1@bank.example"]]


def test_credentials_without_tls_are_refused_before_connecting(relay):
    with pytest.raises(PlaintextCredentials, match="refusing to send the password in plaintext"):
        _send(_channel(relay, username="crm", password=PASSWORD))
    assert relay.auth_attempts == [] and relay.messages == []


def test_starttls_the_server_does_not_offer_is_an_error_not_a_fallback(relay):
    with pytest.raises(smtplib.SMTPNotSupportedError):
        _send(_channel(relay, starttls="true", username="crm", password=PASSWORD))
    assert relay.auth_attempts == [] and relay.messages == []


@pytest.mark.parametrize("relay", ["starttls"], indirect=True)
def test_starttls_verifies_the_certificate(relay):
    """The server's certificate is signed by a CA the default trust store does not know."""
    with pytest.raises(ssl.SSLCertVerificationError):
        _send(_channel(relay, starttls="true", username="crm", password=PASSWORD))
    assert relay.auth_attempts == [] and relay.messages == []


@pytest.mark.parametrize("relay", ["starttls"], indirect=True)
def test_starttls_with_a_trusted_ca_logs_in_and_delivers(relay, pki):
    _send(_channel(relay, starttls="true", ca_file=str(pki["ca"]), username="crm",
                   password=PASSWORD))
    assert relay.auth_attempts == ["crm"] and relay.messages == [["m1@bank.example"]]


@pytest.mark.parametrize("settings, mode", [
    ({}, "none"), ({"starttls": "false"}, "none"), ({"starttls": "true"}, "starttls"),
    ({"starttls": True}, "starttls"), ({"ssl": "true"}, "ssl"), ({"port": "465"}, "ssl"),
])
def test_tls_mode(settings, mode):
    assert tls_mode(settings) == mode
