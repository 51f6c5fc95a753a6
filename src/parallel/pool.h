/* A fixed set of worker threads that run the tasks 0..n-1 of one job at a
 * time; the calling thread works too. Ops split their work into tasks whose
 * boundaries depend on shapes only, so results are the same for any number
 * of threads (each output element is computed by exactly one task). */
#ifndef LRP_PARALLEL_POOL_H
#define LRP_PARALLEL_POOL_H

#include "lrp.h"

typedef struct lrp_pool lrp_pool;

typedef void (*lrp_task_fn)(void *ctx, int task);

/* threads counts the caller: 1 starts no thread. */
lrp_status lrp_pool_new(int threads, lrp_pool **out, lrp_error *err);
void lrp_pool_free(lrp_pool *pool); /* joins the workers; NULL-safe */

/* Replaces *pool by a pool of 'threads' (NULL for 1, which starts none);
 * on failure *pool is left as it was. */
lrp_status lrp_pool_resize(lrp_pool **pool, int threads, lrp_error *err);

/* Runs fn(ctx, 0) .. fn(ctx, n_tasks - 1) and returns when all are done.
 * A NULL pool runs them in order on the calling thread. Not reentrant: a
 * task must not call lrp_pool_run on the same pool. */
void lrp_pool_run(lrp_pool *pool, int n_tasks, lrp_task_fn fn, void *ctx);

/* lrp_pool_for splits [0, n) into lrp_ranges(n) equal ranges, one per
 * LRP_RANGE_FLOATS elements rounded up and at most LRP_MAX_RANGES. Their
 * bounds depend on n alone: a caller that reduces keeps one partial per
 * range and adds them in order, and gets the same sum on any threads. */
enum { LRP_MAX_RANGES = 64, LRP_RANGE_FLOATS = 1 << 15 };

typedef void (*lrp_range_fn)(void *ctx, int range, size_t begin, size_t end);

/* The number of ranges lrp_pool_for uses for n elements, and range r of
 * 'ranges' equal ranges over [0, n): [*begin, *end). */
int lrp_ranges(size_t n);
void lrp_range_bounds(size_t n, int ranges, int r, size_t *begin, size_t *end);
void lrp_pool_for(lrp_pool *pool, size_t n, lrp_range_fn fn, void *ctx);

/* The same over n items that are each much work (image planes): one range
 * per item, at most LRP_MAX_RANGES. */
void lrp_pool_for_items(lrp_pool *pool, size_t n, lrp_range_fn fn, void *ctx);

#endif
