package reconcile

import (
	"testing"

	"github.com/toplab/toplab/system/datasync/sellerdb"
)

// A trade-centre-shaped order of about 900 bytes.
var benchDoc = []byte(`{"tid":100042,"status":"WAIT_SELLER_SEND_GOODS","type":"fixed","seller_nick":"seller_a","buyer_nick":"buyer_0042","title":"toplab item","num":1,"num_iid":5002,"price":"129.00","total_fee":"129.00","discount_fee":"0.00","adjust_fee":"0.00","post_fee":"10.00","payment":"139.00","shipping_type":"express","created":"2026-11-11 10:19:00","modified":"2026-11-11 10:20:00","pay_time":"2026-11-11 10:20:00","seller_flag":0,"buyer_rate":false,"seller_rate":false,"receiver_name":"Li Lei","receiver_state":"Zhejiang","receiver_city":"Hangzhou","receiver_district":"Xihu","receiver_address":"No. 969 Wenyi West Road","receiver_zip":"310000","receiver_mobile":"13800000000","orders":{"order":[{"oid":900042,"status":"WAIT_SELLER_SEND_GOODS","num_iid":5002,"title":"toplab item","price":"129.00","num":1,"total_fee":"129.00","payment":"139.00","refund_status":"NO_REFUND"}]}}`)

// BenchmarkHead compares the comparison's fast head read with a full decode
// of the same order, in the same run (the machine is shared: read ratios).
func BenchmarkHead(b *testing.B) {
	b.Run("readHead", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := readHead(benchDoc); !ok {
				b.Fatal("not read")
			}
		}
	})
	b.Run("sellerdb.ParseDoc", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := sellerdb.ParseDoc(benchDoc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sellerdb.Hash", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			_ = sellerdb.Hash(benchDoc)
		}
	})
}
