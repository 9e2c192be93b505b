// loadgen: a small load generator for bench/run.
//
//   loadgen N PIDFILE
//
// Forks N idle children. Each child opens about 50 file descriptors (/dev/null, a few regular
// files in a temporary directory, pipes, a socketpair, an eventfd) and creates about 30 extra
// memory mappings that cannot merge with their neighbours (anonymous mappings with alternating
// PROT_READ and PROT_READ|PROT_WRITE, plus a few file-backed ones), then sleeps in pause().
// No mapping is ever touched, so a child's RSS stays at what fork() shares with the parent.
//
// The parent writes the children's pids to PIDFILE, one per line, prints "ready" on stdout once
// every child has finished its set-up, and waits. On SIGTERM, SIGINT or SIGHUP it SIGKILLs
// exactly its own children by pid, reaps them, removes the temporary directory and exits 0.
// Children die with the parent (PR_SET_PDEATHSIG = SIGKILL).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
    N_FILES = 4,        // regular files in the temp dir, each opened by every child
    N_DEVNULL = 36,     // /dev/null descriptors (including the dup'd stdin/stdout)
    N_PIPES = 3,        // 6 fds
    N_ANON = 24,        // anonymous mappings, alternating protections
    N_FILEMAPS = 6,     // file-backed mappings (MAP_PRIVATE, read-only and read-write)
    FILE_PAGES = 4,     // size of each regular file, in pages
};
// fds per child: 0, 1 and 2 (stdin and stdout pointed at /dev/null, stderr inherited), 34 more
// /dev/null, 4 regular files, 6 pipe ends, 2 socketpair ends, 1 eventfd = 50.

static char tmpdir[] = "/tmp/bpfnav-loadgen-XXXXXX";
static char files[N_FILES][64];
static pid_t *children;
static int nchildren;

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void cleanup_tmpdir(void) {
    for (int i = 0; i < N_FILES; i++)
        if (files[i][0]) unlink(files[i]);
    rmdir(tmpdir);
}

static void kill_children(void) {
    for (int i = 0; i < nchildren; i++)
        if (children[i] > 0) kill(children[i], SIGKILL);
    for (int i = 0; i < nchildren; i++)
        if (children[i] > 0) {
            while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR) {}
            children[i] = 0;
        }
}

// Runs in the child: set up descriptors and mappings, report readiness, sleep forever.
static void child_main(pid_t parent, int ready_fd, int other_end) {
    close(other_end);
    // Start from a known descriptor table: keep 0, 1, 2 and the readiness pipe only.
    if (ready_fd > 3) close_range(3, (unsigned)ready_fd - 1, 0);
    close_range((unsigned)ready_fd + 1, ~0U, 0);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) _exit(1);
    if (getppid() != parent) _exit(1);  // the parent died before prctl took effect

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);

    // stdout is the parent's "ready" channel (a pipe to bench/run); don't hold it open.
    int devnull = open("/dev/null", O_RDWR);
    if (devnull < 0) _exit(1);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDIN_FILENO);
    // devnull itself stays open; with 0 and 1 it makes 3 of the /dev/null descriptors.
    for (int i = 3; i < N_DEVNULL; i++)
        if (open("/dev/null", i % 2 ? O_RDONLY : O_WRONLY) < 0) _exit(1);

    int filefds[N_FILES];
    for (int i = 0; i < N_FILES; i++)
        if ((filefds[i] = open(files[i], i % 2 ? O_RDONLY : O_RDWR)) < 0) _exit(1);

    for (int i = 0; i < N_PIPES; i++) {
        int p[2];
        if (pipe(p) < 0) _exit(1);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) _exit(1);
    if (eventfd(0, EFD_CLOEXEC) < 0) _exit(1);

    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < N_ANON; i++) {
        int prot = i % 2 ? PROT_READ | PROT_WRITE : PROT_READ;
        if (mmap(NULL, (size_t)page * (1 + i % 3), prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            == MAP_FAILED)
            _exit(1);
    }
    for (int i = 0; i < N_FILEMAPS; i++) {
        int f = filefds[i % N_FILES];
        // MAP_PRIVATE needs only a readable fd, even with PROT_WRITE.
        int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        if (mmap(NULL, (size_t)page, prot, MAP_PRIVATE, f, (off_t)page * (i % FILE_PAGES))
            == MAP_FAILED)
            _exit(1);
    }

    char c = 'r';
    if (write(ready_fd, &c, 1) != 1) _exit(1);
    close(ready_fd);
    for (;;) pause();
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: loadgen N PIDFILE\n");
        return 2;
    }
    char *end;
    long n = strtol(argv[1], &end, 10);
    if (*end || n < 1 || n > 100000) {
        fprintf(stderr, "loadgen: N must be a number from 1 to 100000\n");
        return 2;
    }
    nchildren = (int)n;
    children = calloc((size_t)nchildren, sizeof *children);
    if (!children) die("calloc");

    // Block the signals we handle synchronously; children reset the mask.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) die("sigprocmask");

    if (!mkdtemp(tmpdir)) die("mkdtemp");
    long page = sysconf(_SC_PAGESIZE);
    char *buf = calloc(1, (size_t)page);
    if (!buf) die("calloc");
    for (int i = 0; i < N_FILES; i++) {
        snprintf(files[i], sizeof files[i], "%s/file%d", tmpdir, i);
        int f = open(files[i], O_CREAT | O_RDWR | O_TRUNC, 0600);
        if (f < 0) die("create temp file");
        memset(buf, 'a' + i, (size_t)page);
        for (int p = 0; p < FILE_PAGES; p++)
            if (write(f, buf, (size_t)page) != page) die("write temp file");
        close(f);
    }
    free(buf);

    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) { cleanup_tmpdir(); die("pipe"); }

    pid_t self = getpid();
    for (int i = 0; i < nchildren; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            int e = errno;
            kill_children();
            cleanup_tmpdir();
            errno = e;
            die("fork");
        }
        if (pid == 0) child_main(self, ready[1], ready[0]);
        children[i] = pid;
    }
    close(ready[1]);

    // Wait for one byte per child. EOF early means a child failed its set-up.
    int got = 0;
    while (got < nchildren) {
        char b[256];
        ssize_t r = read(ready[0], b, sizeof b);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            fprintf(stderr, "loadgen: only %d of %d children finished set-up\n", got, nchildren);
            kill_children();
            cleanup_tmpdir();
            return 1;
        }
        got += (int)r;
    }
    close(ready[0]);

    FILE *pf = fopen(argv[2], "w");
    if (!pf) {
        int e = errno;
        kill_children();
        cleanup_tmpdir();
        errno = e;
        die(argv[2]);
    }
    for (int i = 0; i < nchildren; i++) fprintf(pf, "%d\n", children[i]);
    if (fclose(pf) != 0) {
        kill_children();
        cleanup_tmpdir();
        die(argv[2]);
    }

    printf("ready\n");
    fflush(stdout);

    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig < 0) continue;
        if (sig == SIGCHLD) {
            // A child died on its own (someone else killed it): reap it, keep the rest.
            pid_t p;
            while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
                for (int i = 0; i < nchildren; i++)
                    if (children[i] == p) children[i] = 0;
            continue;
        }
        break;  // SIGTERM, SIGINT or SIGHUP
    }
    kill_children();
    cleanup_tmpdir();
    return 0;
}
