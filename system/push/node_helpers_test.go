package push

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/toplab/toplab/system/clock"
	"github.com/toplab/toplab/system/coord"
	"github.com/toplab/toplab/system/meta"
	"github.com/toplab/toplab/system/metacache"
	"github.com/toplab/toplab/system/push/socket"
	"github.com/toplab/toplab/system/tmc"
)

// testCluster is push nodes in this process sharing a SQLite metadata
// store and coordination file, as the embedded default's processes do.
type testCluster struct {
	t     testing.TB
	dir   string
	clock clock.Clock
	store meta.Store
	cache *metacache.Cache
	co    coord.Coord
	ids   []string
}

func newTestCluster(t testing.TB, c clock.Clock, ids ...string) *testCluster {
	dir := t.TempDir()
	co, err := coord.OpenSQLite(filepath.Join(dir, "coord.db"), coord.SQLiteOptions{Clock: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { co.Close() })
	st, cache := newMetaWith(t, c, co, tenant()...)
	return &testCluster{t: t, dir: dir, clock: c, store: st, cache: cache, co: co, ids: ids}
}

// start runs node id with its internal API on a free port.
func (tc *testCluster) start(id string, mod func(*Config)) *Node {
	t := tc.t
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{NodeID: id, Nodes: tc.ids, InternalURL: "http://" + l.Addr().String(), DataDir: filepath.Join(tc.dir, id),
		Cache: tc.cache, Coord: tc.co, Clock: tc.clock, Socket: socket.Config{Addr: "127.0.0.1:0"}}
	if mod != nil {
		mod(&cfg)
	}
	n, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: n.Handler()}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.Close(ctx)
		srv.Close()
	})
	return n
}

// wsClient is a raw TMC client for protocol tests.
type wsClient struct {
	t     testing.TB
	ws    *websocket.Conn
	token string
}

func dialWS(t testing.TB, n *Node) *wsClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+n.WSAddr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &wsClient{t: t, ws: ws}
}

func (c *wsClient) send(f *tmc.Frame) {
	c.t.Helper()
	b, err := tmc.AppendFrame(nil, f)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.ws.WriteMessage(websocket.BinaryMessage, b); err != nil {
		c.t.Fatal(err)
	}
}

// read returns the next frame, or nil and the error when the connection ends.
func (c *wsClient) read() (*tmc.Frame, error) {
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		return nil, err
	}
	return tmc.DecodeFrame(b, tmc.Limits{})
}

func (c *wsClient) mustRead() *tmc.Frame {
	c.t.Helper()
	f, err := c.read()
	if err != nil {
		c.t.Fatal(err)
	}
	return f
}

func (c *wsClient) connect(app, secret, group string, now time.Time) *tmc.ConnectAck {
	c.t.Helper()
	req := tmc.Connect{AppKey: app, Group: group, Timestamp: now.UnixMilli(), SDK: "test"}
	req.SignWith(secret)
	c.send(req.ToFrame())
	f := c.mustRead()
	ack := new(tmc.ConnectAck)
	if err := ack.ReadFrame(f); err != nil {
		c.t.Fatalf("connect ack: %v", err)
	}
	c.token = ack.Token
	return ack
}

func (c *wsClient) readMessage() *tmc.Message {
	c.t.Helper()
	f := c.mustRead()
	m, err := tmc.MessageFromFrame(f)
	if err != nil {
		c.t.Fatalf("expected a data frame: %v (%+v)", err, f)
	}
	return m
}

func (c *wsClient) confirm(id int64) {
	c.send((&tmc.Confirm{Token: c.token, ID: id}).ToFrame())
}

func (c *wsClient) pull() {
	c.send((&tmc.Pull{Token: c.token}).ToFrame())
}

func secretOf(app string) string { return "secret-" + app }

func msgFor(topic, nick string, dataID int64, c clock.Clock) Message {
	return Message{Topic: topic, Nick: nick, Publisher: "p", DataID: dataID, PubTimeMs: c.Now().UnixMilli(),
		Content: []byte(`{"tid":7,"payment":"9.90","buyer_nick":"b"}`)}
}
