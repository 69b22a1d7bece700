// The Node.js project of the official SDKs that cross-check the verifiers
// (integration/sdk_test.go). This go.mod only keeps the go tool out of
// node_modules: ./... does not enter a directory with its own go.mod.
module sdkcrosscheck

go 1.26
