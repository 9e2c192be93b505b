// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* iter/bpf_map: one row/record per BPF map in the system. */
#include "kernel_types.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfnav_records.h"
#include "iter_common.h"
#include "knobs.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";


/*
 * enum bpf_map_type names, indexed by value. Inline arrays rather than a
 * table of pointers: pointers stored in .rodata would need relocations the
 * BPF loader does not do. insn_array (34) is newer than 6.18; values past
 * the table print as type_N.
 */
#define MAP_TYPE_NAMES 35
static const char map_type_names[MAP_TYPE_NAMES][24] = {
	"unspec",
	"hash",
	"array",
	"prog_array",
	"perf_event_array",
	"percpu_hash",
	"percpu_array",
	"stack_trace",
	"cgroup_array",
	"lru_hash",
	"lru_percpu_hash",
	"lpm_trie",
	"array_of_maps",
	"hash_of_maps",
	"devmap",
	"sockmap",
	"cpumap",
	"xskmap",
	"sockhash",
	"cgroup_storage",
	"reuseport_sockarray",
	"percpu_cgroup_storage",
	"queue",
	"stack",
	"sk_storage",
	"devmap_hash",
	"struct_ops",
	"ringbuf",
	"inode_storage",
	"task_storage",
	"bloom_filter",
	"user_ringbuf",
	"cgrp_storage",
	"arena",
	"insn_array",
};

static __always_inline void collect_map(struct bpf_map *map,
					struct bpfnav_map_rec *r)
{
	REC_START(r, BPFNAV_REC_MAP);
	r->hdr.size = sizeof(*r);
	r->id = map->id;
	r->type = map->map_type;
	r->key_size = map->key_size;
	r->value_size = map->value_size;
	r->max_entries = map->max_entries;
	r->flags = map->map_flags;
	__builtin_memcpy(r->name, map->name, sizeof(r->name));
	/* The kernel keeps it NUL-terminated; %s must not rely on that. */
	r->name[BPFNAV_OBJ_NAME_LEN - 1] = 0;
}

SEC("iter/bpf_map")
int bpfnav_map_txt(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	struct bpfnav_map_rec r;
	struct seq_file *seq;
	__u32 type;

	seq = SEQ_WITH_HEADER(ctx->meta, "     ID TYPE                    KEY  VALUE  MAX_ENTRIES      FLAGS NAME\n");
	if (!seq || !map)
		return 0;

	collect_map(map, &r);
	type = r.type;
	if (type < MAP_TYPE_NAMES)
		BPF_SEQ_PRINTF(seq, "%7u %-21s %5u %6u %12u 0x%08llx ", r.id,
			       map_type_names[type], r.key_size, r.value_size,
			       r.max_entries, r.flags);
	else
		BPF_SEQ_PRINTF(seq, "%7u type_%-16u %5u %6u %12u 0x%08llx ",
			       r.id, type, r.key_size, r.value_size,
			       r.max_entries, r.flags);
	/* The kernel allows [A-Za-z0-9_.] in names today; escaped anyway,
	 * as every string of the text programs is (iter_common.h). */
	seq_write_name(seq, r.name);
	SEQ_PUTS(seq, "\n");
	return 0;
}

SEC("iter/bpf_map")
int bpfnav_map_rec(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;
	struct bpf_map *map = ctx->map;
	struct bpfnav_map_rec r;
	struct seq_file *seq;

	if (!meta || !map)
		return 0;
	seq = meta->seq;
	if (!seq)
		return 0;

	collect_map(map, &r);
	bpf_seq_write(seq, &r, sizeof(r));
	return 0;
}
