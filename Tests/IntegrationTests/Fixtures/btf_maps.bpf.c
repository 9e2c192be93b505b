// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * BTF-typed maps for BTFMapFormatTests: the test compiles this at run time
 * with the toolchain's clang (-target bpf -g), loads it with BPFKit, writes
 * known values and formats them with the map's BTF.
 *
 * Kernel types come from bpfnav's own iters/kernel_types.h (the test puts
 * iters/ on the include path), so no linux UAPI header is needed.
 */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct key {
	__u32 id;
	char tag[8];
};

struct value {
	struct inner {
		__u16 a;
		__s16 b;
	} in;
	char name[16];
	enum color { RED, GREEN = 5, BLUE } c;
	unsigned int flag:3, level:5;
	int neg:4;
	float ratio;
	_Bool on;
	__u64 big;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, struct key);
	__type(value, struct value);
} values_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct value);
} values_array SEC(".maps");

/* A value with an anonymous union and a typedef'd array. */
typedef __u8 mac_t[6];
struct tagged {
	__u32 kind;
	union {
		__u32 number;
		char text[4];
	};
	mac_t mac;
	__s8 delta;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tagged);
} tagged_array SEC(".maps");

/* Global data: libbpf makes one array map per section (.data, .bss, .rodata)
 * whose value is the section's DATASEC. */
int counter = 7;
char greeting[8] = "hi";
__u64 zeroed;
const volatile __s32 limit = -42;

/* One program keeps the object an ordinary loadable one; it is never
 * attached. */
SEC("socket")
int btf_maps_prog(void *ctx)
{
	return counter + limit + (int)zeroed;
}
