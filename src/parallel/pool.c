/* Worker pool: a job is published under the mutex with a new generation
 * number; workers spin on the generation for a short while (jobs come
 * back to back during a forward pass, and a futex wake-up costs tens of
 * microseconds on a VM), then sleep on a condition variable. With more
 * threads than cores nobody spins: a spinning thread would hold the core
 * the thread it waits for needs. Tasks are
 * claimed from an atomic counter; the caller waits until every worker has
 * left the job, so no worker can still be inside it when the next begins. */
#include "parallel/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
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
    int spin; /* rounds of busy waiting before sleeping */
    pthread_t *workers; /* threads - 1 */
    int started;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    bool stop;
    /* the current job */
    lrp_task_fn fn;
    void *ctx;
    int n_tasks;
    atomic_int next;      /* next unclaimed task */
    atomic_int busy;      /* workers not yet out of the current job */
    atomic_uint generation;
};

static void run_tasks(lrp_pool *p)
{
    for (int t; (t = atomic_fetch_add(&p->next, 1)) < p->n_tasks;)
        p->fn(p->ctx, t);
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
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return NULL;
        run_tasks(p);
        if (atomic_fetch_sub(&p->busy, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
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

static void run_range(void *ctx, int t)
{
    const range_job *j = ctx;
    size_t begin = j->n * (size_t)t / (size_t)j->ranges;
    size_t end = j->n * (size_t)(t + 1) / (size_t)j->ranges;
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
    if (!p || p->threads == 1 || n_tasks <= 1) {
        for (int t = 0; t < n_tasks; t++)
            fn(ctx, t);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    atomic_store(&p->next, 0);
    atomic_store(&p->busy, p->started);
    atomic_fetch_add(&p->generation, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p);
    for (int i = 0; i < p->spin && atomic_load(&p->busy) > 0; i++)
        cpu_relax();
    pthread_mutex_lock(&p->mu);
    while (atomic_load(&p->busy) > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
