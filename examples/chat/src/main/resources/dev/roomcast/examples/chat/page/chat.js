// The chat page: one RoomcastClient, rooms with presence, a typing indicator and a reconnect banner.
import { RoomcastClient } from '/roomcast-client.js';

const $ = (id) => document.getElementById(id);
const TYPING_SHOWN_MS = 3000;
const TYPING_SENT_EVERY_MS = 1500;

/** room -> { members: Map(connectionId -> subject), messages: [{from, text}], typing: Map(subject -> timer) } */
const rooms = new Map();
let active = null;
let client = null;
let lastTypingSent = 0;

function roomState(room) {
  if (!rooms.has(room)) rooms.set(room, { members: new Map(), messages: [], typing: new Map() });
  return rooms.get(room);
}

function wsUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws`;
}

async function devToken(name) {
  const response = await fetch('/dev/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name }),
  });
  if (response.status === 404) throw new Error('this server has no /dev/token (it runs with a real secret): paste a token');
  if (!response.ok) throw new Error(`/dev/token answered ${response.status}`);
  return (await response.json()).token;
}

function start(tokenSupplier, label) {
  $('login').hidden = true;
  $('chat').hidden = false;
  $('me').textContent = label;
  client = new RoomcastClient({ url: wsUrl(), token: tokenSupplier, reconnect: { minDelayMs: 250, maxDelayMs: 5000 } });
  client.onStateChange(showState);
  client.on('joined', (e) => {
    const state = roomState(e.room);
    state.members = new Map((e.payload?.members || []).map((m) => [m.connectionId, m.subject]));
    render();
  });
  client.on('presence', (e) => {
    const state = roomState(e.room);
    const m = e.payload.member;
    if (e.payload.event === 'join') state.members.set(m.connectionId, m.subject);
    else state.members.delete(m.connectionId);
    render();
  });
  client.on('message', (e) => {
    roomState(e.room).messages.push({ from: e.from, text: String(e.payload?.text ?? '') });
    const typing = roomState(e.room).typing;
    clearTimeout(typing.get(e.from));
    typing.delete(e.from);
    render();
  });
  client.on('typing', (e) => {
    const subject = e.payload?.subject;
    if (!subject || subject === $('me').textContent) return;
    const typing = roomState(e.room).typing;
    clearTimeout(typing.get(subject));
    typing.set(subject, setTimeout(() => { typing.delete(subject); render(); }, TYPING_SHOWN_MS));
    render();
  });
  client.on('error', (e) => { $('room-error').textContent = `${e.payload?.code}: ${e.payload?.message}`; });
  client.connect().catch((e) => { $('room-error').textContent = e.message; });
  joinRoom($('room-input').value.trim() || 'lobby');
}

function joinRoom(room) {
  $('room-error').textContent = '';
  roomState(room);
  active = room;
  render();
  client.join(room).catch((e) => {
    rooms.delete(room);
    if (active === room) active = [...rooms.keys()][0] || null;
    $('room-error').textContent = `could not join ${room}: ${e.code || e.message}`;
    render();
  });
}

function showState(state, detail) {
  $('status').textContent = state;
  const banner = $('banner');
  banner.className = '';
  if (state === 'reconnecting') {
    banner.textContent = `Connection lost (${detail.code}). Reconnecting in ${(detail.delayMs / 1000).toFixed(1)} s (attempt ${detail.attempt})…`;
    banner.className = 'shown';
  } else if (state === 'closed' && detail.code !== 1000) {
    banner.textContent = `Disconnected: ${detail.reason || detail.code}. Reload the page to sign in again.`;
    banner.className = 'shown closed';
  } else {
    banner.textContent = '';
  }
}

function render() {
  const list = $('rooms');
  list.replaceChildren(...[...rooms.keys()].map((room) => {
    const li = document.createElement('li');
    li.dataset.testid = `room-${room}`;
    li.className = room === active ? 'active' : '';
    li.onclick = () => { active = room; render(); };
    const name = document.createElement('span');
    name.textContent = room;
    const leave = document.createElement('button');
    leave.textContent = 'Leave';
    leave.dataset.testid = `leave-${room}`;
    leave.onclick = (ev) => {
      ev.stopPropagation();
      client.leave(room).catch(() => {});
      rooms.delete(room);
      if (active === room) active = [...rooms.keys()][0] || null;
      render();
    };
    li.append(name, leave);
    return li;
  }));
  const state = active ? roomState(active) : null;
  $('room-title').textContent = active ? `#${active}` : 'Messages';
  $('messages').replaceChildren(...(state ? state.messages : []).map((m) => {
    const li = document.createElement('li');
    const from = document.createElement('span');
    from.className = 'from';
    from.textContent = m.from;
    li.append(from, document.createTextNode(m.text));
    return li;
  }));
  const subjects = state ? [...new Set(state.members.values())].sort() : [];
  $('presence').replaceChildren(...subjects.map((s) => {
    const li = document.createElement('li');
    li.textContent = s;
    li.dataset.testid = `member-${s}`;
    return li;
  }));
  const typists = state ? [...state.typing.keys()] : [];
  $('typing').textContent = typists.length ? `${typists.join(', ')} ${typists.length > 1 ? 'are' : 'is'} typing…` : '';
}

$('login-form').onsubmit = (ev) => {
  ev.preventDefault();
  const name = $('name').value.trim();
  $('login-error').textContent = '';
  // Check once up front, so a server without /dev/token says so here instead of in a reconnect loop.
  devToken(name).then(() => start(() => devToken(name), name), (e) => { $('login-error').textContent = e.message; });
};
$('token-form').onsubmit = (ev) => {
  ev.preventDefault();
  const token = $('token').value.trim();
  if (token) start(() => token, 'token user');
};
$('join-form').onsubmit = (ev) => {
  ev.preventDefault();
  const room = $('room-input').value.trim();
  if (room) joinRoom(room);
};
$('send-form').onsubmit = (ev) => {
  ev.preventDefault();
  const text = $('message-input').value;
  if (!text || !active) return;
  client.publish(active, { text }).catch((e) => { $('room-error').textContent = e.message; });
  $('message-input').value = '';
};
$('message-input').oninput = () => {
  const now = Date.now();
  if (active && client && client.state === 'open' && now - lastTypingSent > TYPING_SENT_EVERY_MS) {
    lastTypingSent = now;
    client.send('typing', active, { room: active }).catch(() => {});
  }
};
