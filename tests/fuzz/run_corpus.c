/* Replays a fuzz corpus without libFuzzer: every file under CORPUS/onnx,
 * CORPUS/npy and CORPUS/image goes through the matching fuzz target's entry
 * point in a child process of its own, so that a crash, a sanitizer report
 * (a leak included) or a hang names its file and the other files still run.
 * Files listed in CORPUS/known_crashes.txt reproduce open bugs: their
 * failure is expected (XFAIL), and their passing is an error until they are
 * taken off the list. Usage: run_corpus CORPUS_DIR [onnx|npy|image] */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_common.h"

#define TIMEOUT_SECONDS 60
#define SLOW_SECONDS 5.0

typedef struct target {
    const char *name;
    int (*one)(const uint8_t *data, size_t size);
} target;

static const target targets[] = {
    {"onnx", fuzz_onnx_one},
    {"npy", fuzz_npy_one},
    {"image", fuzz_image_one},
};

typedef struct tally {
    int files, failed, xfail, xpass;
} tally;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The whole file in a malloc'ed buffer of exactly its size (so ASan sees
 * reads past the end), or NULL. */
static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc(n ? (size_t)n : 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    *size = n > 0 ? (size_t)n : 0;
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of 'dir' in sorted order (so runs are reproducible). */
static int list_dir(const char *dir, char ***names)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0, cap = 0;
    *names = NULL;
    if (!d)
        return -1;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(*names, (size_t)cap * sizeof *grown);
            if (!grown)
                break;
            *names = grown;
        }
        char *copy = strdup(e->d_name);
        if (!copy)
            break;
        (*names)[n++] = copy;
    }
    closedir(d);
    if (n > 1)
        qsort(*names, (size_t)n, sizeof **names, by_name);
    return n;
}

/* Whether 'name' starts a line of known_crashes.txt (the file's text). */
static int is_known(const char *known, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = known; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
            return 1;
    return 0;
}

/* Runs t on one file in a child; 0 when it returned, else prints why not. */
static int run_child(const target *t, const char *path, int quiet)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("run_corpus: fork");
        return 1;
    }
    if (pid == 0) {
        size_t size;
        uint8_t *buf = slurp(path, &size);
        if (!buf) {
            fprintf(stderr, "run_corpus: cannot read %s\n", path);
            _exit(3);
        }
        if (quiet) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0)
                dup2(null, 2);
        }
        alarm(TIMEOUT_SECONDS);
        t->one(buf, size);
        free(buf);
        exit(0); /* not _exit: LeakSanitizer checks at exit */
    }
    int status;
    double t0 = now();
    while (waitpid(pid, &status, 0) < 0)
        ;
    if (now() - t0 > SLOW_SECONDS)
        printf("%s: slow, %.1f s\n", path, now() - t0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!quiet) {
        if (WIFSIGNALED(status))
            printf("%s: FAIL (killed by signal %d%s)\n", path, WTERMSIG(status),
                   WTERMSIG(status) == SIGALRM ? ": timeout" : "");
        else
            printf("%s: FAIL (exit %d: a sanitizer report on stderr)\n", path,
                   WEXITSTATUS(status));
    }
    return 1;
}

/* Feeds every file of root/<t->name> to t. */
static void run_target(const char *root, const target *t, const char *known, tally *n)
{
    char dir[4096], path[8192];
    char **names;
    int count;
    snprintf(dir, sizeof dir, "%s/%s", root, t->name);
    if ((count = list_dir(dir, &names)) < 0) {
        fprintf(stderr, "run_corpus: cannot open %s\n", dir);
        n->failed++;
        return;
    }
    double t0 = now();
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        int expected = is_known(known, names[i]);
        int bad = run_child(t, path, expected);
        if (expected && bad)
            printf("%s: XFAIL (a known bug, see known_crashes.txt)\n", path);
        else if (expected)
            printf("%s: XPASS (fixed? take it off known_crashes.txt)\n", path);
        n->files++;
        n->xfail += expected && bad;
        n->xpass += expected && !bad;
        n->failed += !expected && bad;
        free(names[i]);
    }
    free(names);
    printf("%-6s %4d files  %.2f s\n", t->name, count, now() - t0);
}

int main(int argc, char **argv)
{
    tally n = {0};
    int ran = 0;
    char path[4096];
    size_t size;
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: run_corpus CORPUS_DIR [onnx|npy|image]\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/known_crashes.txt", argv[1]);
    char *known = (char *)slurp(path, &size);
    if (known) {
        char *text = realloc(known, size + 1);
        known = text ? text : known;
        known[text ? size : 0] = '\0';
    }
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        if (argc == 2 || strcmp(argv[2], targets[i].name) == 0) {
            run_target(argv[1], &targets[i], known, &n);
            ran++;
        }
    free(known);
    if (!ran) {
        fprintf(stderr, "run_corpus: no target named %s\n", argv[2]);
        return 2;
    }
    printf("%d files: %d failed, %d known bugs (xfail), %d fixed (xpass)\n", n.files, n.failed,
           n.xfail, n.xpass);
    return n.failed || n.xpass ? 1 : 0;
}
