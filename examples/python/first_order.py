#!/usr/bin/env python3
"""The first order from Python: `requests` for REST, `websockets` for the feed.

    P3_KEY=k_alice_... P3_SECRET=... python3 examples/python/first_order.py

P3_API (default http://127.0.0.1:8787, `npm run dev`), P3_SYMBOL (default BTC-USD).
Needs `requests` and `websockets` (Debian: apt-get install python3-requests
python3-websockets; or pip install requests websockets).

It takes a token, opens the feed socket (auth, the level-2 book and the private
`user` channel), places a resting limit buy over REST (no client_order_id: the
server names it, the Idempotency-Key makes a retry safe), sees it on the user
channel, cancels it, sees the cancel, and reads the balances with an HMAC-signed
request.
"""
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import time
import urllib.parse

import requests
import websockets

API = os.environ.get("P3_API", "http://127.0.0.1:8787")
SYMBOL = os.environ.get("P3_SYMBOL", "BTC-USD")
KEY = os.environ["P3_KEY"]
SECRET = os.environ["P3_SECRET"]


def token() -> str:
    r = requests.post(f"{API}/v1/auth/token", json={"api_key": KEY, "api_secret": SECRET}, timeout=10)
    r.raise_for_status()
    return r.json()["access_token"]


def signed_get(path: str) -> dict:
    """A signed request: HMAC-SHA256 of the six-line signing string, keyed with SHA-256(secret)."""
    ts = str(int(time.time() * 1000))
    nonce = secrets.token_hex(16)
    url = urllib.parse.urlsplit(f"{API}{path}")
    payload = "\n".join([ts, nonce, "GET", url.path, url.query, hashlib.sha256(b"").hexdigest()])
    key = hashlib.sha256(SECRET.encode()).digest()
    signature = hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()
    headers = {"x-p3-key": KEY, "x-p3-timestamp": ts, "x-p3-nonce": nonce, "x-p3-signature": signature}
    r = requests.get(f"{API}{path}", headers=headers, timeout=10)
    r.raise_for_status()
    return r.json()


async def next_message(ws, want):
    """The next feed message `want` accepts (batch frames unpacked)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        for message in frame["messages"] if frame.get("type") == "batch" else [frame]:
            if want(message):
                return message


async def main() -> None:
    access = token()
    auth = {"authorization": f"Bearer {access}"}
    ws_url = API.replace("http", "ws", 1) + "/v1/ws"
    async with websockets.connect(ws_url) as ws:
        await ws.send(json.dumps({"id": 1, "method": "auth", "params": {"token": access}}))
        await next_message(ws, lambda m: m.get("id") == 1)
        await ws.send(json.dumps({"id": 2, "method": "subscribe", "params": {"channels": ["user"]}}))
        await ws.send(
            json.dumps({"id": 3, "method": "subscribe", "params": {"channels": ["level2"], "instruments": [SYMBOL]}})
        )
        # Both snapshots, in whichever order they come.
        snapshots = {}
        while len(snapshots) < 2:
            m = await next_message(ws, lambda m: m.get("type") == "snapshot")
            snapshots[m["channel"]] = m
        book = snapshots["level2"]
        best_bid = book["bids"][0][0] if book["bids"] else None
        print(f"{SYMBOL} level2 at seq {book['seq']}: best bid {best_bid}")

        spec = requests.get(f"{API}/v1/instruments/{SYMBOL}", timeout=10).json()
        price = os.environ.get("P3_PRICE", best_bid or "100.00")
        order = {"instrument": SYMBOL, "side": "buy", "type": "limit", "price": price, "size": spec["min_qty"]}
        key = f"py-{secrets.token_hex(8)}"
        r = requests.post(f"{API}/v1/orders", json=order, headers={**auth, "idempotency-key": key}, timeout=10)
        r.raise_for_status()
        placed = r.json()["order"]
        print(f"placed {placed['order_id']} ({placed['client_order_id']}): {placed['status']}")
        seen = await next_message(
            ws, lambda m: m.get("type") == "order" and m["order"]["order_id"] == placed["order_id"]
        )
        print(f"user channel seq {seen['seq']}: {seen['order']['status']}")

        r = requests.delete(f"{API}/v1/orders/{placed['order_id']}", headers=auth, timeout=10)
        r.raise_for_status()
        cancelled = await next_message(
            ws,
            lambda m: m.get("type") == "order"
            and m["order"]["order_id"] == placed["order_id"]
            and m["order"]["status"] == "cancelled",
        )
        print(f"user channel seq {cancelled['seq']}: cancelled")

    balances = signed_get("/v1/accounts/me/balances")["balances"]
    print("balances (signed request):", {b["asset"]: b["available"] for b in balances})
    print("done")


asyncio.run(main())
