// The Jakarta example's page: one RoomcastClient (served at /roomcast-client.js) with a token from the
// application's /token servlet on every (re)connect, one room, messages, presence and a reconnect banner.
import { RoomcastClient } from '/roomcast-client.js';

const $ = (id) => document.getElementById(id);
let client = null;
let room = null;
let name = null;

function line(text, cls) {
  const p = document.createElement('p');
  p.textContent = text;
  if (cls) p.className = cls;
  $('log').appendChild(p);
  $('log').scrollTop = $('log').scrollHeight;
}

function wsUrl() {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** A development token for `who`; called before every connect, so a restarted server's new secret is no problem. */
async function token(who) {
  const answer = await fetch(`/token?name=${encodeURIComponent(who)}`);
  const body = await answer.json();
  if (!answer.ok) throw new Error(`token refused: ${body.error?.message || answer.status}`);
  return body.token;
}

function setSending(enabled) {
  $('text').disabled = $('send').disabled = !enabled;
}

function showState(state, detail) {
  $('status').textContent = state;
  const banner = $('banner');
  banner.className = '';
  banner.textContent = '';
  if (state === 'reconnecting') {
    setSending(false);
    $('where').textContent = `rejoining ${room} as ${name}`;
    banner.textContent = `Connection lost (${detail.code}). Reconnecting in ${(detail.delayMs / 1000).toFixed(1)} s (attempt ${detail.attempt})…`;
    banner.className = 'shown';
  } else if (state === 'closed') {
    setSending(false);
    $('where').textContent = 'not in a room';
    if (detail.code !== 1000) {
      banner.textContent = `Disconnected: ${detail.reason || detail.code}. Join again to retry.`;
      banner.className = 'shown closed';
    }
  }
}

function start(who, where) {
  if (client) client.close();
  name = who;
  room = where;
  $('log').replaceChildren();
  client = new RoomcastClient({ url: wsUrl(), token: () => token(who), reconnect: { minDelayMs: 250, maxDelayMs: 5000 } });
  client.onStateChange(showState);
  client.on('joined', (e) => {
    $('where').textContent = `in ${e.room} as ${name}`;
    setSending(true);
  });
  client.on('message', (e) => line(`${e.from || '?'}: ${e.payload?.text}`));
  client.on('presence', (e) => line(`${e.payload?.member?.subject} ${e.payload?.event === 'join' ? 'joined' : 'left'}`, 'sys'));
  client.on('error', (e) => line(`error ${e.payload?.code}: ${e.payload?.message}`, 'sys'));
  client.on('shutdown', () => line('server is shutting down', 'sys'));
  client.connect().catch((e) => line(e.message, 'sys'));
  client.join(room).catch((e) => line(`could not join ${room}: ${e.code || e.message}`, 'sys'));
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const who = $('name').value.trim();
  // Check the name once up front, so a refused one is reported here instead of in a reconnect loop.
  token(who).then(() => start(who, $('room').value.trim()), (err) => { $('status').textContent = err.message; });
});

$('chat').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!client || !text) return;
  client.publish(room, { text }).catch((err) => line(err.message, 'sys'));
  $('text').value = '';
});
