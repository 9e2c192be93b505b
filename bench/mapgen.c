// mapgen: BPF maps for bench/run's "BPF objects" comparisons.
//
//   mapgen hash N PIN     create a hash map (u64 key, 24-byte value, max_entries N), fill it with
//                         N entries using bpf_map_update_batch in chunks, pin it at PIN and print
//                         its id. The pin keeps the map alive after mapgen exits.
//   mapgen arrays N DIR   create N small array maps (u32 key, u64 value, one entry, named
//                         "bench_arr"), pin them as DIR/arr-0 … DIR/arr-<N-1> and print
//                         "FIRST_ID LAST_ID". DIR must exist on a bpffs.
//   mapgen hold N         create the same N array maps without pinning them, print
//                         "FIRST_ID LAST_ID" and hold their fds until SIGTERM, SIGINT or SIGHUP
//                         (then exit 0, which frees them). It dies with its parent
//                         (PR_SET_PDEATHSIG = SIGKILL), so the maps never outlive bench/run.
//
// Pinned maps live until their pins are removed (rm). On an error mapgen prints the reason to
// stderr and exits 1; pins made before the error are left for the caller's clean-up (bench/run
// removes its whole bpffs directory).
//
// Build: cc -O2 -Wall -o mapgen mapgen.c -lbpf

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

enum { VALUE_SIZE = 24, CHUNK = 16384 };

struct value {
    uint64_t a, b, c;
};
_Static_assert(sizeof(struct value) == VALUE_SIZE, "value must be 24 bytes");

static void die(const char *what, int err) {
    fprintf(stderr, "mapgen: %s: %s\n", what, strerror(err));
    exit(1);
}

static long parse_count(const char *s, long max) {
    char *end;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || *end || n < 1 || n > max) {
        fprintf(stderr, "mapgen: the count must be a number from 1 to %ld\n", max);
        exit(2);
    }
    return n;
}

static uint32_t map_id(int fd) {
    struct bpf_map_info info;
    uint32_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) die("BPF_OBJ_GET_INFO_BY_FD", errno);
    return info.id;
}

static int make_hash(long n, const char *pin) {
    int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_hash", sizeof(uint64_t), VALUE_SIZE,
                            (uint32_t)n, NULL);
    if (fd < 0) die("create the hash map", errno);

    uint64_t *keys = malloc(sizeof *keys * CHUNK);
    struct value *values = malloc(sizeof *values * CHUNK);
    if (!keys || !values) die("malloc", ENOMEM);
    for (long start = 0; start < n; start += CHUNK) {
        uint32_t count = (uint32_t)(n - start < CHUNK ? n - start : CHUNK);
        for (uint32_t i = 0; i < count; i++) {
            uint64_t k = (uint64_t)start + i;
            // Keys spread over the whole u64 range, so the dump is not one long run of zeros.
            keys[i] = k * 0x9E3779B97F4A7C15ull;
            values[i] = (struct value){k, k * 3 + 1, ~k};
        }
        uint32_t done = count;
        if (bpf_map_update_batch(fd, keys, values, &done, NULL) < 0 || done != count)
            die("BPF_MAP_UPDATE_BATCH", errno ? errno : EIO);
    }
    free(keys);
    free(values);

    if (bpf_obj_pin(fd, pin) < 0) die(pin, errno);
    printf("%u\n", map_id(fd));
    return 0;
}

// Creates n array maps; with dir, pins each as dir/arr-<i> and closes it, else keeps it open.
static int make_arrays(long n, const char *dir) {
    uint32_t first = 0, last = 0;
    char path[4096];
    for (long i = 0; i < n; i++) {
        int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_arr", sizeof(uint32_t),
                                sizeof(uint64_t), 1, NULL);
        if (fd < 0) die("create an array map", errno);
        uint32_t id = map_id(fd);
        if (i == 0) first = id;
        last = id;
        if (dir) {
            snprintf(path, sizeof path, "%s/arr-%ld", dir, i);
            if (bpf_obj_pin(fd, path) < 0) die(path, errno);
            close(fd);
        }
    }
    printf("%u %u\n", first, last);
    fflush(stdout);
    return 0;
}

static int make_held_arrays(long n) { return make_arrays(n, NULL); }

// Loads n socket_filter programs and keeps them open.
static int make_programs(long n) {
    struct bpf_insn insns[] = {
        {.code = 0xb7, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},  // r0 = 0
        {.code = 0x95, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},  // exit
    };
    uint32_t first = 0, last = 0;
    for (long i = 0; i < n; i++) {
        int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "bench_prog", "GPL", insns, 2, NULL);
        if (fd < 0) die("load a socket_filter program", errno);
        struct bpf_prog_info info;
        uint32_t len = sizeof info;
        memset(&info, 0, sizeof info);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0) die("BPF_OBJ_GET_INFO_BY_FD", errno);
        if (i == 0) first = info.id;
        last = info.id;
    }
    printf("%u %u\n", first, last);
    fflush(stdout);
    return 0;
}

static int hold(long n, int (*make)(long)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die("sigprocmask", errno);
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die("prctl", errno);
    if (getppid() != parent) return 1;  // the parent died before prctl took effect

    struct rlimit lim = {(rlim_t)n + 64, (rlim_t)n + 64};
    struct rlimit cur;
    if (getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_cur < lim.rlim_cur
        && setrlimit(RLIMIT_NOFILE, &lim) < 0)
        die("raise RLIMIT_NOFILE", errno);

    make(n);
    int sig;
    while (sigwait(&set, &sig) != 0) {}
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "hold") == 0) return hold(parse_count(argv[2], 100000), make_held_arrays);
    if (argc == 3 && strcmp(argv[1], "progs") == 0) return hold(parse_count(argv[2], 100000), make_programs);
    if (argc != 4) {
        fprintf(stderr, "usage: mapgen hash N PIN | mapgen arrays N DIR | mapgen hold N | mapgen progs N\n");
        return 2;
    }
    if (strcmp(argv[1], "hash") == 0) return make_hash(parse_count(argv[2], 50000000), argv[3]);
    if (strcmp(argv[1], "arrays") == 0) return make_arrays(parse_count(argv[2], 100000), argv[3]);
    fprintf(stderr, "mapgen: unknown mode '%s' (expected hash, arrays or hold)\n", argv[1]);
    return 2;
}
