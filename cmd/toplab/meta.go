package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/toplab/toplab/system/meta"
)

const metaUsage = `usage: toplab meta [-admin URL] <action> ...
  list KIND [-after ID] [-limit N]   list objects in id order
  get KIND ID                        show one object (app secrets are never shown)
  put KIND [FILE|-]                  create or replace an object from JSON (its id is in the body)
  set-status APP_KEY active|disabled enable or disable an app
  delete KIND ID                     delete an object
  seed -apps N -sessions M           bulk load-test tenants: load-app-000001... with M sessions each
kinds: app, api, package, session, flowrule, topic, permit, producer, sellerworker`

// runMeta manages metadata through a gateway's admin API, so every change
// is announced to all nodes like any other admin write.
func runMeta(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "meta", "<action> ...")
	admin := fs.String("admin", "http://127.0.0.1:8890", "admin API of a gateway node")
	fs.Usage = func() { fmt.Fprintln(env.stderr, metaUsage) }
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return usageError{"no action"}
	}
	c := metaClient{base: strings.TrimRight(*admin, "/"), http: &http.Client{Timeout: 5 * time.Minute}}
	action, rest := rest[0], rest[1:]
	switch action {
	case "list":
		return c.list(ctx, env, rest)
	case "get":
		if len(rest) != 2 {
			return usageError{"usage: toplab meta get KIND ID"}
		}
		return c.show(ctx, env, http.MethodGet, "/admin/meta/"+kindArg(rest[0])+"/"+url.PathEscape(rest[1]), nil)
	case "put":
		return c.put(ctx, env, rest)
	case "set-status":
		if len(rest) != 2 || (rest[1] != string(meta.AppActive) && rest[1] != string(meta.AppDisabled)) {
			return usageError{"usage: toplab meta set-status APP_KEY active|disabled"}
		}
		return c.setStatus(ctx, env, rest[0], meta.AppStatus(rest[1]))
	case "delete":
		if len(rest) != 2 {
			return usageError{"usage: toplab meta delete KIND ID"}
		}
		return c.show(ctx, env, http.MethodDelete, "/admin/meta/"+kindArg(rest[0])+"/"+url.PathEscape(rest[1]), nil)
	case "seed":
		sfs := newFlags(env, "meta seed", "-apps N -sessions M")
		apps := sfs.Int("apps", 100, "apps to create")
		sessions := sfs.Int("sessions", 10, "sessions per app")
		if err := parseFlags(sfs, rest, 0); err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]int{"apps": *apps, "sessions_per_app": *sessions})
		return c.show(ctx, env, http.MethodPost, "/admin/seed", body)
	}
	fs.Usage()
	return usageError{fmt.Sprintf("unknown action %q", action)}
}

func kindArg(k string) string { return url.PathEscape(k) }

type metaClient struct {
	base string
	http *http.Client
}

// do sends one admin request and returns the body, or the API's error.
func (c metaClient) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API %s: %w (is a gateway running? see -admin)", c.base, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s %s: %s", method, path, e.Error)
		}
		return nil, fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return out, nil
}

func (c metaClient) show(ctx context.Context, env *cliEnv, method, path string, body []byte) error {
	out, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	if len(out) == 0 {
		fmt.Fprintln(env.stdout, "ok")
		return nil
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") != nil {
		pretty.Write(out)
	}
	fmt.Fprintln(env.stdout, strings.TrimSpace(pretty.String()))
	return nil
}

func (c metaClient) list(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 {
		return usageError{"usage: toplab meta list KIND [-after ID] [-limit N]"}
	}
	lfs := newFlags(env, "meta list", "KIND [-after ID] [-limit N]")
	after := lfs.String("after", "", "start after this id")
	limit := lfs.Int("limit", 100, "most objects (1..1000)")
	if err := parseFlags(lfs, args[1:], 0); err != nil {
		return err
	}
	q := url.Values{"after": {*after}, "limit": {strconv.Itoa(*limit)}}
	return c.show(ctx, env, http.MethodGet, "/admin/meta/"+kindArg(args[0])+"?"+q.Encode(), nil)
}

func (c metaClient) put(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return usageError{"usage: toplab meta put KIND [FILE|-]"}
	}
	kind, ok := meta.KindOf(args[0])
	if !ok {
		return usageError{fmt.Sprintf("unknown kind %q", args[0])}
	}
	var body []byte
	var err error
	if len(args) == 1 || args[1] == "-" {
		body, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	} else {
		body, err = os.ReadFile(args[1])
	}
	if err != nil {
		return err
	}
	obj, _ := meta.NewObject(kind)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return fmt.Errorf("decode %s: %w", kind, err)
	}
	return c.show(ctx, env, http.MethodPut, "/admin/meta/"+string(kind)+"/"+url.PathEscape(obj.ID()), body)
}

// setStatus reads the app, changes its status and writes it back; the
// admin API keeps the secret it does not show.
func (c metaClient) setStatus(ctx context.Context, env *cliEnv, key string, status meta.AppStatus) error {
	path := "/admin/meta/app/" + url.PathEscape(key)
	body, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	var app meta.App
	if err := json.Unmarshal(body, &app); err != nil {
		return err
	}
	app.Status = status
	body, _ = json.Marshal(app)
	return c.show(ctx, env, http.MethodPut, path, body)
}
