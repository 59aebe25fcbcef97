package tmcclient

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

// recordConn records each Write as one system call would see it.
type recordConn struct {
	net.Conn
	writes [][]byte
	err    error
}

func (r *recordConn) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	r.writes = append(r.writes, bytes.Clone(p))
	return len(p), nil
}

func TestCorkJoinsWritesIntoOne(t *testing.T) {
	big := bytes.Repeat([]byte("x"), maxCorked)
	tests := []struct {
		name  string
		run   func(c *corkConn) error
		wants []string // the writes that reached the connection
	}{
		{"uncorked writes pass straight", func(c *corkConn) error {
			c.Write([]byte("a"))
			_, err := c.Write([]byte("b"))
			return err
		}, []string{"a", "b"}},
		{"a corked burst is one write", func(c *corkConn) error {
			c.cork()
			c.Write([]byte("a"))
			c.Write([]byte("b"))
			c.Write([]byte("c"))
			return c.uncork()
		}, []string{"abc"}},
		{"an empty burst writes nothing", func(c *corkConn) error {
			c.cork()
			return c.uncork()
		}, nil},
		{"a full buffer is written at once", func(c *corkConn) error {
			c.cork()
			c.Write([]byte("a"))
			c.Write(big)
			c.Write([]byte("b"))
			return c.uncork()
		}, []string{"a" + string(big), "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordConn{}
			if err := tt.run(&corkConn{Conn: rec}); err != nil {
				t.Fatal(err)
			}
			if len(rec.writes) != len(tt.wants) {
				t.Fatalf("%d writes, want %d", len(rec.writes), len(tt.wants))
			}
			for i, w := range tt.wants {
				if string(rec.writes[i]) != w {
					t.Errorf("write %d: %d bytes, want %d", i, len(rec.writes[i]), len(w))
				}
			}
		})
	}
}

func TestCorkReportsTheConnectionsError(t *testing.T) {
	broken := errors.New("broken pipe")
	c := &corkConn{Conn: &recordConn{err: broken}}
	c.cork()
	if _, err := c.Write([]byte("a")); err != nil {
		t.Fatalf("corked write: %v", err)
	}
	if err := c.uncork(); !errors.Is(err, broken) {
		t.Errorf("uncork: %v, want the connection's error", err)
	}
	if _, err := c.Write([]byte("b")); !errors.Is(err, broken) {
		t.Errorf("uncorked write: %v, want the connection's error", err)
	}
}
