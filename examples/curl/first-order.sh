#!/usr/bin/env bash
# The first order with curl and jq: a token from an API key, a resting limit buy,
# the order read back, then cancelled, and a signed (HMAC) balance read.
#
#   P3_KEY=k_alice_… P3_SECRET=… ./examples/curl/first-order.sh
#
# P3_API (default http://127.0.0.1:8787, `npm run dev`), P3_SYMBOL (default BTC-USD).
# `npm run dev` prints demo keys (alice, bob) at start.
set -euo pipefail
API="${P3_API:-http://127.0.0.1:8787}"
SYMBOL="${P3_SYMBOL:-BTC-USD}"
: "${P3_KEY:?set P3_KEY to an API key id}" "${P3_SECRET:?set P3_SECRET to its secret}"

# 1. An access token (10 minutes; POST /v1/auth/refresh renews it).
TOKEN=$(curl -sf "$API/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"api_key\":\"$P3_KEY\",\"api_secret\":\"$P3_SECRET\"}" | jq -r .access_token)

# 2. A limit buy at the best bid (so it rests), or at P3_PRICE; prices are decimal strings on the tick grid.
PRICE="${P3_PRICE:-$(curl -sf "$API/v1/instruments/$SYMBOL/ticker" | jq -r '.best_bid // "100.00"')}"
LOT=$(curl -sf "$API/v1/instruments/$SYMBOL" | jq -r .min_qty)
# No client_order_id: the server names the order (srv-…); the Idempotency-Key makes a retry safe.
ORDER=$(curl -sf "$API/v1/orders" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -H "idempotency-key: curl-$(date +%s%N)" \
  -d "{\"instrument\":\"$SYMBOL\",\"side\":\"buy\",\"type\":\"limit\",\"price\":\"$PRICE\",\"size\":\"$LOT\"}")
ID=$(echo "$ORDER" | jq -r .order.order_id)
echo "placed $ID: $(echo "$ORDER" | jq -c '.order | {client_order_id, side, price, size, status}')"

# 3. Read it back, then cancel it.
curl -sf "$API/v1/orders/$ID" -H "authorization: Bearer $TOKEN" | jq -c '.order | {order_id, status}'
curl -sf -X DELETE "$API/v1/orders/$ID" -H "authorization: Bearer $TOKEN" | jq -c '.order | {order_id, status}'

# 4. A signed request instead of a token: HMAC-SHA256 with the SHA-256 of the secret as key.
TS=$(($(date +%s%N) / 1000000))
NONCE=$(openssl rand -hex 16)
EMPTY_SHA=$(printf '' | sha256sum | cut -d' ' -f1)
PAYLOAD=$(printf '%s\n%s\n%s\n%s\n%s\n%s' "$TS" "$NONCE" GET /v1/accounts/me/balances "" "$EMPTY_SHA")
HMAC_KEY=$(printf '%s' "$P3_SECRET" | sha256sum | cut -d' ' -f1)
SIG=$(printf '%s' "$PAYLOAD" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$HMAC_KEY" | sed 's/^.* //')
curl -sf "$API/v1/accounts/me/balances" -H "x-p3-key: $P3_KEY" -H "x-p3-timestamp: $TS" \
  -H "x-p3-nonce: $NONCE" -H "x-p3-signature: $SIG" | jq -c '[.balances[] | {asset, available}]'
echo "done"
