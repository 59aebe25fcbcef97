package backend

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
)

func TestItemGet(t *testing.T) {
	n, _ := newTestNode(t, Config{Sellers: 3, ItemsPerSeller: 5})
	first := strconv.Itoa(firstNumIid)               // demo_seller's first item
	last := strconv.Itoa(firstNumIid + 3*10_000 + 4) // seller_0003's last
	tests := []struct {
		name    string
		params  []string
		status  int
		subCode string
		keys    []string
	}{
		{"trimmed", []string{"num_iid", first, "fields", "price,title,nick"}, 200, "", []string{"title", "nick", "price"}},
		{"last item of last seller", []string{"num_iid", last, "fields", "num_iid"}, 200, "", []string{"num_iid"}},
		{"past the catalogue", []string{"num_iid", strconv.Itoa(firstNumIid + 5), "fields", "num_iid"}, 404, "isv.item-not-exist", nil},
		{"past the sellers", []string{"num_iid", strconv.Itoa(firstNumIid + 4*10_000), "fields", "num_iid"}, 404, "isv.item-not-exist", nil},
		{"bad num_iid", []string{"num_iid", "1e5", "fields", "num_iid"}, 400, "isv.invalid-parameter:num_iid", nil},
		{"missing fields", []string{"num_iid", first}, 400, "isv.missing-parameter:fields", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := callAPI(t, n.Handler(), MethodItemGet, "", form(tt.params...)) // public: no user
			if status != tt.status {
				t.Fatalf("status %d: %s", status, body)
			}
			if status != 200 {
				if e := decodeTopError(t, body); e.SubCode != tt.subCode {
					t.Fatalf("sub_code %s", e.SubCode)
				}
				return
			}
			var out struct{ Item json.RawMessage }
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if keys := objectKeys(t, out.Item); !slices.Equal(keys, tt.keys) {
				t.Fatalf("keys %v", keys)
			}
		})
	}
}

func TestItemsOnsaleGetPaging(t *testing.T) {
	n, _ := newTestNode(t, Config{Sellers: 2, ItemsPerSeller: 30})
	want := n.Items().Onsale(SellerNick(2))
	if len(want) < 20 || len(want) == 30 {
		t.Fatalf("setup: %d of 30 items on sale; the seed should leave some in stock", len(want))
	}
	var got []int64
	for page := 1; page <= 3; page++ {
		status, body := callAPI(t, n.Handler(), MethodItemsOnsaleGet, SellerNick(2), form("fields", "num_iid,approve_status", "page_size", "10", "page_no", strconv.Itoa(page)))
		if status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
		var out struct {
			Items struct{ Item []Item } `json:"items"`
			Total int                   `json:"total_results"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		if out.Total != len(want) {
			t.Fatalf("total %d, want %d", out.Total, len(want))
		}
		for _, it := range out.Items.Item {
			if it.ApproveStatus != "onsale" || it.Title != "" {
				t.Fatalf("item %+v", it)
			}
			got = append(got, it.NumIid)
		}
	}
	var wantIDs []int64
	for _, it := range want {
		wantIDs = append(wantIDs, it.NumIid)
	}
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("paged %v, want %v", got, wantIDs)
	}
	if status, _ := callAPI(t, n.Handler(), MethodItemsOnsaleGet, "", form("fields", "num_iid")); status != http.StatusUnauthorized {
		t.Fatalf("no user: %d", status)
	}
	if status, _ := callAPI(t, n.Handler(), MethodItemsOnsaleGet, DemoSeller, form("fields", "num_iid", "page_size", "201")); status != http.StatusBadRequest {
		t.Fatalf("page_size 201: %d", status)
	}
}

func TestUserSellerGet(t *testing.T) {
	n, _ := newTestNode(t, Config{Sellers: 12})
	tests := []struct {
		nick   string
		status int
		userID int64
	}{
		{DemoSeller, 200, firstUserID},
		{"seller_0012", 200, firstUserID + 12},
		{"seller_0013", 404, 0}, // beyond the seeded count
		{"seller_12", 404, 0},   // not the canonical nick
		{"seller_0000", 404, 0},
		{"somebody", 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.nick, func(t *testing.T) {
			status, body := callAPI(t, n.Handler(), MethodUserSellerGet, tt.nick, form("fields", "user_id,nick,seller_credit"))
			if status != tt.status {
				t.Fatalf("status %d: %s", status, body)
			}
			if status != 200 {
				if e := decodeTopError(t, body); e.SubCode != "isv.user-not-exist" {
					t.Fatalf("sub_code %s", e.SubCode)
				}
				return
			}
			var out struct{ User json.RawMessage }
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if keys := objectKeys(t, out.User); !slices.Equal(keys, []string{"user_id", "nick", "seller_credit"}) {
				t.Fatalf("keys %v", keys)
			}
			var u User
			_ = json.Unmarshal(out.User, &u)
			if u.UserID != tt.userID || u.Nick != tt.nick || u.SellerCredit.Level == 0 {
				t.Fatalf("user %+v", u)
			}
		})
	}
	if got := n.Users().Sellers(); len(got) != 13 || got[0] != DemoSeller || got[12] != "seller_0012" {
		t.Fatalf("Sellers %v", got)
	}
}

// Same seed, same catalogue, whatever the node or its clock; another seed
// differs.
func TestCatalogueIsDeterministic(t *testing.T) {
	a, _ := newTestNode(t, Config{Seed: 9})
	b, _ := newTestNode(t, Config{Seed: 9})
	c, _ := newTestNode(t, Config{Seed: 10})
	get := func(n *Node) []byte {
		_, body := callAPI(t, n.Handler(), MethodItemsOnsaleGet, SellerNick(3), form("fields", "num_iid,title,price,list_time"))
		return body
	}
	if string(get(a)) != string(get(b)) {
		t.Fatal("same seed served different catalogues")
	}
	if string(get(a)) == string(get(c)) {
		t.Fatal("different seeds served the same catalogue")
	}
}
