/* oneDNN's per-call objects (ops/conv_dnnl.c): once a conv has run, running
 * it again makes no oneDNN stream or memory object, whichever buffers and
 * threads it runs on, and gives the bits a fresh lrp_dnnl gives on the same
 * buffers; lrp_dnnl_free destroys every object made, also after the threads
 * that used them have exited (a resized pool; threads of their own, as
 * model forks run). Planning names the convs and makes no primitive;
 * lrp_dnnl_make_planned makes them all, on a pool's threads, and their
 * bits are those of convs made one by one on their first call. Counted by
 * wrapping oneDNN's create and destroy calls: the test executable's
 * definitions come before libdnnl's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <dnnl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/conv_dnnl.h"
#include "parallel/pool.h"

#include "check.h"

static atomic_long made, destroyed; /* memory objects and streams */
static atomic_long primitives, primitives_destroyed;

static dnnl_status_t (*real_memory_create)(dnnl_memory_t *, const dnnl_memory_desc_t *,
                                           dnnl_engine_t, void *);
static dnnl_status_t (*real_memory_destroy)(dnnl_memory_t);
static dnnl_status_t (*real_stream_create)(dnnl_stream_t *, dnnl_engine_t, unsigned);
static dnnl_status_t (*real_stream_destroy)(dnnl_stream_t);
static dnnl_status_t (*real_primitive_create)(dnnl_primitive_t *, const_dnnl_primitive_desc_t);
static dnnl_status_t (*real_primitive_destroy)(dnnl_primitive_t);

dnnl_status_t dnnl_memory_create(dnnl_memory_t *m, const dnnl_memory_desc_t *md,
                                 dnnl_engine_t engine, void *handle)
{
    dnnl_status_t st = real_memory_create(m, md, engine, handle);
    made += st == dnnl_success;
    return st;
}

dnnl_status_t dnnl_memory_destroy(dnnl_memory_t m)
{
    destroyed += m != NULL;
    return real_memory_destroy(m);
}

dnnl_status_t dnnl_stream_create(dnnl_stream_t *s, dnnl_engine_t engine, unsigned flags)
{
    dnnl_status_t st = real_stream_create(s, engine, flags);
    made += st == dnnl_success;
    return st;
}

dnnl_status_t dnnl_stream_destroy(dnnl_stream_t s)
{
    destroyed += s != NULL;
    return real_stream_destroy(s);
}

dnnl_status_t dnnl_primitive_create(dnnl_primitive_t *p, const_dnnl_primitive_desc_t pd)
{
    dnnl_status_t st = real_primitive_create(p, pd);
    primitives += st == dnnl_success;
    return st;
}

dnnl_status_t dnnl_primitive_destroy(dnnl_primitive_t p)
{
    primitives_destroyed += p != NULL;
    return real_primitive_destroy(p);
}

/* Set before any thread starts (no lazy lookup to race on). */
static void find_real_functions(void)
{
    *(void **)&real_memory_create = dlsym(RTLD_NEXT, "dnnl_memory_create");
    *(void **)&real_memory_destroy = dlsym(RTLD_NEXT, "dnnl_memory_destroy");
    *(void **)&real_stream_create = dlsym(RTLD_NEXT, "dnnl_stream_create");
    *(void **)&real_stream_destroy = dlsym(RTLD_NEXT, "dnnl_stream_destroy");
    *(void **)&real_primitive_create = dlsym(RTLD_NEXT, "dnnl_primitive_create");
    *(void **)&real_primitive_destroy = dlsym(RTLD_NEXT, "dnnl_primitive_destroy");
}

static unsigned rng_state = 2024u;
static float *random_buf(size_t n)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) {
        rng_state = rng_state * 1664525u + 1013904223u;
        p[i] = (float)((rng_state >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    return p;
}

/* A kxk stride-1 'same' conv of n images, c -> m channels, h x h. */
static lrp_conv_shape conv_shape(int64_t n, int64_t c, int64_t m, int64_t h, int64_t k)
{
    int64_t p = k / 2;
    return (lrp_conv_shape){.n = n,
                            .c_in = c,
                            .c_out = m,
                            .group = 1,
                            .g = {.in_h = h,
                                  .in_w = h,
                                  .out_h = h,
                                  .out_w = h,
                                  .kh = k,
                                  .kw = k,
                                  .sh = 1,
                                  .sw = 1,
                                  .dh = 1,
                                  .dw = 1,
                                  .pad_t = p,
                                  .pad_l = p,
                                  .pad_b = p,
                                  .pad_r = p}};
}

/* One conv's weights, bias and one set of tensors; run() fills y and dx. */
typedef struct conv_run {
    lrp_conv_shape s;
    const float *w, *b;
    float *x, *add, *dy, *y, *dx, *scratch;
    size_t nx, ny;
} conv_run;

static void run_alloc(conv_run *r, const lrp_conv_shape *s, const float *w, const float *b)
{
    *r = (conv_run){.s = *s, .w = w, .b = b};
    r->nx = (size_t)(s->n * s->c_in * s->g.in_h * s->g.in_w);
    r->ny = (size_t)(s->n * s->c_out * s->g.out_h * s->g.out_w);
    r->x = random_buf(r->nx), r->add = random_buf(r->ny), r->dy = random_buf(r->ny);
    r->y = calloc(r->ny, sizeof *r->y), r->dx = calloc(r->nx, sizeof *r->dx);
    r->scratch = malloc((lrp_dnnl_scratch_floats(s) + 1) * sizeof(float));
}

static void run_free(conv_run *r)
{
    free(r->x), free(r->add), free(r->dy), free(r->y), free(r->dx), free(r->scratch);
}

/* y = relu(conv(x) + b + add), dx = conv^T(dy), all of it on oneDNN (its
 * SSE4.1 kernels have no direct backward-data: dx stays 0 there). */
static void run(conv_run *r, lrp_dnnl *d, lrp_pool *pool)
{
    lrp_epilogue epi = {.add = r->add, .relu = true};
    memset(r->dx, 0, r->nx * sizeof *r->dx);
    int64_t fwd = lrp_dnnl_conv_forward(d, &r->s, r->x, r->w, r->b, r->y, &epi, r->scratch,
                                        pool, NULL);
    int64_t bwd = lrp_dnnl_conv_backward_add(d, &r->s, r->dy, r->w, r->dx, r->scratch, pool,
                                             NULL);
    CHECK(fwd == r->s.n && (bwd == r->s.n || strstr(lrp_dnnl_describe(), "sse41")),
          "oneDNN declined the conv of %lld -> %lld channels: %lld and %lld of %lld images",
          (long long)r->s.c_in, (long long)r->s.c_out, (long long)fwd, (long long)bwd,
          (long long)r->s.n);
}

static bool same(const conv_run *a, const conv_run *b)
{
    return memcmp(a->y, b->y, a->ny * sizeof *a->y) == 0 &&
           memcmp(a->dx, b->dx, a->nx * sizeof *a->dx) == 0;
}

enum { CONVS = 3, SETS = 2 };

/* The convs under test: 2 rounds of 8 images; 4 tiles of 16 channels per
 * image; a 1x1 (bf16: oneDNN's matmul). */
typedef struct convs {
    float *w[CONVS], *b[CONVS];
    conv_run set[SETS][CONVS]; /* two sets of buffers, different data */
} convs;

static void convs_alloc(convs *cv)
{
    const lrp_conv_shape shapes[CONVS] = {conv_shape(10, 32, 64, 16, 3),
                                          conv_shape(1, 64, 128, 14, 3),
                                          conv_shape(2, 64, 64, 12, 1)};
    for (int i = 0; i < CONVS; i++) {
        const lrp_conv_shape *s = &shapes[i];
        cv->w[i] = random_buf((size_t)(s->c_out * s->c_in * s->g.kh * s->g.kw));
        cv->b[i] = random_buf((size_t)s->c_out);
        for (int k = 0; k < SETS; k++)
            run_alloc(&cv->set[k][i], s, cv->w[i], cv->b[i]);
    }
}

static void convs_free(convs *cv)
{
    for (int i = 0; i < CONVS; i++) {
        free(cv->w[i]), free(cv->b[i]);
        for (int k = 0; k < SETS; k++)
            run_free(&cv->set[k][i]);
    }
}

static void run_set(convs *cv, int k, lrp_dnnl *d, lrp_pool *pool)
{
    for (int i = 0; i < CONVS; i++)
        run(&cv->set[k][i], d, pool);
}

/* A thread of its own running set k on d, as a model fork does. */
typedef struct fork_job {
    convs *cv;
    int k;
    lrp_dnnl *d;
} fork_job;

static void *fork_main(void *ctx)
{
    fork_job *j = ctx;
    for (int round = 0; round < 3; round++)
        run_set(j->cv, j->k, j->d, NULL);
    return NULL;
}

/* Set 0's results kept, then compared after everything else ran. */
static void keep(const convs *cv, float **y, float **dx)
{
    for (int i = 0; i < CONVS; i++) {
        const conv_run *r = &cv->set[0][i];
        y[i] = malloc(r->ny * sizeof *y[i]), dx[i] = malloc(r->nx * sizeof *dx[i]);
        memcpy(y[i], r->y, r->ny * sizeof *y[i]);
        memcpy(dx[i], r->dx, r->nx * sizeof *dx[i]);
    }
}

static void check_kept(const convs *cv, float **y, float **dx, const char *precision)
{
    for (int i = 0; i < CONVS; i++) {
        const conv_run *r = &cv->set[0][i];
        CHECK(memcmp(y[i], r->y, r->ny * sizeof *y[i]) == 0 &&
                  memcmp(dx[i], r->dx, r->nx * sizeof *dx[i]) == 0,
              "%s, conv %d: run again on the same buffers, other bits", precision, i);
        free(y[i]), free(dx[i]);
    }
}

/* Set 1 on a fresh lrp_dnnl (bf16: its twin) gives the bits d gave. */
static void check_fresh(convs *cv, bool twin, const char *precision)
{
    lrp_error err = {0};
    lrp_dnnl *fresh = NULL, *on = NULL;
    CHECK(lrp_dnnl_new(&fresh, &err) == LRP_OK, "oneDNN: %s", err.message);
    on = fresh;
    if (twin)
        CHECK(lrp_dnnl_bf16(fresh, &on, &err) == LRP_OK, "bf16: %s", err.message);
    for (int i = 0; i < CONVS; i++) {
        conv_run *r = &cv->set[1][i], again;
        run_alloc(&again, &r->s, cv->w[i], cv->b[i]);
        memcpy(again.x, r->x, r->nx * sizeof *r->x);
        memcpy(again.add, r->add, r->ny * sizeof *r->add);
        memcpy(again.dy, r->dy, r->ny * sizeof *r->dy);
        run(&again, on, NULL);
        CHECK(same(&again, r), "%s, conv %d: other bits than a fresh lrp_dnnl's", precision, i);
        run_free(&again);
    }
    lrp_dnnl_free(fresh);
}

/* d: an lrp_dnnl or its bf16 twin (twin). On one thread, a conv's calls
 * after its first make no object; on more, each runner makes at most the
 * objects one thread's makes (its stream and one per descriptor and
 * argument: 'per_runner'), and there are at most as many runners as
 * tasks ran at once (here 3). */
static void check_calls(lrp_dnnl *d, bool twin, const char *precision)
{
    convs cv;
    convs_alloc(&cv);
    printf("checking (%s): planning makes no primitive, lrp_dnnl_make_planned on 2 threads "
           "makes them all\n",
           precision);
    lrp_error err = {0};
    lrp_pool *pool = NULL;
    CHECK(lrp_pool_new(2, &pool, &err) == LRP_OK, "pool: %s", err.message);
    long named = primitives;
    lrp_dnnl_set_planning(true); /* the entries and their packed weights first */
    run_set(&cv, 0, d, NULL);
    CHECK(lrp_dnnl_set_planning(false), "set_planning(false) did not return the planning on");
    CHECK(primitives == named,
          "%s: planning made %ld primitives, want none before "
          "lrp_dnnl_make_planned",
          precision, primitives - named);
    lrp_dnnl_make_planned(d, pool);
    long planned = primitives;
    CHECK(planned > named, "%s: lrp_dnnl_make_planned made no primitive", precision);
    long before = made;
    run_set(&cv, 0, d, NULL);
    long per_runner = made - before;
    CHECK(primitives == planned,
          "%s: the first calls made %ld primitives the planned ones had not", precision,
          primitives - planned);
    printf("checking (%s): on one thread, the calls after the first make no oneDNN object\n",
           precision);
    float *y0[CONVS], *dx0[CONVS];
    keep(&cv, y0, dx0);
    before = made;
    run_set(&cv, 1, d, NULL);
    run_set(&cv, 0, d, NULL);
    CHECK(made == before, "%s: calls after the first made %ld oneDNN objects", precision,
          made - before);
    printf("checking (%s): other buffers, the bits of a fresh lrp_dnnl\n", precision);
    check_fresh(&cv, twin, precision);

    printf("checking (%s): on 2 and 3 pool threads and 2 threads of their own, at most %ld "
           "objects per runner\n",
           precision, per_runner);
    before = made;
    for (int k = 0; k < 6; k++)
        run_set(&cv, k % SETS, d, pool);
    CHECK(lrp_pool_resize(&pool, 3, &err) == LRP_OK, "resize: %s", err.message);
    for (int k = 0; k < 6; k++)
        run_set(&cv, k % SETS, d, pool);
    lrp_pool_free(pool);
    pthread_t threads[SETS];
    fork_job jobs[SETS];
    for (int k = 0; k < SETS; k++) {
        jobs[k] = (fork_job){.cv = &cv, .k = k, .d = d};
        CHECK(pthread_create(&threads[k], NULL, fork_main, &jobs[k]) == 0, "pthread_create");
    }
    for (int k = 0; k < SETS; k++)
        pthread_join(threads[k], NULL);
    /* the one-thread runner has all its objects: at most 2 more runners */
    CHECK(made - before <= 2 * per_runner,
          "%s: 18 calls on 2-3 threads made %ld oneDNN objects, want at most %ld", precision,
          made - before, 2 * per_runner);
    check_kept(&cv, y0, dx0, precision);
    convs_free(&cv);
}

int main(void)
{
    if (!lrp_dnnl_built()) {
        printf("skip: built without oneDNN\n");
        return 77;
    }
    find_real_functions();
    lrp_dnnl *d = NULL;
    lrp_error err = {0};
    CHECK(lrp_dnnl_new(&d, &err) == LRP_OK, "oneDNN: %s", err.message);
    if (d) {
        check_calls(d, false, "f32");
        lrp_dnnl *twin = NULL;
        if (lrp_dnnl_bf16(d, &twin, &err) == LRP_OK)
            check_calls(twin, true, "bf16");
        else
            printf("note: no bf16 (%s)\n", err.message);
    }
    lrp_dnnl_free(d);
    printf("checking: lrp_dnnl_free destroyed the %ld oneDNN objects made\n", (long)made);
    CHECK(made == destroyed, "made %ld oneDNN memory objects and streams, destroyed %ld",
          (long)made, (long)destroyed);
    printf("checking: and the %ld primitives made\n", (long)primitives);
    CHECK(primitives == primitives_destroyed, "made %ld oneDNN primitives, destroyed %ld",
          (long)primitives, (long)primitives_destroyed);
    return check_finish();
}
