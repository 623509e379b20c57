// Command load is the independent load client of bench/run.sh independent, written in Go on
// gorilla/websocket so that neither side of a comparison is measured by the project's own Java
// client. Scenarios: fanout (N subscribers, one publisher, M messages, window or fixed rate; with
// -sub-url every other subscriber is on a second node of a cluster),
// idle (K held connections, server RSS from /proc) and churn (connect, join, publish, receive,
// close). Prints one JSON line per run. Loopback targets only; every phase has a deadline.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

var (
	target      = flag.String("url", "ws://127.0.0.1:8080/ws", "server WebSocket URL (loopback only)")
	subTarget   = flag.String("sub-url", "", "fanout: a second server's URL; every other subscriber connects there (the publisher stays on -url)")
	scenario    = flag.String("scenario", "fanout", "fanout | idle | churn")
	label       = flag.String("label", "", "name of the server, copied to the output")
	pid         = flag.Int("pid", 0, "server process id, for CPU and RSS from /proc")
	secret      = flag.String("secret", os.Getenv("BENCH_TOKEN_SECRET"), "HS256 secret for tokens (empty: no Authorization header)")
	subprotocol = flag.String("subprotocol", "roomcast.batch.v1", "subprotocol to ask for")
	n           = flag.Int("n", 1000, "fanout: subscribers; idle: connections; churn: cycles")
	m           = flag.Int("m", 500, "fanout: measured messages")
	warmup      = flag.Int("warmup", 0, "fanout: warm-up messages; churn: warm-up cycles")
	size        = flag.Int("size", 64, "fanout: payload bytes")
	window      = flag.Int("window", 64, "fanout: most messages outstanding to the slowest subscriber")
	rate        = flag.Float64("rate", 0, "fanout: fixed publish rate in msg/s (0: window-paced)")
	workers     = flag.Int("workers", 32, "churn: concurrent workers")
	dial        = flag.Int("dial-concurrency", 64, "connections dialing at once")
	sources     = flag.Int("source-addresses", 8, "bind connections round-robin to 127.0.0.1..N")
	hold        = flag.Duration("hold", 3*time.Second, "idle: settle time before the second RSS sample")
	timeout     = flag.Duration("timeout", 120*time.Second, "hard limit of the run")
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
	os.Exit(1)
}

func mint(subject string) string {
	if *secret == "" {
		return ""
	}
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]any{"sub": subject, "iat": now, "exp": now + 3600, "roles": []string{}})
	body := header + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(*secret))
	mac.Write([]byte(body))
	return body + "." + enc.EncodeToString(mac.Sum(nil))
}

var dialCount atomic.Int64

func connect(room, subject string) (*websocket.Conn, error) {
	return connectTo(*target, room, subject)
}

// subscriberURL is where subscriber i connects: alternately -url and -sub-url when that is set.
func subscriberURL(i int) string {
	if *subTarget != "" && i%2 == 1 {
		return *subTarget
	}
	return *target
}

func connectTo(base, room, subject string) (*websocket.Conn, error) {
	i := dialCount.Add(1)
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+int(i)%*sources))}
	d := websocket.Dialer{
		NetDial: func(network, addr string) (net.Conn, error) {
			return (&net.Dialer{LocalAddr: local, Timeout: 5 * time.Second}).Dial(network, addr)
		},
		HandshakeTimeout: 10 * time.Second,
		Subprotocols:     []string{*subprotocol},
		ReadBufferSize:   16 << 10,
	}
	u := base
	if room != "" {
		u += "?room=" + url.QueryEscape(room)
	}
	h := http.Header{}
	if t := mint(subject); t != "" {
		h.Set("Authorization", "Bearer "+t)
	}
	c, resp, err := d.Dial(u, h)
	if err != nil && resp != nil {
		err = fmt.Errorf("%v (HTTP %d)", err, resp.StatusCode)
	}
	return c, err
}

type envelope struct {
	Type    string `json:"type"`
	Payload struct {
		Seq int   `json:"seq"`
		T   int64 `json:"t"`
	} `json:"payload"`
}

var (
	typeMessage = []byte(`"type":"message"`)
	seqKey      = []byte(`"seq":`)
	tKey        = []byte(`"t":`)
)

// numberAfter reads the non-negative integer that follows key in line (the bench's own payloads
// carry seq and t as plain integers).
func numberAfter(line, key []byte) (int64, bool) {
	i := bytes.Index(line, key)
	if i < 0 {
		return 0, false
	}
	i += len(key)
	var n int64
	digits := 0
	for ; i < len(line) && line[i] >= '0' && line[i] <= '9'; i++ {
		n = n*10 + int64(line[i]-'0')
		digits++
	}
	return n, digits > 0
}

// awaitJoined reads until the joined event (presence and other events before it are skipped).
func awaitJoined(c *websocket.Conn, deadline time.Time) error {
	c.SetReadDeadline(deadline)
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			var e envelope
			if json.Unmarshal(line, &e) == nil && e.Type == "joined" {
				return nil
			}
		}
	}
}

// cpu is a process's CPU time in seconds; jit is the part its JIT compiler threads used (a JVM's
// "C1/C2 CompilerThread"s; zero for a Go server), so a reader can see how much of a measured window
// the server spent compiling rather than serving.
type cpu struct{ user, sys, jit float64 }

func serverCPU() cpu {
	if *pid == 0 {
		return cpu{}
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", *pid))
	if err != nil {
		return cpu{}
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return cpu{u / 100, s / 100, compilerCPU()} // USER_HZ is 100 on Linux
}

// compilerCPU sums the CPU seconds of the server's threads named like HotSpot's compiler threads.
func compilerCPU() float64 {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", *pid))
	if err != nil {
		return 0
	}
	total := 0.0
	for _, t := range tasks {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/comm", *pid, t.Name()))
		if err != nil || !bytes.Contains(comm, []byte("CompilerThre")) {
			continue
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", *pid, t.Name()))
		if err != nil {
			continue
		}
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
		u, _ := strconv.ParseFloat(f[11], 64)
		s, _ := strconv.ParseFloat(f[12], 64)
		total += (u + s) / 100
	}
	return total
}

func clientCPU() cpu {
	var r syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return cpu{float64(r.Utime.Nano()) / 1e9, float64(r.Stime.Nano()) / 1e9, 0}
}

func serverRSS() int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb * 1024
		}
	}
	return -1
}

func cpuFields(out map[string]any, s0, s1, c0, c1 cpu) {
	out["serverCpuUser"] = s1.user - s0.user
	out["serverCpuSys"] = s1.sys - s0.sys
	out["serverJitCpu"] = s1.jit - s0.jit
	out["clientCpuUser"] = c1.user - c0.user
	out["clientCpuSys"] = c1.sys - c0.sys
}

// dialAll opens count connections with bounded concurrency, each ready at its joined event.
func dialAll(count int, room string, prefix string, deadline time.Time) []*websocket.Conn {
	conns := make([]*websocket.Conn, count)
	sem := make(chan struct{}, *dial)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := connectTo(subscriberURL(i), room, fmt.Sprintf("%s%d", prefix, i))
			if err == nil && room != "" {
				err = awaitJoined(c, deadline)
			}
			if err != nil {
				firstErr.CompareAndSwap(nil, err.Error())
				return
			}
			conns[i] = c
		}(i)
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		fail("dial: %v", e)
	}
	return conns
}

func fanout(out map[string]any) {
	deadline := time.Now().Add(*timeout)
	room := "bench"
	t0 := time.Now()
	subs := dialAll(*n, room, "sub", deadline)
	out["connectSeconds"] = time.Since(t0).Seconds()
	pub, err := connect(room, "publisher")
	if err != nil {
		fail("publisher: %v", err)
	}
	if err := awaitJoined(pub, deadline); err != nil {
		fail("publisher join: %v", err)
	}
	var pubClose atomic.Value
	go func() { // the publisher receives its own messages too; drain them, note a close
		pub.SetReadDeadline(deadline)
		for {
			if _, _, err := pub.ReadMessage(); err != nil {
				pubClose.Store(err.Error())
				return
			}
		}
	}()
	total := *warmup + *m
	delivered := make([]atomic.Int64, len(subs)) // highest count of measured-or-warm-up messages seen
	var frames, envelopes, dupes atomic.Int64
	var lastDelivery atomic.Int64
	latencies := make([][]int64, len(subs))
	var wg sync.WaitGroup
	for i, c := range subs {
		wg.Add(1)
		go func(i int, c *websocket.Conn) {
			defer wg.Done()
			seen := make([]bool, total)
			got := 0
			c.SetReadDeadline(deadline)
			for got < total {
				_, data, err := c.ReadMessage()
				if err != nil {
					return
				}
				perFrame := 0
				for _, line := range bytes.Split(data, []byte{'\n'}) {
					// A byte scan, not encoding/json: a full decode of every envelope made this
					// client the bottleneck (the gorilla hub measured 134k deliveries/s with it).
					if bytes.Index(line, typeMessage) < 0 {
						continue
					}
					seqValue, okSeq := numberAfter(line, seqKey)
					sentAt, okT := numberAfter(line, tKey)
					if !okSeq || !okT {
						continue
					}
					perFrame++
					s := int(seqValue)
					if s < 0 || s >= total {
						continue
					}
					if seen[s] {
						dupes.Add(1)
						continue
					}
					seen[s] = true
					got++
					delivered[i].Store(int64(got))
					if s >= *warmup {
						if *rate > 0 {
							latencies[i] = append(latencies[i], time.Now().UnixNano()-sentAt)
						}
						lastDelivery.Store(time.Now().UnixNano())
					}
				}
				if perFrame > 0 {
					frames.Add(1)
					envelopes.Add(int64(perFrame))
				}
			}
		}(i, c)
	}
	pad := strings.Repeat("x", max(0, *size-40))
	slowest := func() int64 {
		low := int64(total)
		for i := range delivered {
			if v := delivered[i].Load(); v < low {
				low = v
			}
		}
		return low
	}
	var start time.Time
	var s0, c0 cpu
	var frames0, env0 int64
	interval := time.Duration(0)
	if *rate > 0 {
		interval = time.Duration(float64(time.Second) / *rate)
	}
	for seq := 0; seq < total && time.Now().Before(deadline); seq++ {
		if seq == *warmup {
			for slowest() < int64(*warmup) && time.Now().Before(deadline) && pubClose.Load() == nil {
				time.Sleep(time.Millisecond)
			}
			start, s0, c0 = time.Now(), serverCPU(), clientCPU()
			frames0, env0 = frames.Load(), envelopes.Load()
		}
		if interval > 0 && seq >= *warmup {
			if wait := time.Until(start.Add(time.Duration(seq-*warmup) * interval)); wait > 0 {
				time.Sleep(wait)
			}
		} else {
			for int64(seq)-slowest() >= int64(*window) && time.Now().Before(deadline) && pubClose.Load() == nil {
				time.Sleep(50 * time.Microsecond)
			}
		}
		if pubClose.Load() != nil {
			break
		}
		msg := fmt.Sprintf(`{"type":"publish","room":"%s","payload":{"seq":%d,"t":%d,"p":"%s"}}`, room, seq, time.Now().UnixNano(), pad)
		pub.SetWriteDeadline(deadline)
		if pub.WriteMessage(websocket.TextMessage, []byte(msg)) != nil {
			break
		}
	}
	// wait for the subscribers, at most 10 s after the last delivery moved
	for {
		done := slowest() >= int64(total)
		idle := time.Since(time.Unix(0, lastDelivery.Load())) > 10*time.Second
		if done || idle || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s1, c1 := serverCPU(), clientCPU()
	var measured int64
	for i := range delivered {
		measured += max(0, delivered[i].Load()-int64(*warmup))
	}
	elapsed := time.Duration(0)
	if !start.IsZero() && lastDelivery.Load() > start.UnixNano() {
		elapsed = time.Duration(lastDelivery.Load() - start.UnixNano())
	}
	out["deliveries"] = measured
	out["expected"] = int64(*m) * int64(len(subs))
	out["lost"] = int64(*m)*int64(len(subs)) - measured
	out["duplicated"] = dupes.Load()
	out["seconds"] = elapsed.Seconds()
	if elapsed > 0 {
		out["deliveriesPerSecond"] = float64(measured) / elapsed.Seconds()
	}
	if f := frames.Load() - frames0; f > 0 {
		out["messagesPerFrame"] = float64(envelopes.Load()-env0) / float64(f)
	}
	if e := pubClose.Load(); e != nil {
		out["publisherClosed"] = e
	}
	cpuFields(out, s0, s1, c0, c1)
	if measured > 0 {
		out["serverCpuMicrosPerDelivery"] = (s1.user + s1.sys - s0.user - s0.sys) * 1e6 / float64(measured)
	}
	if *rate > 0 {
		var all []int64
		for _, l := range latencies {
			all = append(all, l...)
		}
		sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
		if len(all) > 0 {
			q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
			out["p50Millis"], out["p99Millis"], out["maxMillis"] = q(0.5), q(0.99), q(1)
		}
	}
	pub.Close()
	for _, c := range subs {
		c.Close()
	}
	wg.Wait()
}

func idle(out map[string]any) {
	deadline := time.Now().Add(*timeout)
	if *warmup > 0 { // a batch that comes and goes first, so class loading and JIT are not counted
		for _, c := range dialAll(*warmup, "", "warm", deadline) {
			c.Close()
		}
		time.Sleep(time.Second)
	}
	before := serverRSS()
	s0, c0 := serverCPU(), clientCPU()
	conns := dialAll(*n, "", "idle", deadline)
	time.Sleep(*hold)
	after := serverRSS()
	s1, c1 := serverCPU(), clientCPU()
	out["connections"] = len(conns)
	out["rssBefore"], out["rssAfter"] = before, after
	out["rssBytesPerConnection"] = float64(after-before) / float64(len(conns))
	cpuFields(out, s0, s1, c0, c1)
	for _, c := range conns {
		c.Close()
	}
}

func churn(out map[string]any) {
	deadline := time.Now().Add(*timeout)
	var errs atomic.Int64
	var lastErr atomic.Value
	cycle := func(w, i int) {
		room := fmt.Sprintf("churn-%d", w)
		c, err := connect(room, fmt.Sprintf("churn-%d-%d", w, i))
		if err == nil {
			err = awaitJoined(c, time.Now().Add(5*time.Second))
		}
		if err == nil {
			err = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"publish","room":"`+room+`","payload":{"seq":1}}`))
		}
		for err == nil {
			var data []byte
			if _, data, err = c.ReadMessage(); err == nil && bytes.Contains(data, []byte(`"type":"message"`)) {
				break
			}
		}
		if c != nil {
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			c.SetReadDeadline(time.Now().Add(time.Second))
			for err == nil {
				_, _, err = c.ReadMessage()
				if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
					err = nil
					break
				}
			}
			c.Close()
		}
		if err != nil {
			errs.Add(1)
			lastErr.Store(err.Error())
		}
	}
	run := func(cycles int) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := int(next.Add(1)); i <= cycles && time.Now().Before(deadline); i = int(next.Add(1)) {
					cycle(w, i)
				}
			}(w)
		}
		wg.Wait()
	}
	run(*warmup)
	errs.Store(0)
	s0, c0 := serverCPU(), clientCPU()
	t0 := time.Now()
	run(*n)
	elapsed := time.Since(t0)
	s1, c1 := serverCPU(), clientCPU()
	out["cycles"] = *n
	out["errors"] = errs.Load()
	if e := lastErr.Load(); e != nil {
		out["lastError"] = e
	}
	out["seconds"] = elapsed.Seconds()
	out["cyclesPerSecond"] = float64(*n) / elapsed.Seconds()
	cpuFields(out, s0, s1, c0, c1)
	out["serverCpuMicrosPerCycle"] = (s1.user + s1.sys - s0.user - s0.sys) * 1e6 / float64(*n)
}

func max[T int | int64](a, b T) T {
	if a > b {
		return a
	}
	return b
}

func main() {
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		fail("bad url: %v", err)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		fail("refusing non-loopback target %q", u.Hostname())
	}
	if *subTarget != "" {
		su, err := url.Parse(*subTarget)
		if err != nil {
			fail("bad sub-url: %v", err)
		}
		if ip := net.ParseIP(su.Hostname()); ip == nil || !ip.IsLoopback() {
			fail("refusing non-loopback sub-url %q", su.Hostname())
		}
	}
	if *n <= 0 || *n > 19000 || *m < 0 || *m > 1_000_000 || *sources < 1 || *sources > 200 {
		fail("counts out of bounds (n 1..19000, m 0..1e6, source-addresses 1..200)")
	}
	out := map[string]any{"scenario": *scenario, "server": *label, "n": *n, "subprotocol": *subprotocol}
	switch *scenario {
	case "fanout":
		out["m"], out["size"], out["window"], out["rate"], out["warmup"] = *m, *size, *window, *rate, *warmup
		out["nodes"] = 1
		if *subTarget != "" {
			out["nodes"] = 2
		}
		fanout(out)
	case "idle":
		idle(out)
	case "churn":
		out["workers"], out["warmup"] = *workers, *warmup
		churn(out)
	default:
		fail("unknown scenario %q", *scenario)
	}
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}
