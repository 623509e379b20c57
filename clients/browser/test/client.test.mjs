// The browser client against a real Roomcast server (the chat example, development mode), with Node's ws.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { RoomcastClient, RoomcastError } from '../roomcast-client.js';
import { clientFor, control, CONTROL_URL, devToken, nextEvent, nextState, WS_URL } from './support.mjs';

const clients = [];
function tracked(client) {
  clients.push(client);
  return client;
}
after(() => clients.forEach((c) => c.close()));

test('join resolves with the members and a publish reaches the other member with from set by the server', async () => {
  const alice = tracked(clientFor('alice'));
  const bob = tracked(clientFor('bob'));
  await alice.connect();
  await bob.connect();
  await alice.join('t-publish');
  const joined = await bob.join('t-publish');
  assert.equal(joined.memberCount, 2);
  assert.deepEqual(joined.members.map((m) => m.subject).sort(), ['alice', 'bob']);

  const received = nextEvent(alice, 'message', (e) => e.room === 't-publish');
  await bob.publish('t-publish', { text: 'hello' });
  const message = await received;
  assert.equal(message.from, 'bob');
  assert.deepEqual(message.payload, { text: 'hello' });
});

test('presence events report another member joining and leaving', async () => {
  const alice = tracked(clientFor('alice'));
  const carol = tracked(clientFor('carol'));
  await alice.connect();
  await alice.join('t-presence');
  await carol.connect();
  const joinSeen = nextEvent(alice, 'presence', (e) => e.room === 't-presence' && e.payload.event === 'join');
  await carol.join('t-presence');
  assert.equal((await joinSeen).payload.member.subject, 'carol');

  const leaveSeen = nextEvent(alice, 'presence', (e) => e.room === 't-presence' && e.payload.event === 'leave');
  await carol.leave('t-presence');
  assert.equal((await leaveSeen).payload.member.subject, 'carol');
  assert.deepEqual(carol.rooms, []);
});

test('an application event sent with send() reaches the other members (the chat\'s typing)', async () => {
  const alice = tracked(clientFor('alice'));
  const bob = tracked(clientFor('bob'));
  await alice.connect();
  await bob.connect();
  await alice.join('t-typing');
  await bob.join('t-typing');
  const typing = nextEvent(alice, 'typing', (e) => e.payload?.subject === 'bob');
  await bob.send('typing', 't-typing', { room: 't-typing' });
  assert.equal((await typing).room, 't-typing');
});

test('a forbidden room rejects the join with ROOM_FORBIDDEN and is not re-joined', async () => {
  const alice = tracked(clientFor('alice'));
  await alice.connect();
  await assert.rejects(alice.join('vip'), (e) => e instanceof RoomcastError && e.code === 'ROOM_FORBIDDEN');
  assert.deepEqual(alice.rooms, []);
  assert.equal(alice.state, 'open');
});

test('a join payload carries the room password, and the room is joined with it', async () => {
  const alice = tracked(clientFor('alice'));
  await alice.connect();
  const joined = await alice.join('vip', { password: process.env.ROOMCAST_VIP_PASSWORD });
  assert.deepEqual(joined.members.map((m) => m.subject), ['alice']);
  assert.deepEqual(alice.rooms, ['vip']);
});

test('an invalid token is terminal: closed without a retry, connect() rejects, the supplier is asked once', async () => {
  let asked = 0;
  const client = tracked(new RoomcastClient({
    url: WS_URL, WebSocket, token: () => { asked += 1; return 'not-a-token'; }, reconnect: { minDelayMs: 50, maxDelayMs: 100 },
  }));
  const states = [];
  client.onStateChange((s, d) => states.push([s, d]));
  await assert.rejects(client.connect(), (e) => e.code === 'CLOSED');
  assert.equal(client.state, 'closed');
  const [, detail] = states.at(-1);
  assert.equal(detail.terminal, true);
  assert.match(detail.reason, /401/);
  await new Promise((r) => setTimeout(r, 300)); // longer than the backoff: no retry may happen
  assert.equal(asked, 1);
  assert.ok(!states.some(([s]) => s === 'reconnecting'));
});

test('a token supplier returning an empty string connects without access_token (anonymous); the chat refuses that with 401', async () => {
  // The chat server requires a token, so the anonymous attempt ends like a missing token: terminal 401.
  // A server with allowUnauthenticated(true) admits the same request as an anonymous identity.
  const urls = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url, protocols) {
      urls.push(url);
      super(url, protocols);
    }
  }
  const client = tracked(new RoomcastClient({ url: WS_URL, WebSocket: RecordingWebSocket, token: () => '' }));
  const states = [];
  client.onStateChange((s, d) => states.push([s, d]));
  await assert.rejects(client.connect(), (e) => e.code === 'CLOSED');
  assert.equal(urls.length, 1);
  assert.equal(new URL(urls[0]).searchParams.has('access_token'), false, urls[0]);
  const [, detail] = states.at(-1);
  assert.equal(detail.terminal, true);
  assert.match(detail.reason, /401/);
});

test('messages published before the socket opens wait in the buffer and are sent after the room is joined', async () => {
  const alice = tracked(clientFor('alice'));
  await alice.connect();
  await alice.join('t-buffer');
  const bob = tracked(clientFor('bob', { buffer: { maxMessages: 2, overflow: 'reject-new' } }));
  const joined = bob.join('t-buffer');
  const first = bob.publish('t-buffer', { n: 1 });
  const second = bob.publish('t-buffer', { n: 2 });
  await assert.rejects(bob.publish('t-buffer', { n: 3 }), (e) => e.code === 'BUFFER_FULL');
  const got = [];
  const both = new Promise((resolve) => alice.on('message', (e) => {
    if (e.room === 't-buffer') { got.push(e.payload.n); if (got.length === 2) resolve(); }
  }));
  await bob.connect();
  await Promise.all([joined, first, second, both]);
  assert.deepEqual(got, [1, 2]);
});

test('with overflow drop-oldest a full buffer rejects the oldest waiting message instead of the new one', async () => {
  const client = tracked(clientFor('dave', { buffer: { maxMessages: 1, overflow: 'drop-oldest' } }));
  const oldest = client.publish('t-drop', { n: 1 });
  const newest = client.publish('t-drop', { n: 2 });
  await assert.rejects(oldest, (e) => e.code === 'BUFFER_FULL');
  client.close();
  await assert.rejects(newest, (e) => e.code === 'CLOSED');
});

test('backoff is full jitter under a ceiling that grows by the multiplier up to the maximum', () => {
  const ceilingOf = (attempt) => new RoomcastClient({
    url: WS_URL, WebSocket, token: () => 't', random: () => 0.999999, reconnect: { minDelayMs: 100, maxDelayMs: 1000, multiplier: 3 },
  }).backoffDelay(attempt);
  assert.deepEqual([1, 2, 3, 4, 10].map(ceilingOf), [99, 299, 899, 999, 999]);
  const zero = new RoomcastClient({ url: WS_URL, WebSocket, token: () => 't', random: () => 0 });
  assert.equal(zero.backoffDelay(5), 0);
  assert.throws(() => new RoomcastClient({ url: WS_URL, WebSocket, token: () => 't', reconnect: { minDelayMs: 10, maxDelayMs: 5 } }), RangeError);
});

test('close() ends the client: state closed, pending joins reject, nothing reconnects', async () => {
  const client = tracked(clientFor('erin'));
  const join = client.join('t-close'); // not connected: pending until open
  client.close();
  await assert.rejects(join, (e) => e.code === 'CLOSED');
  assert.equal(client.state, 'closed');
  await assert.rejects(client.connect(), (e) => e.code === 'CLOSED');
});

test('after a dropped connection the client re-joins a history room with since and receives what it missed, in order', async () => {
  // The chat keeps a history for room t-history (BrowserClientNodeIT sets ROOMCAST_HISTORY_ROOMS).
  const sockets = [];
  class TrackedWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }
  }
  // A fixed 1 s backoff: bob's messages are handled before alice is back.
  const alice = tracked(clientFor('alice', { WebSocket: TrackedWebSocket, random: () => 0.999, reconnect: { minDelayMs: 1000 } }));
  const bob = tracked(clientFor('bob'));
  await alice.connect();
  await bob.connect();
  const first = await alice.join('t-history');
  assert.ok(Number.isInteger(first.offset), 'a history room states its position');
  assert.equal(first.recovered, undefined, 'a first join recovers nothing');
  await bob.join('t-history');
  const one = nextEvent(alice, 'message', (e) => e.payload?.text === 'one');
  await bob.publish('t-history', { text: 'one' });
  assert.equal((await one).offset, first.offset + 1);
  assert.deepEqual(alice.position('t-history'), { offset: first.offset + 1, epoch: first.epoch });

  const lost = nextState(alice, 'reconnecting');
  sockets.at(-1).terminate(); // the network drops: no close frame, the client sees 1006
  await lost;
  const bobSawThree = nextEvent(bob, 'message', (e) => e.payload?.text === 'three');
  await bob.publish('t-history', { text: 'two' });
  await bob.publish('t-history', { text: 'three' });
  await bobSawThree;

  const received = [];
  const off = alice.on('message', (e) => { if (e.room === 't-history') received.push(`${e.payload.text}@${e.offset}`); });
  const rejoined = await nextEvent(alice, 'joined', (e) => e.room === 't-history');
  assert.equal(rejoined.payload.recovered, true, 'the re-join passed since and the server recovered');
  const four = nextEvent(alice, 'message', (e) => e.payload?.text === 'four');
  await bob.publish('t-history', { text: 'four' });
  await four;
  off();
  assert.deepEqual(received, [`two@${first.offset + 2}`, `three@${first.offset + 3}`, `four@${first.offset + 4}`]);
  assert.deepEqual(alice.position('t-history'), { offset: first.offset + 4, epoch: first.epoch });
});

test('after a server restart the client reconnects after the shutdown hint, asks for a new token and re-joins its rooms',
  { skip: CONTROL_URL ? false : 'needs ROOMCAST_CONTROL_URL (BrowserClientNodeIT)' }, async () => {
    let tokens = 0;
    const alice = tracked(clientFor('alice', { token: () => { tokens += 1; return devToken('alice'); } }));
    await alice.connect();
    await alice.join('t-restart');
    assert.equal(tokens, 1);

    const shutdown = nextEvent(alice, 'shutdown');
    const reconnecting = nextState(alice, 'reconnecting');
    await control('stop');
    const hint = (await shutdown).payload.reconnectAfterMs;
    const detail = await reconnecting;
    assert.equal(detail.code, 1001);
    assert.ok(Number.isInteger(hint) && hint >= 0, `reconnectAfterMs ${hint}`);
    assert.ok(detail.delayMs <= hint, `waits at most the hint: ${detail.delayMs} <= ${hint}`);

    const rejoined = nextEvent(alice, 'joined', (e) => e.room === 't-restart', 40_000);
    await control('start');
    await rejoined;
    assert.equal(alice.state, 'open');
    assert.ok(tokens >= 2, `the token supplier is called on every reconnect (${tokens})`);
    assert.deepEqual(alice.rooms, ['t-restart']);

    const bob = tracked(clientFor('bob'));
    await bob.connect();
    await bob.join('t-restart');
    const message = nextEvent(alice, 'message', (e) => e.room === 't-restart');
    await bob.publish('t-restart', { text: 'after restart' });
    assert.equal((await message).from, 'bob');
  });
