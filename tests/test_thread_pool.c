/* The worker pool: every task runs exactly once per job, on 1 to 4 threads
 * and over many back-to-back jobs (the hand-over between jobs is where a
 * race would lose or repeat a task); lrp_pool_for covers [0, n) exactly,
 * with ranges that depend on n alone. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "parallel/pool.h"

#include "check.h"

typedef struct counts {
    atomic_int hits[256];
} counts;

static void hit(void *ctx, int task)
{
    counts *c = ctx;
    atomic_fetch_add(&c->hits[task], 1);
}

typedef struct cover {
    unsigned char *seen;
    size_t begin[LRP_MAX_RANGES], end[LRP_MAX_RANGES];
} cover;

static void mark(void *ctx, int range, size_t begin, size_t end)
{
    cover *c = ctx;
    c->begin[range] = begin;
    c->end[range] = end;
    for (size_t i = begin; i < end; i++)
        c->seen[i]++;
}

static void check_jobs(lrp_pool *pool, int threads)
{
    static counts c;
    for (int job = 0; job < 500; job++) {
        int n = 1 + job % 200;
        for (int t = 0; t < n; t++)
            atomic_store(&c.hits[t], 0);
        lrp_pool_run(pool, n, hit, &c);
        for (int t = 0; t < n; t++)
            CHECK(atomic_load(&c.hits[t]) == 1, "%d threads, job %d: task %d ran %d times",
                  threads, job, t, atomic_load(&c.hits[t]));
    }
}

static void check_ranges(lrp_pool *pool, int threads)
{
    const size_t sizes[] = {0, 1, 100, LRP_RANGE_FLOATS, LRP_RANGE_FLOATS + 1, 3000017};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        size_t n = sizes[s];
        cover c = {.seen = calloc(n + 1, 1)};
        lrp_pool_for(pool, n, mark, &c);
        size_t wrong = 0;
        for (size_t i = 0; i < n; i++)
            wrong += c.seen[i] != 1;
        CHECK(wrong == 0, "%d threads, n = %zu: %zu elements not covered exactly once", threads,
              n, wrong);
        int r = lrp_ranges(n);
        CHECK(r >= 1 && r <= LRP_MAX_RANGES, "n = %zu: %d ranges", n, r);
        /* the bounds are the same whatever the threads: range k of r */
        for (int k = 0; k < r && n > 0; k++)
            CHECK(c.begin[k] == n * (size_t)k / (size_t)r, "n = %zu: range %d starts at %zu", n,
                  k, c.begin[k]);
        free(c.seen);
    }
}

int main(void)
{
    for (int threads = 1; threads <= 4; threads++) {
        lrp_pool *pool = NULL;
        lrp_error err = {0};
        CHECK(lrp_pool_new(threads, &pool, &err) == LRP_OK, "pool of %d: %s", threads,
              err.message);
        check_jobs(pool, threads);
        check_ranges(pool, threads);
        lrp_pool_free(pool);
    }
    check_jobs(NULL, 1); /* no pool: the caller runs every task */
    lrp_pool *pool = NULL;
    lrp_error err = {0};
    CHECK(lrp_pool_new(0, &pool, &err) == LRP_ERR_ARG && !pool, "a pool of 0 threads was made");
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
