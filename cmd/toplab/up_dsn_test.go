package main

import "testing"

func TestRedactDSNHidesThePassword(t *testing.T) {
	for in, want := range map[string]string{
		"toplab:s3cret@tcp(127.0.0.1:3306)/toplab": "toplab:***@tcp(127.0.0.1:3306)/toplab",
		"root@tcp(127.0.0.1:3306)/x":               "root@tcp(127.0.0.1:3306)/x",
		"u:p:w@unix(/run/mysqld.sock)/db?a=b":      "u:***@unix(/run/mysqld.sock)/db?a=b",
	} {
		if got := redactDSN(in); got != want {
			t.Errorf("redactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}
