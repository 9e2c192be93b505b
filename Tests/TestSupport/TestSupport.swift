// TestSupport: the test machinery that more than one test target uses,
// written once and the same wherever it runs. It holds the seeded generator
// and the BPFNAV_FUZZ_SEED switch (Random.swift), the BTF blob builder, a
// test's own directory in /tmp or on the bpffs (TestDirectory), JSON readers
// that keep what Foundation's parser loses, requireBPF() with the
// BPFNAV_REQUIRE_BPF=1 switch that turns its skip into a failure, the waits
// and their BPFNAV_TEST_TIME_SCALE, and the tmux driver of the end-to-end
// tests. It holds no tests, and nothing that only one target uses (the
// record writer `Wire`, the browser's fakes, the CLI's reference encoders,
// BPFTestCase, Child and the BPF C fixtures stay with their targets). Nothing
// here loads a BPF program, creates a map or runs bpfnav, so the unit test
// targets that link it still run without privileges; it depends on BPFKit
// only to ask whether BPF is usable, to find the bpffs and to parse BTF.
