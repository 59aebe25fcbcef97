// Command hello stands in for the toplab binary in the scratch image test: it
// checks what toplab relies on in the image (a writable working directory
// /data and TMPDIR) and prints "ok".
package main

import (
	"fmt"
	"os"
)

func main() {
	wd, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile("store", []byte("x"), 0o600); err != nil {
		fail(err)
	}
	f, err := os.CreateTemp("", "hello")
	if err != nil {
		fail(err)
	}
	f.Close()
	fmt.Println("ok", wd, f.Name(), os.Args[1:])
}

func fail(err error) {
	fmt.Println("error:", err)
	os.Exit(1)
}
