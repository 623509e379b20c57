// The dashboard page: one RoomcastClient (served at /roomcast-client.js) that joins the rooms feed and
// alerts, re-joins them after every reconnect, and shows the latest values, the tick rate and the alerts.
//
// Every tick and snapshot carries the latest value of every series and a seq, so the page shows the
// newest one it has: a tick the server dropped for this page (room feed is DROP) is superseded by the
// next. seq restarts with the server, so it is compared within one connection only.
import { RoomcastClient } from '/roomcast-client.js';

const $ = (id) => document.getElementById(id);
const ROOMS = ['feed', 'alerts'];
const MAX_ALERTS = 20;
const rows = new Map();
const firstSeen = new Map();
const recent = [];
let ticks = 0;
let snapshots = 0;
let connections = 0;
let lastSeq = -1;

function wsUrl() {
  const params = new URLSearchParams(location.search);
  return params.get('ws') || `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

function show(payload) {
  if (payload.seq <= lastSeq) return; // older than what is shown (a tick overtaken by the snapshot)
  lastSeq = payload.seq;
  $('seq').textContent = payload.seq;
  for (const [name, value] of Object.entries(payload.values)) {
    let row = rows.get(name);
    if (!row) {
      row = document.createElement('tr');
      row.dataset.series = name;
      row.dataset.testid = `series-${name}`;
      for (const cls of ['name', 'value', 'change']) {
        const td = document.createElement('td');
        td.className = cls;
        row.appendChild(td);
      }
      row.cells[0].textContent = name;
      $('series').appendChild(row);
      rows.set(name, row);
    }
    if (!firstSeen.has(name)) firstSeen.set(name, value);
    const change = (value - firstSeen.get(name)) / firstSeen.get(name) * 100;
    row.cells[1].textContent = value;
    row.cells[2].textContent = `${change >= 0 ? '+' : ''}${change.toFixed(2)} %`;
    row.cells[2].className = `change ${change >= 0 ? 'up' : 'down'}`;
  }
}

function alertLine(a) {
  const li = document.createElement('li');
  li.textContent = `${new Date(a.at).toLocaleTimeString()} ${a.series} moved ${a.changePercent >= 0 ? '+' : ''}${a.changePercent} % to ${a.value}`;
  $('alerts').prepend(li);
  while ($('alerts').children.length > MAX_ALERTS) $('alerts').lastChild.remove();
}

function markRoom(room, joined) {
  $(`room-${room}`).className = joined ? 'joined' : '';
}

function showState(state, detail) {
  $('status').textContent = state;
  const banner = $('banner');
  banner.className = '';
  if (state === 'open') {
    connections += 1;
    lastSeq = -1; // a new connection may be a restarted server, whose seq starts again at 0
    $('connections').textContent = connections;
    banner.textContent = '';
  } else if (state === 'reconnecting') {
    ROOMS.forEach((room) => markRoom(room, false));
    banner.textContent = `Connection lost (${detail.code}). Reconnecting in ${(detail.delayMs / 1000).toFixed(1)} s (attempt ${detail.attempt})…`;
    banner.className = 'shown';
  } else if (state === 'closed' && detail.code !== 1000) {
    ROOMS.forEach((room) => markRoom(room, false));
    banner.textContent = `Disconnected: ${detail.reason || detail.code}. Reload the page to try again.`;
    banner.className = 'shown closed';
  } else {
    banner.textContent = '';
  }
}

// Viewers are anonymous: the dashboard allows connections without a token, so the supplier gives none.
const client = new RoomcastClient({ url: wsUrl(), token: () => '', reconnect: { minDelayMs: 250, maxDelayMs: 5000 } });
client.onStateChange(showState);
client.on('joined', (e) => markRoom(e.room, true));
client.on('tick', (e) => {
  ticks += 1;
  recent.push(performance.now());
  show(e.payload);
  $('ticks').textContent = ticks;
});
client.on('snapshot', (e) => {
  snapshots += 1;
  show(e.payload);
  $('snapshots').textContent = snapshots;
});
client.on('alert', (e) => alertLine(e.payload));
client.on('error', (e) => { $('error').textContent = `${e.payload?.code}: ${e.payload?.message}`; });
// For the browser test and the curious: the page's client, e.g. to see that a publish is refused.
window.roomcast = client;

client.connect().catch((e) => { $('error').textContent = e.message; });
for (const room of ROOMS) {
  client.join(room).catch((e) => { $('error').textContent = `could not join ${room}: ${e.code || e.message}`; });
}

setInterval(() => {
  const now = performance.now();
  while (recent.length && now - recent[0] > 1000) recent.shift();
  $('rate').textContent = recent.length;
}, 250);
