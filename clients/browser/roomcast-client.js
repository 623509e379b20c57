// @roomcast/client: the Roomcast WebSocket client for browsers, one ES module with no dependencies.
// In Node, pass the `ws` package's WebSocket as `options.WebSocket`. Protocol: docs "Wire protocol".

/**
 * @typedef {'idle'|'connecting'|'open'|'reconnecting'|'closed'} ConnectionState
 * `idle` before connect(); `connecting` for the first attempt; `open` while a socket is open;
 * `reconnecting` while waiting for (or making) another attempt; `closed` after close() or a terminal failure.
 */

/**
 * @typedef {object} StateDetail
 * @property {number} [code] the close code that caused the change (1006 when the socket failed without one)
 * @property {string} [reason] the close reason, or why the attempt failed
 * @property {number} [delayMs] when `reconnecting`: how long until the next attempt
 * @property {number} [attempt] when `reconnecting`: how many attempts failed in a row (1 = the first)
 * @property {boolean} [terminal] when `closed`: true if the server's answer means "do not come back as before"
 */

/**
 * @typedef {object} ReconnectOptions
 * @property {number} [minDelayMs=500] the backoff's first ceiling
 * @property {number} [maxDelayMs=30000] the largest ceiling
 * @property {number} [multiplier=2] how much the ceiling grows per failed attempt
 */

/**
 * @typedef {object} BufferOptions
 * @property {number} [maxMessages=100] how many publish/send calls may wait while disconnected
 * @property {'reject-new'|'drop-oldest'} [overflow='reject-new'] when full: refuse the new message
 *   (its promise rejects with code BUFFER_FULL), or drop the oldest waiting one (that one rejects)
 */

/**
 * @typedef {object} ClientOptions
 * @property {string} url the WebSocket endpoint, e.g. `ws://127.0.0.1:8080/ws`
 * @property {() => (string|Promise<string>)} token called before every connect and reconnect; its
 *   value is sent as `?access_token=` (the server must have `queryTokenEnabled`)
 * @property {typeof WebSocket} [WebSocket] the WebSocket class; default `globalThis.WebSocket`
 * @property {ReconnectOptions} [reconnect]
 * @property {BufferOptions} [buffer]
 * @property {number} [requestTimeoutMs=10000] how long join/leave wait for the server's reply while connected
 * @property {() => number} [random=Math.random] the jitter source (tests pass a fixed one)
 */

/** An error the server reported (an `error` event) or the client raised; `code` is the protocol's error code. */
export class RoomcastError extends Error {
  /**
   * @param {string} code e.g. `ROOM_FORBIDDEN`, `BUFFER_FULL`, `TIMEOUT`, `CLOSED`
   * @param {string} message
   */
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'RoomcastError';
    /** @type {string} */
    this.code = code;
  }
}

/** Whether `value` is a plain object, so `since` can be added to a join payload without changing its meaning. */
function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Close codes after which reconnecting as before would end the same way (protocol page, "Reconnect or stop"). */
export const TERMINAL_CLOSE_CODES = Object.freeze([1000, 1002, 1003, 1007, 1008, 1009]);

/** Upgrade statuses (seen only where the WebSocket reports them, e.g. Node's `ws`) that are terminal. */
const TERMINAL_STATUSES = new Set([400, 401, 403, 404]);

/** Room errors after which the room is given up instead of re-joined. */
const ROOM_TERMINAL_CODES = new Set(['ROOM_FORBIDDEN', 'INVALID_ROOM']);

/**
 * One logical connection to a Roomcast server that survives reconnects: rooms joined through it are
 * re-joined on every new socket, `publish`/`send` made while disconnected wait in a bounded buffer, and
 * handlers registered with `on` keep receiving events across sockets.
 */
export class RoomcastClient {
  /** @param {ClientOptions} options */
  constructor(options) {
    if (!options || typeof options.url !== 'string') throw new TypeError('options.url: expected a ws:// or wss:// URL');
    if (typeof options.token !== 'function') throw new TypeError('options.token: expected a function returning the token');
    this._url = options.url;
    this._token = options.token;
    this._WebSocket = options.WebSocket || globalThis.WebSocket;
    if (typeof this._WebSocket !== 'function') throw new TypeError('no WebSocket: pass options.WebSocket (in Node: the ws package)');
    const r = options.reconnect || {};
    this._minDelayMs = positive(r.minDelayMs ?? 500, 'reconnect.minDelayMs');
    this._maxDelayMs = positive(r.maxDelayMs ?? 30_000, 'reconnect.maxDelayMs');
    this._multiplier = positive(r.multiplier ?? 2, 'reconnect.multiplier');
    if (this._maxDelayMs < this._minDelayMs) throw new RangeError('reconnect.maxDelayMs must be >= minDelayMs');
    const b = options.buffer || {};
    this._maxBuffered = positive(b.maxMessages ?? 100, 'buffer.maxMessages');
    this._overflow = b.overflow ?? 'reject-new';
    if (this._overflow !== 'reject-new' && this._overflow !== 'drop-oldest') {
      throw new RangeError("buffer.overflow: expected 'reject-new' or 'drop-oldest'");
    }
    this._requestTimeoutMs = positive(options.requestTimeoutMs ?? 10_000, 'requestTimeoutMs');
    this._random = options.random || Math.random;

    /** @type {ConnectionState} */
    this._state = 'idle';
    this._socket = null;
    this._nextId = 1;
    this._attempt = 0;
    this._retryTimer = null;
    this._reconnectHintAt = null; // epoch ms from the last `shutdown` event
    /** Rooms the caller wants, in join order, with their join payload; re-joined on every socket. @type {Map<string, any>} */
    this._rooms = new Map();
    /**
     * History rooms: the last `{offset, epoch}` received per room, sent as `since` when the room is
     * re-joined, so the server sends what was missed. @type {Map<string, {offset: number, epoch: string}>}
     */
    this._positions = new Map();
    /** id -> {resolve, reject, room, kind, timer} @type {Map<string, any>} */
    this._pending = new Map();
    /** Messages waiting for a socket: {frame, resolve, reject}. */
    this._buffer = [];
    /** event type -> Set of handlers @type {Map<string, Set<Function>>} */
    this._handlers = new Map();
    this._stateHandlers = new Set();
    this._openWaiters = [];
  }

  /** @returns {ConnectionState} */
  get state() {
    return this._state;
  }

  /** The rooms this client joins on every (re)connect. */
  get rooms() {
    return [...this._rooms.keys()];
  }

  /**
   * The `{offset, epoch}` of the last message received in `room` (or of its `joined` reply), when the
   * room keeps a history on the server; the next re-join passes it as `since`. Undefined otherwise.
   * @param {string} room
   * @returns {{offset: number, epoch: string} | undefined}
   */
  position(room) {
    const p = this._positions.get(room);
    return p && { ...p };
  }

  /**
   * Registers `handler(event)` for server events of `type`: `message`, `presence`, `shutdown`, `error`
   * (errors not answering a join/leave), `joined`, `left`, `pong`, or an application event such as
   * `typing`. `event` is the whole envelope `{type, room, from, id, payload}`. Returns a function that
   * unregisters it.
   * @param {string} type
   * @param {(event: {type: string, room?: string, from?: string, id?: string, payload?: any}) => void} handler
   * @returns {() => void}
   */
  on(type, handler) {
    if (typeof handler !== 'function') throw new TypeError('handler: expected a function');
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(handler);
    return () => this._handlers.get(type)?.delete(handler);
  }

  /**
   * Registers `handler(state, detail)` for every change of {@link ConnectionState}. Returns a function that unregisters it.
   * @param {(state: ConnectionState, detail: StateDetail) => void} handler
   * @returns {() => void}
   */
  onStateChange(handler) {
    if (typeof handler !== 'function') throw new TypeError('handler: expected a function');
    this._stateHandlers.add(handler);
    return () => this._stateHandlers.delete(handler);
  }

  /**
   * Starts connecting (and reconnecting, until close() or a terminal failure). Resolves when the first
   * socket is open; rejects if the client ends as `closed` first.
   * @returns {Promise<void>}
   */
  connect() {
    if (this._state === 'closed') return Promise.reject(new RoomcastError('CLOSED', 'client is closed'));
    const opened = this._waitOpen();
    if (this._state === 'idle') {
      this._setState('connecting', {});
      this._attemptConnect();
    }
    return opened;
  }

  /**
   * Closes for good: the socket with 1000, pending requests and buffered messages reject with code CLOSED.
   */
  close() {
    if (this._state === 'closed') return;
    clearTimeout(this._retryTimer);
    const socket = this._socket;
    this._socket = null;
    if (socket) {
      detach(socket);
      try { socket.close(1000, 'client closed'); } catch { /* already closing */ }
    }
    this._finish({ code: 1000, reason: 'client closed', terminal: false });
  }

  /**
   * Joins `room` now and after every reconnect. Resolves with the `joined` payload
   * (`{memberCount, members}`; in a room with a history also `offset`, `epoch`, and on a re-join
   * `recovered`: every `joined` event reaches `on('joined')`, so a re-join that says `recovered: false`
   * tells the application that messages were lost and the room's state should be reloaded); rejects with the server's error (e.g. ROOM_FORBIDDEN: the room is then
   * not re-joined). While disconnected, it resolves once a socket is open and the room is joined.
   * `payload` goes with every join of this room, e.g. `{password}` for a password-protected room.
   * @param {string} room
   * @param {any} [payload]
   * @returns {Promise<{memberCount: number, members: {subject: string, connectionId: string}[]}>}
   */
  join(room, payload) {
    if (this._state === 'closed') return Promise.reject(new RoomcastError('CLOSED', 'client is closed'));
    this._rooms.set(room, payload);
    return this._request('join', room);
  }

  /**
   * Leaves `room` and stops re-joining it. Resolves when the server confirms (`left`), or at once when disconnected.
   * @param {string} room
   * @returns {Promise<void>}
   */
  leave(room) {
    if (this._state === 'closed') return Promise.reject(new RoomcastError('CLOSED', 'client is closed'));
    this._rooms.delete(room);
    this._positions.delete(room);
    for (const [id, p] of this._pending) {
      if (p.kind === 'join' && p.room === room) this._settle(id, new RoomcastError('LEFT', `left ${room} before it was joined`));
    }
    if (!this._isOpen()) return Promise.resolve();
    return this._request('leave', room).then(() => undefined);
  }

  /**
   * Publishes `payload` to `room`. Resolves when the message was written to an open socket (the server
   * sends no acknowledgement; an `error` carrying its id reaches the `error` handlers). While disconnected
   * it waits in the buffer (see BufferOptions).
   * @param {string} room
   * @param {any} payload
   * @returns {Promise<void>}
   */
  publish(room, payload) {
    return this.send('publish', room, payload);
  }

  /**
   * Sends any client event, e.g. an application event `typing`. Buffered like publish.
   * @param {string} type
   * @param {string} [room]
   * @param {any} [payload]
   * @returns {Promise<void>}
   */
  send(type, room, payload) {
    if (this._state === 'closed') return Promise.reject(new RoomcastError('CLOSED', 'client is closed'));
    const envelope = { type, id: this._newId() };
    if (room !== undefined) envelope.room = room;
    if (payload !== undefined) envelope.payload = payload;
    const frame = JSON.stringify(envelope);
    if (this._isOpen()) {
      this._socket.send(frame);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      if (this._buffer.length >= this._maxBuffered) {
        if (this._overflow === 'reject-new') {
          reject(new RoomcastError('BUFFER_FULL', `${this._maxBuffered} messages already wait for a connection`));
          return;
        }
        this._buffer.shift().reject(new RoomcastError('BUFFER_FULL', 'dropped: the buffer was full and a newer message came'));
      }
      this._buffer.push({ frame, resolve, reject });
    });
  }

  // ---------------------------------------------------------------- internals

  _newId() {
    return String(this._nextId++);
  }

  _isOpen() {
    return this._state === 'open' && this._socket !== null && this._socket.readyState === 1;
  }

  _waitOpen() {
    if (this._isOpen()) return Promise.resolve();
    return new Promise((resolve, reject) => this._openWaiters.push({ resolve, reject }));
  }

  _setState(state, detail) {
    this._state = state;
    for (const handler of [...this._stateHandlers]) {
      try { handler(state, detail); } catch (e) { reportHandlerError(e); }
    }
  }

  _emit(type, event) {
    const handlers = this._handlers.get(type);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try { handler(event); } catch (e) { reportHandlerError(e); }
    }
  }

  /** A join/leave with an id, answered by joined/left or an error with the same id. */
  _request(kind, room) {
    return new Promise((resolve, reject) => {
      const id = this._newId();
      this._pending.set(id, { kind, room, resolve, reject, timer: null });
      if (this._isOpen()) this._sendRequest(id);
      // otherwise _onOpen sends it, after the socket is up
    });
  }

  _sendRequest(id) {
    const p = this._pending.get(id);
    clearTimeout(p.timer);
    p.timer = setTimeout(() => this._settle(id, new RoomcastError('TIMEOUT', `no reply to ${p.kind} ${p.room} in ${this._requestTimeoutMs} ms`)),
      this._requestTimeoutMs);
    const envelope = { type: p.kind, room: p.room, id };
    if (p.kind === 'join') {
      const payload = this._rooms.get(p.room);
      const since = this._positions.get(p.room);
      if (since && (payload === undefined || isPlainObject(payload))) envelope.payload = { ...payload, since: { ...since } };
      else if (payload !== undefined) envelope.payload = payload;
    }
    this._socket.send(JSON.stringify(envelope));
  }

  _settle(id, error, value) {
    const p = this._pending.get(id);
    if (!p) return false;
    this._pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error); else p.resolve(value);
    return true;
  }

  async _attemptConnect() {
    let token;
    try {
      token = await this._token();
    } catch (e) {
      this._scheduleRetry({ code: 1006, reason: `token supplier failed: ${e && e.message ? e.message : e}` });
      return;
    }
    if (this._state === 'closed') return;
    const url = new URL(this._url);
    if (token) url.searchParams.set('access_token', token);
    let socket;
    try {
      socket = new this._WebSocket(url.toString(), 'roomcast.v1');
    } catch (e) {
      this._finish({ code: 1006, reason: `bad URL: ${e.message}`, terminal: true });
      return;
    }
    this._socket = socket;
    let upgradeStatus = null;
    socket.onopen = () => this._onOpen(socket);
    socket.onmessage = (event) => this._onFrame(event.data);
    socket.onerror = (event) => {
      // Browsers hide why an upgrade failed; Node's ws says "Unexpected server response: 401".
      const match = /Unexpected server response: (\d{3})/.exec(String(event && (event.message || event.error?.message) || ''));
      if (match) upgradeStatus = Number(match[1]);
    };
    socket.onclose = (event) => {
      if (this._socket !== socket) return;
      this._socket = null;
      this._onClose(event.code || 1006, event.reason || '', upgradeStatus);
    };
  }

  _onOpen(socket) {
    if (this._socket !== socket) return;
    this._attempt = 0;
    this._reconnectHintAt = null;
    this._setState('open', {});
    for (const w of this._openWaiters.splice(0)) w.resolve();
    // Re-join every wanted room: answer a pending join() where there is one, else a fresh internal join.
    const waiting = new Set();
    for (const [id, p] of this._pending) {
      if (p.kind === 'join') waiting.add(p.room);
      this._sendRequest(id);
    }
    for (const room of this._rooms.keys()) {
      if (!waiting.has(room)) this._request('join', room).catch((e) => this._emit('error', errorEvent(room, e)));
    }
    for (const item of this._buffer.splice(0)) {
      socket.send(item.frame);
      item.resolve();
    }
  }

  _onFrame(data) {
    const text = typeof data === 'string' ? data : String(data);
    for (const line of text.split('\n')) { // roomcast.batch.v1 would put several envelopes in one frame
      if (!line.trim()) continue;
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        continue; // the server only sends JSON; nothing useful to do with anything else
      }
      this._dispatch(event);
    }
  }

  _dispatch(event) {
    const id = event.id;
    if (typeof event.room === 'string' && Number.isInteger(event.offset) && typeof event.epoch === 'string') {
      const last = this._positions.get(event.room);
      if (last && last.epoch === event.epoch && event.offset <= last.offset) return; // seen already
      this._positions.set(event.room, { offset: event.offset, epoch: event.epoch });
    }
    if (event.type === 'joined' && typeof event.room === 'string') {
      const p = event.payload;
      // Recovered: the missed messages follow and move the position; otherwise live ones start after it.
      if (p && Number.isInteger(p.offset) && typeof p.epoch === 'string' && p.recovered !== true) {
        this._positions.set(event.room, { offset: p.offset, epoch: p.epoch });
      }
    }
    if (event.type === 'joined' || event.type === 'left') {
      if (id !== undefined && this._pending.has(id)) this._settle(id, null, event.payload);
    } else if (event.type === 'error' && id !== undefined && this._pending.has(id)) {
      const p = this._pending.get(id);
      const code = event.payload?.code || 'ERROR';
      if (p.kind === 'join' && ROOM_TERMINAL_CODES.has(code)) this._rooms.delete(p.room);
      this._settle(id, new RoomcastError(code, event.payload?.message || ''));
      return;
    } else if (event.type === 'shutdown') {
      const after = event.payload?.reconnectAfterMs;
      this._reconnectHintAt = Number.isInteger(after) && after >= 0 ? Date.now() + after : null;
    }
    this._emit(event.type, event);
  }

  _onClose(code, reason, upgradeStatus) {
    if (this._state === 'closed') return;
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer); // joins are re-sent on the next socket
      if (p.kind === 'leave') this._settle(id, null, undefined); // the lost socket took the membership with it
    }
    if (TERMINAL_CLOSE_CODES.includes(code) || (upgradeStatus !== null && TERMINAL_STATUSES.has(upgradeStatus))) {
      this._finish({ code, reason: upgradeStatus !== null ? `upgrade refused with HTTP ${upgradeStatus}` : reason, terminal: true });
      return;
    }
    this._scheduleRetry({ code, reason });
  }

  _scheduleRetry({ code, reason }) {
    if (this._state === 'closed') return;
    this._attempt += 1;
    let delayMs;
    if (this._reconnectHintAt !== null && (code === 1001 || code === 1013)) {
      delayMs = Math.max(0, this._reconnectHintAt - Date.now()); // the server spread the fleet's reconnects
      this._reconnectHintAt = null;
    } else {
      delayMs = this.backoffDelay(this._attempt);
    }
    this._setState('reconnecting', { code, reason, delayMs, attempt: this._attempt });
    this._retryTimer = setTimeout(() => this._attemptConnect(), delayMs);
  }

  /**
   * The delay before attempt number `attempt` (1 = the first retry): full jitter, a uniform random
   * value in [0, min(maxDelayMs, minDelayMs * multiplier^(attempt-1))).
   * @param {number} attempt
   * @returns {number}
   */
  backoffDelay(attempt) {
    const ceiling = Math.min(this._maxDelayMs, this._minDelayMs * Math.pow(this._multiplier, Math.max(0, attempt - 1)));
    return Math.floor(this._random() * ceiling);
  }

  _finish(detail) {
    clearTimeout(this._retryTimer);
    const error = new RoomcastError('CLOSED', detail.reason || 'client closed');
    for (const id of [...this._pending.keys()]) this._settle(id, error);
    for (const item of this._buffer.splice(0)) item.reject(error);
    for (const w of this._openWaiters.splice(0)) w.reject(error);
    this._setState('closed', detail);
  }
}

function positive(value, name) {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name}: expected a positive number but was ${value}`);
  return value;
}

function detach(socket) {
  socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
}

function errorEvent(room, e) {
  return { type: 'error', room, payload: { code: e.code || 'ERROR', message: e.message } };
}

function reportHandlerError(e) {
  // A failing handler must not break the connection or the other handlers.
  console.error('roomcast-client: a handler threw', e);
}
