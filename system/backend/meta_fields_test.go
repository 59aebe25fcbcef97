package backend

import (
	"strings"
	"testing"

	"github.com/toplab/toplab/system/meta"
)

// The gateway trims fields to the API's metadata; a trade field missing
// there would silently vanish from every answer (and a sync client's hash
// would never match the stored version).
func TestMetadataListsEveryTradeField(t *testing.T) {
	for _, api := range meta.DemoAPIs() {
		if !strings.HasPrefix(api.Name, "taobao.trade") {
			continue
		}
		for _, f := range TradeFields() {
			if _, ok := api.Fields[f]; !ok {
				t.Errorf("%s: field %q missing from the metadata", api.Name, f)
			}
		}
	}
}
