/*
 * hearth-guest: the things Hearth's guest init cannot do with busybox alone.
 *
 *   hearth-guest frame TYPE ID   copies standard input to standard output as console frames, one line per read:
 *                                "\001H" TYPE " " ID " " base64(chunk) "\n", each written with a single write(2)
 *                                so frames from several writers never interleave and kernel text cannot be
 *                                mistaken for job output.
 *   hearth-guest exec-as UID GID PROG [ARG...]
 *                                drops every capability from the bounding set, sets no-new-privileges, becomes
 *                                UID:GID with no supplementary groups, then executes PROG (searched in PATH).
 *   hearth-guest reseed MILLIS   gives a VM started from a saved state (a snapshot clone, whose kernel random state
 *                                and clock are its template's) an identity of its own: standard input's bytes (up
 *                                to 256, from the host's SecureRandom) credited to the kernel's entropy pool, the
 *                                random generator reseeded at once (RNDADDENTROPY, RNDRESEEDCRNG), and the wall
 *                                clock set to MILLIS since the epoch.
 *
 * Built statically when the guest root filesystem is assembled (hearth image build-vm).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 3072

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t encode(const unsigned char *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16;
        if (i + 1 < n) v |= in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    return o;
}

static int write_all(const char *buf, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, buf, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        n -= (size_t) w;
    }
    return 0;
}

static int frame(const char *type, const char *id) {
    unsigned char in[CHUNK];
    char line[64 + CHUNK / 3 * 4 + 8];
    for (;;) {
        ssize_t r = read(0, in, sizeof in);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r == 0 ? 0 : 1;
        int head = snprintf(line, 64, "\001H%.1s %.16s ", type, id);
        size_t n = (size_t) head + encode(in, (size_t) r, line + head);
        line[n++] = '\n';
        if (write_all(line, n) != 0) return 1;
    }
}

static int exec_as(char **argv) {
    uid_t uid = (uid_t) strtoul(argv[0], NULL, 10);
    gid_t gid = (gid_t) strtoul(argv[1], NULL, 10);
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
            perror("hearth-guest: drop capability");
            return 126;
        }
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || setgroups(0, NULL) != 0 || setgid(gid) != 0
            || setuid(uid) != 0) {
        perror("hearth-guest: become the job's user");
        return 126;
    }
    execvp(argv[2], argv + 2);
    fprintf(stderr, "hearth-guest: cannot run %s: %s\n", argv[2], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

static int reseed(const char *millis) {
    struct {
        struct rand_pool_info info;
        unsigned char bytes[256];
    } seed;
    size_t n = 0;
    while (n < sizeof seed.bytes) {
        ssize_t r = read(0, seed.bytes + n, sizeof seed.bytes - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t) r;
    }
    char *end;
    long long ms = strtoll(millis, &end, 10);
    if (n < 32 || *end != '\0' || ms <= 0) {
        fprintf(stderr, "hearth-guest: reseed wants at least 32 bytes on standard input and MILLIS > 0\n");
        return 2;
    }
    seed.info.entropy_count = (int) (n * 8);
    seed.info.buf_size = (int) n;
    int fd = open("/dev/urandom", O_RDWR);
    if (fd < 0 || ioctl(fd, RNDADDENTROPY, &seed.info) != 0 || ioctl(fd, RNDRESEEDCRNG) != 0) {
        perror("hearth-guest: reseed the kernel's random generator");
        return 1;
    }
    close(fd);
    struct timespec now = {.tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000L};
    if (clock_settime(CLOCK_REALTIME, &now) != 0) {
        perror("hearth-guest: set the clock");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "frame") == 0) return frame(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "exec-as") == 0) return exec_as(argv + 2);
    if (argc == 3 && strcmp(argv[1], "reseed") == 0) return reseed(argv[2]);
    fprintf(stderr, "usage: hearth-guest frame TYPE ID | hearth-guest exec-as UID GID PROG [ARG...] | "
            "hearth-guest reseed MILLIS\n");
    return 2;
}
