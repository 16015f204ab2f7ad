#!/usr/bin/env python3
"""Concurrent FTPS download load: C clients at once, each downloading one file T times over explicit FTPS.

One thread per client (python3 ftplib.FTP_TLS, the data connection resumes the control TLS session). Every
attempt is classified by what the client saw, so a run tells apart the failure modes of a small passive range:

  refused   the server refused the session at connect or login (421, or 530 "too many / maximum")
  busy      the server answered the passive command with 425 (no port free, or one still closing)
  oops      vsftpd's bind failure: "500 OOPS" written in clear onto the TLS control connection
  outside   the server offered a data port outside the declared passive range
  timeout   a connect or reply did not come within --timeout seconds
  error     anything else (the message is kept)

With --retry-seconds S > 0 a failed attempt is retried in a new session until the transfer has been tried for S
seconds (bounded by time, not by a count: a count starves clients under long contention); 0 means no retry.
Per attempt it also measures the passive port's hold time: from the EPSV reply to the 150 reply to RETR (the
server accepts the data connection just before it sends 150).

Prints one JSON document on stdout. Standard library only.
"""
import argparse
import ftplib
import json
import random
import re
import socket
import ssl
import sys
import threading
import time

p = argparse.ArgumentParser()
p.add_argument("--host", required=True)
p.add_argument("--port", type=int, default=21)
p.add_argument("--user", required=True)
p.add_argument("--password", required=True)
p.add_argument("--file", required=True)
p.add_argument("--clients", type=int, required=True)
p.add_argument("--transfers", type=int, required=True)
p.add_argument("--passive", required=True, help="FROM-TO, the declared range")
p.add_argument("--timeout", type=float, default=5.0)
p.add_argument("--retry-seconds", type=float, default=0.0)
p.add_argument("--session", choices=["per-transfer", "per-client"], default="per-transfer")
p.add_argument("--hold", type=float, default=0.0,
               help="seconds to wait between connecting the data port and sending RETR (curl waits ~0.2 s idle)")
p.add_argument("--deadline", type=float, default=240.0, help="the whole run stops after this many seconds")
a = p.parse_args()
lo, hi = (int(x) for x in a.passive.split("-"))

ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

TOO_MANY = re.compile(r"too many|maximum|already logged in|try again later", re.I)
started = time.monotonic()
lock = threading.Lock()
results = []  # one per transfer: {ok, attempts, failures: [kind...], seconds}
holds = []  # seconds, successful attempts
transfers_s = []  # seconds from the 150 reply to the 226 reply
ports_outside = set()
ports_delivered = {}  # data port -> transfers delivered through it (behind a balancer: which backend served)
samples = {}  # kind -> the first few details
by_step = {}  # kind -> {step: count}


class Failure(Exception):
    def __init__(self, kind, detail=""):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def classify(e):
    if isinstance(e, Failure):
        return e
    text = str(e)
    if isinstance(e, ftplib.error_temp) or isinstance(e, ftplib.error_perm):
        if text.startswith("421") or (text.startswith("530") and TOO_MANY.search(text)):
            return Failure("refused", text[:120])
        if "OOPS" in text:
            return Failure("oops", text[:120])
        if text.startswith("425") and getattr(step, "name", "") == "EPSV":
            # A clean refusal of the passive command (ProFTPD, Pure-FTPd: a port still closing); the session lives.
            return Failure("busy", text[:120])
    if "OOPS" in text or "WRONG_VERSION_NUMBER" in text or "wrong version number" in text or "BAD_RECORD_TYPE" in text:
        return Failure("oops", text[:120])
    if isinstance(e, (socket.timeout, TimeoutError)):
        return Failure("timeout", text[:120])
    if isinstance(e, (EOFError, ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        # vsftpd exits after writing its OOPS line; a client that reads the TLS record first may see only the close.
        return Failure("closed", type(e).__name__)
    return Failure("error", f"{type(e).__name__}: {text[:120]}")


step = threading.local()


def connect():
    f = ftplib.FTP_TLS(context=ctx, timeout=a.timeout)
    try:
        step.name = "connect"
        f.connect(a.host, a.port)
        step.name = "login"
        f.login(a.user, a.password)
        f.prot_p()
        f.voidcmd("TYPE I")
    except BaseException:
        f.close()
        raise
    return f


def download(f):
    """One RETR; returns the hold time. Raises Failure or the client's exception."""
    step.name = "EPSV"
    reply = f.sendcmd("EPSV")
    t0 = time.monotonic()
    m = re.search(r"\(\|\|\|(\d+)\|\)", reply)
    if not m:
        raise Failure("error", f"EPSV reply {reply[:80]}")
    port = int(m.group(1))
    outside = not lo <= port <= hi
    if outside:
        with lock:
            ports_outside.add(port)
    step.name = "data connect"
    try:
        conn = socket.create_connection((a.host, port), timeout=a.timeout)
    except OSError as e:
        # Behind the firewall a port outside the range is dropped: the client waits out its timeout, as real ones do.
        raise Failure("outside", f"port {port}: {e}") if outside else e
    if outside:
        conn.close()
        raise Failure("outside", f"port {port} (connected: no firewall on the path)")
    try:
        if a.hold > 0:
            time.sleep(a.hold)
        step.name = "RETR"
        r = f.sendcmd("RETR " + a.file)
        hold = time.monotonic() - t0
        t1 = time.monotonic()
        if not r.startswith("1"):
            raise ftplib.error_reply(r)
        step.name = "data TLS"
        conn = ctx.wrap_socket(conn, server_hostname=a.host, session=f.sock.session)
        size = 0
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            size += len(chunk)
    finally:
        conn.close()
    step.name = "226"
    f.voidresp()
    with lock:
        transfers_s.append(time.monotonic() - t1)
        ports_delivered[port] = ports_delivered.get(port, 0) + 1
    return hold


def client(i):
    random.seed(i)
    f = None
    for _ in range(a.transfers):
        first = time.monotonic()
        failures = []
        ok = False
        while time.monotonic() - started < a.deadline:
            try:
                if f is None:
                    f = connect()
                hold = download(f)
                ok = True
                with lock:
                    holds.append(hold)
                break
            except BaseException as e:  # noqa: BLE001 - every failure is classified and counted
                failure = classify(e)
                failures.append(failure.kind)
                with lock:
                    at = by_step.setdefault(failure.kind, {})
                    at[getattr(step, "name", "?")] = at.get(getattr(step, "name", "?"), 0) + 1
                    kept = samples.setdefault(failure.kind, [])
                    detail = f"{getattr(step, 'name', '?')}: {failure.detail}"
                    if len(kept) < 3 and detail not in kept:
                        kept.append(detail)
                try:
                    if f is not None:
                        f.close()
                except BaseException:  # noqa: BLE001
                    pass
                f = None
                if a.retry_seconds <= 0 or time.monotonic() - first > a.retry_seconds:
                    break
                time.sleep(random.uniform(0.05, 0.5))
            finally:
                if a.session == "per-transfer" and f is not None:
                    try:
                        f.quit()
                    except BaseException:  # noqa: BLE001
                        f.close()
                    f = None
        with lock:
            results.append(
                {"ok": ok, "attempts": len(failures) + (1 if ok else 0), "failures": failures,
                 "seconds": round(time.monotonic() - first, 3)}
            )
    if f is not None:
        try:
            f.quit()
        except BaseException:  # noqa: BLE001
            f.close()


threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(a.clients)]
for t in threads:
    t.start()
for t in threads:
    t.join(max(0.1, a.deadline + 30 - (time.monotonic() - started)))
elapsed = time.monotonic() - started
with lock:
    done = list(results)
failures = {}
for r in done:
    for k in r["failures"]:
        failures[k] = failures.get(k, 0) + 1
holds.sort()
json.dump(
    {
        "clients": a.clients,
        "transfersEach": a.transfers,
        "expected": a.clients * a.transfers,
        "finished": len(done),
        "delivered": sum(1 for r in done if r["ok"]),
        "attempts": sum(r["attempts"] for r in done),
        "failuresByKind": failures,
        "samples": samples,
        "failuresByStep": by_step,
        "portsOutside": len(ports_outside),
        "portsDelivered": {str(k): v for k, v in sorted(ports_delivered.items())},
        "seconds": round(elapsed, 2),
        "holdMedian": round(holds[len(holds) // 2], 4) if holds else None,
        "holdMean": round(sum(holds) / len(holds), 4) if holds else None,
        "transferMean": round(sum(transfers_s) / len(transfers_s), 4) if transfers_s else None,
        "busySecondsPerTransfer": round(sum(r["seconds"] for r in done) / max(1, len(done)), 4),
    },
    sys.stdout,
)
sys.stdout.write("\n")
