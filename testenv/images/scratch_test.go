package images

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeELF writes a minimal x86-64 ELF executable header, with a PT_INTERP
// program header when interp is not empty: enough for debug/elf, and no
// compiler needed.
func writeELF(t *testing.T, interp string) string {
	t.Helper()
	var b bytes.Buffer
	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
		Ehsize: 64, Phentsize: 56, Shentsize: 64,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var progs []elf.Prog64
	if interp != "" {
		hdr.Phoff, hdr.Phnum = 64, 1
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP), Off: 64 + 56, Filesz: uint64(len(interp) + 1), Align: 1})
	}
	for _, v := range []any{hdr, progs} {
		if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	if interp != "" {
		b.WriteString(interp + "\x00")
	}
	name := filepath.Join(t.TempDir(), "toplab")
	if err := os.WriteFile(name, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestCheckStatic(t *testing.T) {
	notELF := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string // "" for none
	}{
		{"static", writeELF(t, ""), ""},
		{"dynamic", writeELF(t, "/lib64/ld-linux-x86-64.so.2"), "dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2)"},
		{"not ELF", notELF, "not an ELF executable"},
		{"missing", filepath.Join(t.TempDir(), "nope"), "not an ELF executable"},
	}
	// A real dynamically linked executable, as the brief of this check.
	if _, err := os.Stat("/bin/true"); err == nil {
		tests = append(tests, struct{ name, path, wantErr string }{"/bin/true", "/bin/true", "dynamically linked"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkStatic(tt.path)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("checkStatic: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("checkStatic = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestScratchTar(t *testing.T) {
	bin := writeELF(t, "")
	content, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeScratchTar(&b, bin); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		mode fs.FileMode
		uid  int
		body string
	}
	got := map[string]entry{}
	tr := tar.NewReader(&b)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = entry{h.FileInfo().Mode(), h.Uid, string(body)}
	}
	want := map[string]entry{
		"toplab": {0o755, 0, string(content)},
		"data/":  {fs.ModeDir | 0o777, 0, ""},
		"tmp/":   {fs.ModeDir | fs.ModeSticky | 0o777, 0, ""},
	}
	if len(got) != len(want) {
		t.Errorf("tarball has %d entries, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("tarball lacks %s", name)
		case g.mode != w.mode:
			t.Errorf("%s: mode %v, want %v", name, g.mode, w.mode)
		case g.uid != w.uid:
			t.Errorf("%s: uid %d, want %d", name, g.uid, w.uid)
		case g.body != w.body:
			t.Errorf("%s: contents differ from the binary", name)
		}
	}
}
