// Package onnxpb holds the Go types generated from onnx.proto (ONNX 1.12,
// Debian's python3-onnx, Apache-2.0). Regenerate with go generate; the
// generated code is committed so building needs no protoc.
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go_opt=Monnx.proto=github.com/zkai-dev/zkai/model/onnx/internal/onnxpb onnx.proto
