// Command hub is the independent peer server of bench/run.sh independent: a chat hub on
// gorilla/websocket built the way gorilla's chat example is (one hub goroutine owning the rooms,
// fed by register, unregister and broadcast channels; a reader and a writer goroutine per
// connection, the writer joining everything queued into one frame with newlines). It speaks the
// part of Roomcast's protocol the scenarios use: /ws?room=R, Authorization: Bearer (HS256, checked
// when HUB_TOKEN_SECRET is set), subprotocols roomcast.v1 and roomcast.batch.v1, publish -> message,
// join -> joined, ping -> pong. Written for the benchmark; not a product.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

const sendQueue = 256

type client struct {
	hub     *hub
	conn    *websocket.Conn
	send    chan []byte
	subject string
	batch   bool
}

type membership struct {
	c      *client
	room   string
	silent bool // the connection's private reply room: no joined event
}

type broadcast struct {
	room string
	data []byte
}

// hub owns every room; only its run goroutine touches the maps, as in gorilla's chat example.
type hub struct {
	rooms      map[string]map[*client]bool
	joinedBy   map[*client][]string
	register   chan membership
	unregister chan *client
	broadcast  chan broadcast
}

func newHub() *hub {
	return &hub{
		rooms:      map[string]map[*client]bool{},
		joinedBy:   map[*client][]string{},
		register:   make(chan membership, 1024),
		unregister: make(chan *client, 1024),
		broadcast:  make(chan broadcast, 1024),
	}
}

func (h *hub) run() {
	for {
		select {
		case m := <-h.register:
			members := h.rooms[m.room]
			if members == nil {
				members = map[*client]bool{}
				h.rooms[m.room] = members
			}
			if !members[m.c] {
				members[m.c] = true
				h.joinedBy[m.c] = append(h.joinedBy[m.c], m.room)
			}
			if !m.silent {
				reply, _ := json.Marshal(map[string]any{"type": "joined", "room": m.room, "memberCount": len(members)})
				h.deliver(m.c, reply)
			}
		case c := <-h.unregister:
			for _, r := range h.joinedBy[c] {
				delete(h.rooms[r], c)
				if len(h.rooms[r]) == 0 {
					delete(h.rooms, r)
				}
			}
			delete(h.joinedBy, c)
			close(c.send)
		case b := <-h.broadcast:
			for c := range h.rooms[b.room] {
				h.deliver(c, b.data)
			}
		}
	}
}

// deliver queues data for c; a client whose queue is full is dropped, as gorilla's hub does.
func (h *hub) deliver(c *client, data []byte) {
	if _, live := h.joinedBy[c]; !live {
		return
	}
	select {
	case c.send <- data:
	default:
		for _, r := range h.joinedBy[c] {
			delete(h.rooms[r], c)
		}
		delete(h.joinedBy, c)
		close(c.send)
	}
}

type inbound struct {
	Type    string          `json:"type"`
	Room    string          `json:"room"`
	Payload json.RawMessage `json:"payload"`
}

func (c *client) readLoop() {
	defer func() {
		c.hub.unregister <- c
		c.conn.Close()
	}()
	c.conn.SetReadLimit(1 << 20)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			if len(line) == 0 {
				continue
			}
			var in inbound
			if json.Unmarshal(line, &in) != nil {
				c.reply(map[string]any{"type": "error", "code": "bad_json"})
				continue
			}
			switch in.Type {
			case "publish":
				if len(in.Payload) == 0 {
					in.Payload = json.RawMessage("null")
				}
				out, _ := json.Marshal(struct {
					Type    string          `json:"type"`
					Room    string          `json:"room"`
					From    string          `json:"from"`
					Payload json.RawMessage `json:"payload"`
				}{"message", in.Room, c.subject, in.Payload})
				c.hub.broadcast <- broadcast{in.Room, out}
			case "join":
				c.hub.register <- membership{c, in.Room, false}
			case "ping":
				c.reply(map[string]any{"type": "pong"})
			default:
				c.reply(map[string]any{"type": "error", "code": "unknown_type"})
			}
		}
	}
}

// reply goes through the hub so that only the hub goroutine ever sends on c.send.
func (c *client) reply(v any) {
	data, _ := json.Marshal(v)
	c.hub.broadcast <- broadcast{room: "\x00direct:" + fmt.Sprintf("%p", c), data: data}
}

func (c *client) writeLoop() {
	ticker := time.NewTicker(20 * time.Second)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case msg, ok := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if !ok {
				c.conn.WriteMessage(websocket.CloseMessage, []byte{})
				return
			}
			if !c.batch {
				if c.conn.WriteMessage(websocket.TextMessage, msg) != nil {
					return
				}
				continue
			}
			w, err := c.conn.NextWriter(websocket.TextMessage)
			if err != nil {
				return
			}
			w.Write(msg)
			for n := len(c.send); n > 0; n-- {
				next, ok := <-c.send
				if !ok {
					break
				}
				w.Write([]byte{'\n'})
				w.Write(next)
			}
			if w.Close() != nil {
				return
			}
		case <-ticker.C:
			c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if c.conn.WriteMessage(websocket.PingMessage, nil) != nil {
				return
			}
		}
	}
}

// subjectOf checks an HS256 compact JWS and its exp, returning sub; secret nil means no auth.
func subjectOf(header string, secret []byte, anon *atomic.Int64) (string, bool) {
	if secret == nil {
		return fmt.Sprintf("anon-%d", anon.Add(1)), true
	}
	if !strings.HasPrefix(header, "Bearer ") {
		return "", false
	}
	token := strings.TrimPrefix(header, "Bearer ")
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return "", false
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var claims struct {
		Sub string  `json:"sub"`
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(body, &claims) != nil || claims.Sub == "" || float64(time.Now().Unix()) >= claims.Exp {
		return "", false
	}
	return claims.Sub, true
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address (loopback only)")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		log.Fatalf("refusing non-loopback address %q", *addr)
	}
	var secret []byte
	if s := os.Getenv("HUB_TOKEN_SECRET"); s != "" {
		secret = []byte(s)
	}
	h := newHub()
	go h.run()
	var anon atomic.Int64
	upgrader := websocket.Upgrader{
		Subprotocols: []string{"roomcast.batch.v1", "roomcast.v1"},
		CheckOrigin:  func(*http.Request) bool { return true },
	}
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		subject, ok := subjectOf(r.Header.Get("Authorization"), secret, &anon)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &client{hub: h, conn: conn, send: make(chan []byte, sendQueue), subject: subject,
			batch: conn.Subprotocol() == "roomcast.batch.v1"}
		// A connection is registered under a private room name so that replies reach it alone.
		h.register <- membership{c, "\x00direct:" + fmt.Sprintf("%p", c), true}
		go c.writeLoop()
		if room := r.URL.Query().Get("room"); room != "" {
			h.register <- membership{c, room, false}
		}
		go c.readLoop()
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("LISTEN", ln.Addr().String())
	log.Fatal(http.Serve(ln, nil))
}
