package top

import "testing"

func BenchmarkVerifySign(b *testing.B) {
	p := mustParams(b, "app_key=10000001&fields=tid,status,modified&format=json&method=taobao.trade.fullinfo.get&session=demo-session&sign_method=md5&timestamp=2026-11-11+00%3A00%3A00&tid=1001&v=2.0")
	for _, m := range []SignMethod{SignMD5, SignHMAC, SignHMACSHA256} {
		sign := Sign(m, "toplab-demo-secret", p, nil)
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !VerifySign(m, "toplab-demo-secret", p, nil, sign) {
					b.Fatal("sign did not verify")
				}
			}
		})
	}
}

func BenchmarkParseForm(b *testing.B) {
	form := "app_key=10000001&fields=tid%2Cstatus%2Cmodified&format=json&method=taobao.trade.fullinfo.get&session=demo-session&sign=72CB4D809B375A54502C09360D879C64&sign_method=md5&timestamp=2026-11-11+00%3A00%3A00&tid=1001&v=2.0"
	b.ReportAllocs()
	var p Params
	for b.Loop() {
		p.Reset()
		if err := p.ParseForm(form, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
