package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/toplab/toplab/scenarios"
	"github.com/toplab/toplab/system/backend"
	"github.com/toplab/toplab/system/datasync/sellerdb"
	"github.com/toplab/toplab/testenv"
)

// Environments of `toplab run -env`.
const (
	envEmbedded   = "embedded"
	envContainers = "containers"
)

// labSystem is the reference system one run drives.
type labSystem struct {
	sup         *testenv.Supervisor
	dir         string
	ports       labPorts
	top         labTopology
	stores      labStores
	containers  []*testenv.Container
	backendURL  string   // the trade centre of record
	gatewayURLs []string // every gateway
	store       string   // sqlite | mariadb, as run
	coord       string   // sqlite | redis
}

// startLab brings the scenario's environment up in dir: containers for
// -env containers, the tenants seeded, every node started and healthy.
func startLab(ctx context.Context, self, dir string, s *scenarios.Scenario, env string) (*labSystem, error) {
	sys := &labSystem{dir: dir, top: topologyOf(s), store: s.Env.Store, coord: s.Env.Coord}
	switch env {
	case envEmbedded:
		if s.Env.Store == scenarios.StoreMariaDB || s.Env.Coord == scenarios.CoordRedis {
			return nil, fmt.Errorf("scenario %s uses store %s and coord %s: run it with -env containers", s.Name, s.Env.Store, s.Env.Coord)
		}
	case envContainers:
		// The containers environment is the cluster one: MariaDB for the
		// sellers' database, Redis for coordination.
		maria, err := testenv.StartMariaDB(ctx, testenv.ContainerOptions{})
		if err != nil {
			return nil, fmt.Errorf("start mariadb (needs Docker and `toplab images`): %w", err)
		}
		sys.containers = append(sys.containers, maria.Container)
		redis, err := testenv.StartRedis(ctx, testenv.ContainerOptions{})
		if err != nil {
			sys.stop()
			return nil, fmt.Errorf("start redis (needs Docker and `toplab images`): %w", err)
		}
		sys.containers = append(sys.containers, redis.Container)
		sys.stores = labStores{sellerDSN: maria.DSN, redisAddr: redis.Addr}
		sys.store, sys.coord = scenarios.StoreMariaDB, scenarios.CoordRedis
	default:
		return nil, usageError{fmt.Sprintf("bad -env %q: embedded or containers", env)}
	}
	if err := seedObjects(ctx, dir, labTenants(s, time.Now())); err != nil {
		sys.stop()
		return nil, fmt.Errorf("seed tenants: %w", err)
	}
	ports, err := pickLabPorts(s.Instances())
	if err != nil {
		sys.stop()
		return nil, err
	}
	sys.ports = ports
	spec, err := labSpec(self, dir, s, ports, sys.stores, backendSellerCount(s))
	if err != nil {
		sys.stop()
		return nil, err
	}
	sup, err := testenv.NewSupervisor(spec)
	if err != nil {
		sys.stop()
		return nil, err
	}
	sys.sup = sup
	if err := sup.Start(ctx); err != nil {
		sys.stop()
		return nil, fmt.Errorf("start the system (logs in %s): %w", filepath.Join(dir, "logs"), err)
	}
	sys.backendURL = ports.url(sys.top.backends[0], "http")
	sys.gatewayURLs = ports.urls(sys.top.gateways, "http")
	return sys, nil
}

// stop stops the nodes, then the containers.
func (s *labSystem) stop() {
	if s.sup != nil {
		_ = s.sup.Stop(context.Background())
	}
	for _, c := range s.containers {
		_ = c.Terminate()
	}
}

// sellerDB opens the sellers' database the sync workers write.
func (s *labSystem) sellerDB(ctx context.Context) (*sellerdb.DB, error) {
	if s.stores.sellerDSN != "" {
		return sellerdb.Open(ctx, sellerdb.Config{Driver: sellerdb.DriverMySQL, DSN: s.stores.sellerDSN})
	}
	return sellerdb.Open(ctx, sellerdb.Config{DSN: filepath.Join(s.dir, "seller.db")})
}

// pushInternal is a push node's internal API base URL.
func (s *labSystem) pushInternal(i int) string {
	return "http://" + s.ports.addr(s.top.push[i%len(s.top.push)], "internal")
}

// pushWS is a push node's TMC WebSocket URL.
func (s *labSystem) pushWS(i int) string {
	return "ws://" + s.ports.addr(s.top.push[i%len(s.top.push)], "ws") + "/"
}

// seedTids creates perSeller orders for each seller through the trade
// centre's bulk API and returns their tids: the api stream's single-order
// reads need orders to read.
func seedTids(ctx context.Context, backendURL string, sellers []string, perSeller int) (map[string][]int64, error) {
	var req struct {
		Trades []backend.NewTrade `json:"trades"`
	}
	for i, seller := range sellers {
		for k := range perSeller {
			req.Trades = append(req.Trades, backend.NewTrade{
				SellerNick: seller, BuyerNick: fmt.Sprintf("buyer_seed_%04d", i*perSeller+k+1),
				Orders: []backend.NewOrder{{Title: fmt.Sprintf("seed item %d", k+1), Price: backend.Money(1999 + 100*k), Num: 1}},
			})
		}
	}
	if len(req.Trades) == 0 {
		return nil, nil
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, backendURL+"/internal/trades/bulk", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("seed orders: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("seed orders: HTTP %d: %s", resp.StatusCode, b)
	}
	var out struct {
		Tids []int64 `json:"tids"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("seed orders: %w", err)
	}
	if len(out.Tids) != len(req.Trades) {
		return nil, errors.New("seed orders: the trade centre returned a different number of tids")
	}
	tids := map[string][]int64{}
	for i, t := range req.Trades {
		tids[t.SellerNick] = append(tids[t.SellerNick], out.Tids[i])
	}
	return tids, nil
}
