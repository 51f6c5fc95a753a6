/* Worker pool: a job is published under the mutex with a new generation
 * number; workers spin on the generation for a short while (jobs come
 * back to back during a forward pass, and a futex wake-up costs tens of
 * microseconds on a VM), then sleep on a condition variable. With more
 * threads than cores nobody spins: a spinning thread would hold the core
 * the thread it waits for needs. Tasks are claimed from one atomic word
 * that holds the job's generation, its task count and the next task, so a
 * worker that wakes late claims nothing of a later job; the caller waits
 * only for the tasks to be done, not for idle workers to show up (on a
 * shared machine a descheduled worker made every job wait for it). */
#include "parallel/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

enum { SPIN_ROUNDS = 1 << 15 }; /* about 100 µs of pause instructions */

struct lrp_pool {
    int threads;
    int spin;           /* rounds of busy waiting before sleeping */
    pthread_t *workers; /* threads - 1 */
    int started;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    bool stop;
    /* the current job */
    lrp_task_fn fn;
    void *ctx;
    _Atomic uint64_t claim; /* generation << 32 | tasks << 16 | next unclaimed task */
    atomic_int finished;    /* tasks of the current job done */
    atomic_uint generation;
};

enum { MAX_TASKS = 0xffff }; /* what 'claim' can count; larger jobs run on the caller */

/* The next task of job 'gen', or -1 when it has none left or is over. */
static int claim(lrp_pool *p, unsigned gen)
{
    uint64_t c = atomic_load(&p->claim);
    while ((unsigned)(c >> 32) == gen && (c & 0xffff) < ((c >> 16) & 0xffff))
        if (atomic_compare_exchange_weak(&p->claim, &c, c + 1))
            return (int)(c & 0xffff);
    return -1;
}

/* Runs tasks of job 'gen' while there are any; the one that finishes the
 * job wakes the caller. */
static void run_tasks(lrp_pool *p, unsigned gen, int n_tasks)
{
    for (int t; (t = claim(p, gen)) >= 0;) {
        p->fn(p->ctx, t);
        if (atomic_fetch_add(&p->finished, 1) + 1 == n_tasks) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

static void *worker(void *arg)
{
    lrp_pool *p = arg;
    unsigned seen = 0;
    for (;;) {
        for (int i = 0; i < p->spin && atomic_load(&p->generation) == seen; i++)
            cpu_relax();
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->generation) == seen && !p->stop)
            pthread_cond_wait(&p->wake, &p->mu);
        bool stop = p->stop;
        seen = atomic_load(&p->generation);
        int n_tasks = (int)((atomic_load(&p->claim) >> 16) & 0xffff);
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return NULL;
        run_tasks(p, seen, n_tasks);
    }
}

lrp_status lrp_pool_new(int threads, lrp_pool **out, lrp_error *err)
{
    *out = NULL;
    if (threads < 1)
        return lrp_error_set(err, LRP_ERR_ARG, "threads must be >= 1, not %d", threads);
    lrp_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)threads, sizeof *p->workers))) {
        free(p);
        return lrp_error_set(err, LRP_ERR_NOMEM, "out of memory");
    }
    p->threads = threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    p->spin = cores > 0 && threads > cores ? 0 : SPIN_ROUNDS;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    for (; p->started < threads - 1; p->started++)
        if (pthread_create(&p->workers[p->started], NULL, worker, p) != 0) {
            int failed = p->started + 1;
            lrp_pool_free(p);
            return lrp_error_set(err, LRP_ERR_NOMEM, "cannot start worker thread %d of %d",
                                 failed, threads - 1);
        }
    *out = p;
    return LRP_OK;
}

void lrp_pool_free(lrp_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->workers);
    free(p);
}

lrp_status lrp_pool_resize(lrp_pool **pool, int threads, lrp_error *err)
{
    lrp_pool *fresh = NULL;
    lrp_status st = threads == 1 ? LRP_OK : lrp_pool_new(threads, &fresh, err);
    if (st)
        return st;
    lrp_pool_free(*pool);
    *pool = fresh;
    return LRP_OK;
}

int lrp_ranges(size_t n)
{
    size_t r = (n + LRP_RANGE_FLOATS - 1) / LRP_RANGE_FLOATS;
    return r < 1 ? 1 : r > LRP_MAX_RANGES ? LRP_MAX_RANGES : (int)r;
}

typedef struct range_job {
    size_t n;
    int ranges;
    lrp_range_fn fn;
    void *ctx;
} range_job;

void lrp_range_bounds(size_t n, int ranges, int r, size_t *begin, size_t *end)
{
    *begin = n * (size_t)r / (size_t)ranges;
    *end = n * (size_t)(r + 1) / (size_t)ranges;
}

static void run_range(void *ctx, int t)
{
    const range_job *j = ctx;
    size_t begin, end;
    lrp_range_bounds(j->n, j->ranges, t, &begin, &end);
    j->fn(j->ctx, t, begin, end);
}

void lrp_pool_for(lrp_pool *pool, size_t n, lrp_range_fn fn, void *ctx)
{
    range_job j = {n, lrp_ranges(n), fn, ctx};
    lrp_pool_run(pool, j.ranges, run_range, &j);
}

void lrp_pool_for_items(lrp_pool *pool, size_t n, lrp_range_fn fn, void *ctx)
{
    range_job j = {n, n < LRP_MAX_RANGES ? (int)n : LRP_MAX_RANGES, fn, ctx};
    lrp_pool_run(pool, j.ranges, run_range, &j);
}

void lrp_pool_run(lrp_pool *p, int n_tasks, lrp_task_fn fn, void *ctx)
{
    if (!p || p->threads == 1 || n_tasks <= 1 || n_tasks > MAX_TASKS) {
        for (int t = 0; t < n_tasks; t++)
            fn(ctx, t);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->finished, 0);
    unsigned gen = atomic_load(&p->generation) + 1;
    atomic_store(&p->claim, (uint64_t)gen << 32 | (uint64_t)n_tasks << 16);
    atomic_store(&p->generation, gen);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, gen, n_tasks);
    for (int i = 0; i < p->spin && atomic_load(&p->finished) < n_tasks; i++)
        cpu_relax();
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->finished) < n_tasks)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
