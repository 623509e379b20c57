// Test support: the server under test and its controls come from the Java IT (BrowserClientNodeIT in
// examples/chat) through the environment; tokens come from the chat's development endpoint.
import WebSocket from 'ws';
import { RoomcastClient } from '../roomcast-client.js';

/** The chat server's http:// base URL. */
export const BASE_URL = process.env.ROOMCAST_BASE_URL;
/** The IT's control server (POST /stop, /start), or undefined when run without the IT. */
export const CONTROL_URL = process.env.ROOMCAST_CONTROL_URL;

if (!BASE_URL) {
  throw new Error('ROOMCAST_BASE_URL is not set: run these tests through BrowserClientNodeIT, or point it at a chat in development mode');
}

export const WS_URL = BASE_URL.replace(/^http/, 'ws') + '/ws';

/** A development token for `name` from POST /dev/token. */
export async function devToken(name) {
  const response = await fetch(`${BASE_URL}/dev/token`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`/dev/token answered ${response.status}`);
  return (await response.json()).token;
}

/** Asks the IT to stop or start the server; resolves when it has. */
export async function control(action) {
  const response = await fetch(`${CONTROL_URL}/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`control ${action} answered ${response.status}`);
}

/** A client for `name` with Node's ws and fast reconnects; `options` override the defaults. */
export function clientFor(name, options = {}) {
  return new RoomcastClient({
    url: WS_URL, token: () => devToken(name), WebSocket, reconnect: { minDelayMs: 100, maxDelayMs: 1000 }, ...options,
  });
}

/** Resolves with the first event of `type` on `client` that satisfies `predicate`, or rejects after `ms`. */
export function nextEvent(client, type, predicate = () => true, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${type} event within ${ms} ms`)); }, ms);
    const off = client.on(type, (event) => {
      if (predicate(event)) { clearTimeout(timer); off(); resolve(event); }
    });
  });
}

/** Resolves when `client` reaches `state` (with its detail), or rejects after `ms`. */
export function nextState(client, state, ms = 15_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`state ${state} not reached within ${ms} ms (now ${client.state})`)); }, ms);
    const off = client.onStateChange((s, detail) => {
      if (s === state) { clearTimeout(timer); off(); resolve(detail); }
    });
  });
}
