#!/usr/bin/env bash
# Starts a local redis-server and two chat nodes sharing it, on 127.0.0.1 only:
#   Redis on REDIS_PORT (default 6380, never 6379 so a system Redis is left alone),
#   node "one" on 8081 and node "two" on 8082, with one token secret so a token works on both.
# Prints a token for alice and bob; Ctrl-C stops all three. Needs redis-server and a JDK >= 21.
set -euo pipefail
cd "$(dirname "$0")/../.."

REDIS_PORT="${REDIS_PORT:-6380}"
if [[ "$REDIS_PORT" == 6379 ]]; then
  echo "REDIS_PORT: expected a port other than 6379 (left to a system Redis)" >&2
  exit 2
fi
JAR=examples/chat/target/roomcast-example-chat.jar
if [[ ! -f "$JAR" ]]; then
  ./mvnw -B -ntp -q -pl examples/chat -am package -DskipTests -DskipDocs=true
fi
WORK="$(mktemp -d)"
export ROOMCAST_TOKEN_SECRET="${ROOMCAST_TOKEN_SECRET:-$(head -c 48 /dev/urandom | base64 | tr -d '\n=+/')}"
export ROOMCAST_REDIS_URL="redis://127.0.0.1:${REDIS_PORT}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" --loglevel warning &
pids+=($!)
for _ in $(seq 1 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done

ROOMCAST_NODE_ID=one ROOMCAST_PORT=8081 java -jar "$JAR" > "$WORK/one.log" 2>&1 &
pids+=($!)
ROOMCAST_NODE_ID=two ROOMCAST_PORT=8082 java -jar "$JAR" > "$WORK/two.log" 2>&1 &
pids+=($!)
for log in one two; do
  for _ in $(seq 1 600); do # up to 60 s: a busy machine starts a JVM slowly
    grep -q "listening on" "$WORK/$log.log" 2>/dev/null && break
    sleep 0.1
  done
  grep "Cluster node\|listening on" "$WORK/$log.log" || { cat "$WORK/$log.log"; exit 1; }
done

# Tokens for alice and bob, signed with the shared secret (valid 1 h), minted by the example's own TokenMinter.
cat > "$WORK/Mint.java" <<'JAVA'
import dev.roomcast.auth.TokenMinter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
class Mint {
    public static void main(String[] args) {
        TokenMinter minter = new TokenMinter(System.getenv("ROOMCAST_TOKEN_SECRET").getBytes(StandardCharsets.UTF_8));
        for (String who : args) {
            System.out.println(who + ": " + minter.mint(who, Optional.of(who), Set.of(), Duration.ofHours(1)));
        }
    }
}
JAVA
echo
java -cp "$JAR" "$WORK/Mint.java" alice bob
echo
echo "Connect: npx wscat -c 'ws://127.0.0.1:8081/ws?room=lobby' -H 'Authorization: Bearer <alice token>'"
echo "    and: npx wscat -c 'ws://127.0.0.1:8082/ws?room=lobby' -H 'Authorization: Bearer <bob token>'"
echo "then send {\"type\":\"publish\",\"room\":\"lobby\",\"payload\":{\"text\":\"hi\"}} on either;"
echo "a publish on either reaches both. Ctrl-C stops Redis and both nodes."
wait
