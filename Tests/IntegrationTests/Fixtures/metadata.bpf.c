// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Program metadata for ProgramMetadataTests: bpf_metadata_* variables in
 * .rodata, which libbpf binds to the program, as bpftool reads them.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

volatile const char bpf_metadata_owner[] SEC(".rodata") = "bpfnav tests";
volatile const int bpf_metadata_level SEC(".rodata") = 3;
volatile const int not_metadata SEC(".rodata") = 7;

SEC("iter/task")
int bpfnav_metadata_fx(void *ctx)
{
	return not_metadata == 7 ? 0 : 1;
}
