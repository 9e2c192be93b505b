/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers every iterator program uses. Include after kernel_types.h,
 * <bpf/bpf_helpers.h> and bpfnav_records.h.
 */
#ifndef BPFNAV_ITER_COMMON_H
#define BPFNAV_ITER_COMMON_H

#include "compat.h"

#ifndef BPF_ANY
#define BPF_ANY 0
#endif
#define EBUSY			16
#define EINVAL			22

/* Constant text without a printf: no format parsing, no argument array. */
#define SEQ_PUTS(seq, str)                                                    \
	({                                                                    \
		static const char ___s[] = str;                               \
		bpf_seq_write(seq, ___s, sizeof(___s) - 1);                   \
	})

/*
 * Read sessions (one per open of a pin or bpf_iter_create fd) that printed
 * their header already. seq_num alone cannot tell: the kernel only counts an
 * object once a *next* one exists, so with exactly one object both its call
 * and the final NULL call see seq_num == 0. An LRU map keyed by session id
 * keeps concurrent readers apart.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} bpfnav_headers SEC(".maps");

/* Prints str once per session, before any row; also when there are none. */
static __always_inline void seq_header_once(struct bpf_iter_meta *meta,
					    struct seq_file *seq,
					    const char *str, __u32 len)
{
	__u64 session;
	__u8 one = 1;

	if (meta->seq_num != 0)
		return;
	session = meta->session_id;
	if (bpf_map_lookup_elem(&bpfnav_headers, &session))
		return;
	bpf_map_update_elem(&bpfnav_headers, &session, &one, BPF_ANY);
	bpf_seq_write(seq, str, len);
}

/* *r zeroed, with its header's kind and version; the size is the caller's. */
#define REC_START(r, rec_kind)						\
	({								\
		__builtin_memset(r, 0, sizeof(*(r)));			\
		(r)->hdr.kind = (rec_kind);				\
		(r)->hdr.version = BPFNAV_REC_VERSION;			\
	})

/* The seq_file to write this call's object to, or NULL. */
static __always_inline struct seq_file *iter_seq(struct bpf_iter_meta *meta)
{
	return meta ? meta->seq : 0;
}

/*
 * A text program's iter_seq(), after its header (once per session): called
 * before the object is looked at, so an empty walk still gets its header.
 */
#define SEQ_WITH_HEADER(meta, str)					\
	({								\
		static const char ___h[] = str;				\
		struct bpf_iter_meta *___m = (meta);			\
		struct seq_file *___seq = iter_seq(___m);		\
									\
		if (___seq)						\
			seq_header_once(___m, ___seq, ___h,		\
					sizeof(___h) - 1);		\
		___seq;							\
	})

/*
 * Escaping of untrusted strings (comm, paths, names) for the text programs,
 * so that `cat` of a pin never hands a terminal a raw control byte or a
 * forged row: `\\` for a backslash, `\n`, `\t`, `\xNN` for every other byte
 * below 0x20, DEL, C1 controls (U+0080..U+009F, as `\xc2\xNN`) and every
 * byte that is not part of valid UTF-8 (overlong forms, surrogates and code
 * points past U+10FFFF included). Valid UTF-8 is copied.
 *
 * The verifier walks every iteration of a bounded loop, so the cost is the
 * bound times the body, and a branch in the body would add paths: the body
 * is branch-free, three table lookups a byte. esc_class gives each byte's
 * part in a sequence; esc_step, from the classes of a byte and the three
 * after it and the bytes still to copy of a sequence found earlier, whether
 * to copy the byte and how many bytes to copy after it; esc_word the
 * escape (up to 4 characters and their count). esc_copy() writes each
 * escape as 4 bytes at once and advances by its width (0 to 4), so later
 * bytes overwrite the surplus; seq_write_name() writes each with its width.
 */

/* Continuation kinds (a sequence's second byte) and lead kinds. */
#define ESC_CONT_80	1	/* 80..8f */
#define ESC_CONT_90	2	/* 90..9f */
#define ESC_CONT_A0	3	/* a0..bf */
#define ESC_LEAD_C2	1	/* c2: a0..bf only (c2 80..9f are C1 controls) */
#define ESC_LEAD_2	2	/* c3..df */
#define ESC_LEAD_E0	3	/* e0: a0..bf (no overlongs) */
#define ESC_LEAD_3	4	/* e1..ec, ee..ef */
#define ESC_LEAD_ED	5	/* ed: 80..9f (no surrogates) */
#define ESC_LEAD_F0	6	/* f0: 90..bf (no overlongs) */
#define ESC_LEAD_4	7	/* f1..f3 */
#define ESC_LEAD_F4	8	/* f4: 80..8f (nothing past U+10FFFF) */

#define ESC_CONT(c)							\
	((c) >= 0x80 && (c) < 0x90 ? ESC_CONT_80 :			\
	 (c) >= 0x90 && (c) < 0xa0 ? ESC_CONT_90 :			\
	 (c) >= 0xa0 && (c) < 0xc0 ? ESC_CONT_A0 : 0)
#define ESC_LEAD(c)							\
	((c) == 0xc2 ? ESC_LEAD_C2 :					\
	 (c) > 0xc2 && (c) < 0xe0 ? ESC_LEAD_2 :			\
	 (c) == 0xe0 ? ESC_LEAD_E0 :					\
	 (c) == 0xed ? ESC_LEAD_ED :					\
	 (c) > 0xe0 && (c) < 0xf0 ? ESC_LEAD_3 :			\
	 (c) == 0xf0 ? ESC_LEAD_F0 :					\
	 (c) > 0xf0 && (c) < 0xf4 ? ESC_LEAD_4 :			\
	 (c) == 0xf4 ? ESC_LEAD_F4 : 0)
/*
 * A byte's class, in the bits each position of a sequence reads: lead kind
 * (first byte) << 4 | continuation kind (second) << 2 | continuation (third)
 * << 1 | continuation (fourth).
 */
#define ESC_CLASS(c)							\
	(ESC_LEAD(c) << 4 | ESC_CONT(c) << 2 | (ESC_CONT(c) ? 3 : 0))

/*
 * Length of the valid UTF-8 sequence a lead of kind k starts, given the
 * second byte's continuation kind s and whether the third (c2) and fourth
 * (c3) bytes are continuations; 0 when it starts none.
 */
#define ESC_SEQ(k, s, c2, c3)						\
	((k) == ESC_LEAD_C2 ? ((s) == ESC_CONT_A0 ? 2 : 0) :		\
	 (k) == ESC_LEAD_2 ? ((s) ? 2 : 0) :				\
	 (k) == ESC_LEAD_E0 ? ((s) == ESC_CONT_A0 && (c2) ? 3 : 0) :	\
	 (k) == ESC_LEAD_3 ? ((s) && (c2) ? 3 : 0) :			\
	 (k) == ESC_LEAD_ED ? ((s) && (s) != ESC_CONT_A0 && (c2) ? 3 : 0) : \
	 (k) == ESC_LEAD_F0 ? ((s) > ESC_CONT_80 && (c2) && (c3) ? 4 : 0) : \
	 (k) == ESC_LEAD_4 ? ((s) && (c2) && (c3) ? 4 : 0) :		\
	 (k) == ESC_LEAD_F4 ? ((s) == ESC_CONT_80 && (c2) && (c3) ? 4 : 0) : 0)
#define ESC_SEQ_I(x)							\
	ESC_SEQ(((x) >> 4) & 15, ((x) >> 2) & 3, ((x) >> 1) & 1, (x) & 1)

/*
 * Index: bytes still to copy of an earlier sequence (0..3) << 8 | the
 * classes' bits. Value: 0x100 when this byte is copied | bytes to copy
 * after it.
 */
#define ESC_STEP(run, len)						\
	((run) ? 0x100 | (((run) + 3) & 3) :				\
	 (len) ? 0x100 | (((len) + 3) & 3) : 0)
#define ESC_STEP_I(x)	ESC_STEP((x) >> 8, ESC_SEQ_I((x) & 255))

/*
 * Index: 0x100 when the byte is copied | the byte. Value: up to 4
 * characters in the low 32 bits (first one lowest), their count above. NUL,
 * which ends strings, escapes to nothing.
 */
#define ESC_HEX(n)	((n) < 10 ? '0' + (n) : 'a' + (n) - 10)
#define ESC_TWO(a, b)	((__u64)(a) | (__u64)(b) << 8 | 2ULL << 32)
#define ESC_ESCAPE(c)							\
	((c) == '\\' ? ESC_TWO('\\', '\\') :				\
	 (c) == '\n' ? ESC_TWO('\\', 'n') :				\
	 (c) == '\t' ? ESC_TWO('\\', 't') :				\
	 (c) >= 0x20 && (c) < 0x7f ? (__u64)(c) | 1ULL << 32 :		\
	 (c) == 0 ? 0 :							\
	 (__u64)'\\' | (__u64)'x' << 8 | (__u64)ESC_HEX((c) >> 4) << 16 | \
	 (__u64)ESC_HEX((c) & 15) << 24 | 4ULL << 32)
#define ESC_WORD(x)							\
	((x) & 0x100 ? (__u64)((x) & 255) | 1ULL << 32 : ESC_ESCAPE(x))

#define ESC_R4(M, b)	M(b), M((b) + 1), M((b) + 2), M((b) + 3)
#define ESC_R16(M, b)	ESC_R4(M, b), ESC_R4(M, (b) + 4), ESC_R4(M, (b) + 8), ESC_R4(M, (b) + 12)
#define ESC_R64(M, b)	ESC_R16(M, b), ESC_R16(M, (b) + 16), ESC_R16(M, (b) + 32), ESC_R16(M, (b) + 48)
#define ESC_R256(M, b)	ESC_R64(M, b), ESC_R64(M, (b) + 64), ESC_R64(M, (b) + 128), ESC_R64(M, (b) + 192)

static const __u8 esc_class[256] = { ESC_R256(ESC_CLASS, 0) };
static const __u16 esc_step[1024] = {
	ESC_R256(ESC_STEP_I, 0), ESC_R256(ESC_STEP_I, 256),
	ESC_R256(ESC_STEP_I, 512), ESC_R256(ESC_STEP_I, 768),
};
static const __u64 esc_word[512] = {
	ESC_R256(ESC_WORD, 0), ESC_R256(ESC_WORD, 256),
};

/* x & mask, in a way the compiler cannot drop (see path_len_bound()). */
#define ESC_MASK(x, mask) ({						\
	__u64 ___v = (x);						\
	asm volatile("%0 &= %1" : "+r"(___v) : "i"(mask));		\
	___v;								\
})

/*
 * &base[idx & mask], with the mask and the addition in one asm statement:
 * verifiers before 5.12 (5.10) forget the bounds of a scalar the compiler
 * spills to the stack, so an index is bounded right where it is used.
 */
#define ESC_AT(base, idx, mask, shift) ({				\
	__u64 ___i = (idx);						\
	__typeof__(&(base)[0]) ___p = &(base)[0];			\
	asm volatile("%0 &= %2\n\t%0 <<= %3\n\t%1 += %0"		\
		     : "+r"(___i), "+r"(___p) : "i"(mask), "i"(shift));	\
	___p;								\
})
#define ESC_CLASS_OF(b)	(*ESC_AT(esc_class, b, 255, 0))

/*
 * The escape's 4 bytes in one store where the kernel takes unaligned ones
 * (the verifier refuses them where the arch is slow at them).
 */
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
#define ESC_PUT4(p, w)	(*(__u32 *)(p) = (w))
#else
#define ESC_PUT4(p, w)	({ (p)[0] = (w); (p)[1] = (w) >> 8;		\
			   (p)[2] = (w) >> 16; (p)[3] = (w) >> 24; })
#endif

/*
 * The escape of byte b0 (esc_word's value), given the classes of it and
 * the three bytes after it; *run carries the bytes still to copy of a
 * sequence from one byte to the next.
 */
static __always_inline __u64 esc_next(__u64 *run, __u64 b0, __u64 t0,
				      __u64 t1, __u64 t2, __u64 t3)
{
	__u64 step = *ESC_AT(esc_step, *run | (t0 & 0xf0) | (t1 & 0x0c) |
			     (t2 & 2) | (t3 & 1), 1023, 1);

	*run = (step & 3) << 8;
	return *ESC_AT(esc_word, (step & 0x100) | b0, 511, 3);
}

/*
 * Escapes the len bytes at src into out; returns the length written. src has
 * src_mask + 1 readable bytes (a power of two), and zeros from src[len] up to
 * the next multiple of 8: a NUL is never part of a string, so it escapes to
 * nothing, and a sequence that would reach past the string is invalid. out
 * has out_mask + 5 bytes: out_mask + 1, a power of two, at least 4 * max_in,
 * and 4 to spare for the last write.
 *
 * 8 bytes an iteration: the verifier compares each iteration's state with
 * those before, so fewer of them cost less than the same work in more.
 */
static __always_inline __u32 esc_copy(char *out, const __u32 out_mask,
				      const char *src, const __u32 src_mask,
				      __u32 len, const __u32 max_in)
{
	__u64 o = 0, run = 0;
	__u32 i;

#pragma clang loop unroll(disable)
	for (i = 0; i < max_in; i += 8) {
		__u64 b0, b1, b2, t0, t1, t2;

		if (i >= len)
			break;
		b0 = (__u8)src[i & src_mask];
		b1 = (__u8)src[(i + 1) & src_mask];
		b2 = (__u8)src[(i + 2) & src_mask];
		t0 = ESC_CLASS_OF(b0);
		t1 = ESC_CLASS_OF(b1);
		t2 = ESC_CLASS_OF(b2);
#pragma clang loop unroll(full)
		for (__u32 j = 0; j < 8; j++) {
			__u64 b3 = (__u8)src[(i + j + 3) & src_mask];
			__u64 t3 = ESC_CLASS_OF(b3), w;

			w = esc_next(&run, b0, t0, t1, t2, t3);
			ESC_PUT4(ESC_AT(out, o, out_mask, 0), w);
			/* Bounded where it is computed: every path reaches
			 * the next byte with the same range. */
			o = ESC_MASK(o + (w >> 32), out_mask);
			b0 = b1, b1 = b2, b2 = b3;
			t0 = t1, t1 = t2, t2 = t3;
		}
	}
	/* Again at the end: the caller's helper call wants it bounded. */
	return ESC_MASK(o, out_mask);
}

/*
 * esc_copy() with its buffer contracts checked at compile time: out is an
 * array of a power of two plus 4 bytes; src has src_size bytes, a power of
 * two.
 */
#define ESC_COPY(out, src, src_size, len, max_in) ({			\
	_Static_assert(((sizeof(out) - 4) & (sizeof(out) - 5)) == 0 &&	\
		       sizeof(out) - 4 >= 4 * (max_in),			\
		       "escape buffer: a power of two >= 4 * input, + 4");	\
	_Static_assert(((src_size) & ((src_size) - 1)) == 0 &&		\
		       (max_in) <= (src_size) && (max_in) % 8 == 0,	\
		       "escape source: a power of two >= input");	\
	esc_copy(out, sizeof(out) - 5, src, (src_size) - 1, len, max_in); \
})

/*
 * Writes a NUL-padded 16-byte name (comm, a map's name) escaped. Each
 * byte's escape goes to a slot of its own on the stack (5.10 refuses stack
 * writes at a variable offset, and a per-CPU scratch would cost a map) and
 * is written with its width, up to the first NUL. Clears the last byte, so
 * the name is always terminated.
 */
static __always_inline void seq_write_name(struct seq_file *seq, char name[16])
{
	__u64 out[16], run = 0, b0, b1, b2, t0, t1, t2;
	__u32 j;

	name[15] = 0;
	b0 = (__u8)name[0];
	b1 = (__u8)name[1];
	b2 = (__u8)name[2];
	t0 = ESC_CLASS_OF(b0);
	t1 = ESC_CLASS_OF(b1);
	t2 = ESC_CLASS_OF(b2);
#pragma clang loop unroll(full)
	for (j = 0; j < 16; j++) {
		/* Past the end: NUL, as in the name's own padding. */
		__u64 b3 = j + 3 < 16 ? (__u8)name[j + 3] : 0;
		__u64 t3 = ESC_CLASS_OF(b3);

		out[j] = esc_next(&run, b0, t0, t1, t2, t3);
		b0 = b1, b1 = b2, b2 = b3;
		t0 = t1, t1 = t2, t2 = t3;
	}
#pragma clang loop unroll(full)
	for (j = 0; j < 16; j++) {
		/* The width, at most 4 (7 for the verifier: within the slot). */
		__u32 width = (out[j] >> 32) & 7;

		if (!width)
			break;
		bpf_seq_write(seq, &out[j], width);
	}
}

/*
 * Programs with a path (task_file, task_vma). The record and its path are
 * contiguous in a scratch slot, so one bpf_seq_write() emits both. Too big
 * for the 512-byte stack, hence a one-slot per-CPU array, whose value
 * struct starts with __u64 takers (slot_take() in compat.h, readers on this
 * CPU holding the slot) and has a struct bpfnav_*_rec rec followed by
 * PATH_SCRATCH.
 */
#define SCRATCH_MAP(name, value_type)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, value_type);				\
	} name SEC(".maps")

/*
 * The path after the record; 8 spare bytes let the zero padding after a
 * maximal path stay in bounds. Then the text program's escaped path
 * (ESC_COPY).
 */
#define PATH_SCRATCH							\
	char path[BPFNAV_PATH_MAX + 8];					\
	char esc[4 * BPFNAV_PATH_MAX + 4]

/* The scratch slot of a SCRATCH_MAP, taken; NULL when it is busy. */
static __always_inline void *scratch_take(void *map)
{
	__u32 zero = 0;
	__u64 *takers = bpf_map_lookup_elem(map, &zero);

	if (!takers || !slot_take(takers))
		return 0;
	return takers;
}

/*
 * The length of the path that bpf_d_path() or bpf_probe_read_kernel_str()
 * (both count the NUL) returned ret for into path[], bounded for the
 * verifier (path_len_bound()), with zero padding after it; 0 and the error
 * in *err when there is none.
 */
static __always_inline __u32 path_fetched(long ret, char *path, __s32 *err)
{
	__u32 len = 0;

	if (ret > 0 && ret <= BPFNAV_PATH_MAX)
		len = ret - 1;
	else
		*err = ret < 0 ? ret : -EINVAL;
	len = path_len_bound(len);
	/* Padding must be zeros, not leftovers of a longer path. */
	*(__u64 *)&path[len] = 0;
	return len;
}

/* A record's size with its path of len bytes, padded to 8. */
#define REC_SIZE_WITH_PATH(r, len)	((sizeof(*(r)) + (len) + 7) & ~7U)

/*
 * Writes the path of record r from scratch slot s, escaped: anyone names
 * files. Only the file's name is known: say so, never pass it off as the
 * path. The 8 zero bytes after the path are path_fetched()'s.
 */
#define SEQ_WRITE_PATH(seq, s, r)					\
	({								\
		if ((r)->path_source == BPFNAV_PATH_NAME)		\
			SEQ_PUTS(seq, "\u2026/");			\
		bpf_seq_write(seq, (s)->esc,				\
			      ESC_COPY((s)->esc, (s)->path,		\
				       BPFNAV_PATH_MAX, (r)->path_len,	\
				       BPFNAV_PATH_MAX));		\
	})

#endif /* BPFNAV_ITER_COMMON_H */
