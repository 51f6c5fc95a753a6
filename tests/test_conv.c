/* Conv, the GEMM seam and the pools against plain-C references: direct
 * 7-loop convolution, the adjoint identity <conv(x), d> = <x, convT(d)>,
 * lrp_sgemm vs lrp_sgemm_ref, and hand-computed pooling windows. The conv
 * checks run on both backends (OpenBLAS, and oneDNN when built in), and
 * so does the refill of weights given back (lrp_conv_refill). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "blas/gemm.h"
#include "ops/conv.h"
#include "ops/conv_dnnl.h"
#include "ops/op.h"

#include "check.h"


static unsigned rng_state = 12345u;
static float rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

static float *random_buf(size_t n)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = rnd();
    return p;
}

/* A node with int-list attributes set from (name, count, values...) triples. */
typedef struct attr_spec {
    const char *name;
    int n;
    int64_t v[4];
} attr_spec;

static lrp_node make_node(const char *op_type, const attr_spec *specs, int n_specs,
                          int64_t group)
{
    lrp_node n = {.name = "test", .op_type = (char *)op_type, .op = lrp_op_find(op_type)};
    n.attrs = calloc((size_t)n_specs + 1, sizeof *n.attrs);
    for (int i = 0; i < n_specs; i++) {
        n.attrs[i] = (lrp_attr){.name = (char *)specs[i].name,
                                .type = LRP_ATTR_INTS,
                                .n = specs[i].n,
                                .ints = (int64_t *)specs[i].v};
    }
    n.n_attrs = n_specs;
    if (group > 1)
        n.attrs[n.n_attrs++] = (lrp_attr){.name = "group", .type = LRP_ATTR_INT, .i = group};
    return n;
}

static void free_node(lrp_node *n)
{
    free(n->attrs);
    free(n->params);
}

/* Direct convolution: y[n][m][oh][ow] = b[m] + sum x * w, zero padding. */
static void conv_direct(const lrp_conv_shape *s, const float *x, const float *w, const float *b,
                        float *y)
{
    const lrp_geom *g = &s->g;
    int64_t cg = s->c_in / s->group, mg = s->c_out / s->group;
    for (int64_t n = 0; n < s->n; n++)
        for (int64_t m = 0; m < s->c_out; m++)
            for (int64_t oh = 0; oh < g->out_h; oh++)
                for (int64_t ow = 0; ow < g->out_w; ow++) {
                    double acc = b ? b[m] : 0.0;
                    int64_t grp = m / mg;
                    for (int64_t c = 0; c < cg; c++)
                        for (int64_t i = 0; i < g->kh; i++)
                            for (int64_t j = 0; j < g->kw; j++) {
                                int64_t h = oh * g->sh - g->pad_t + i * g->dh;
                                int64_t ww = ow * g->sw - g->pad_l + j * g->dw;
                                if (h < 0 || h >= g->in_h || ww < 0 || ww >= g->in_w)
                                    continue;
                                acc += (double)x[((n * s->c_in + grp * cg + c) * g->in_h + h) *
                                                     g->in_w +
                                                 ww] *
                                       w[((m * cg + c) * g->kh + i) * g->kw + j];
                            }
                    y[((n * s->c_out + m) * g->out_h + oh) * g->out_w + ow] = (float)acc;
                }
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* sum |a_i b_i|: the scale of dot's rounding error when terms cancel */
static double abs_dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += fabs((double)a[i] * b[i]);
    return s;
}

typedef struct conv_case {
    const char *what;
    int64_t n, c, h, w, m, k, stride, pad, dilation, group;
    int64_t pad_end; /* bottom and right pads; 0: 'pad' */
} conv_case;

static void check_conv(const conv_case *cc, lrp_dnnl *dnnl, const char *backend)
{
    attr_spec specs[] = {
        {"strides", 2, {cc->stride, cc->stride}},
        {"pads",
         4,
         {cc->pad, cc->pad, cc->pad_end ? cc->pad_end : cc->pad,
          cc->pad_end ? cc->pad_end : cc->pad}},
        {"dilations", 2, {cc->dilation, cc->dilation}},
    };
    lrp_node node = make_node("Conv", specs, 3, cc->group);
    lrp_error err = {0};
    CHECK(node.op->parse(&node, &err) == LRP_OK, "%s: parse: %s", cc->what, err.message);
    lrp_tensor x = {LRP_FLOAT, 4, {cc->n, cc->c, cc->h, cc->w}, NULL};
    lrp_tensor w = {LRP_FLOAT, 4, {cc->m, cc->c / cc->group, cc->k, cc->k}, NULL};
    lrp_conv_shape s;
    CHECK(lrp_conv_shape_of(&node, &x, &w, &s, &err) == LRP_OK, "%s: %s", cc->what,
          err.message);
    size_t nx = lrp_tensor_count(&x), nw = lrp_tensor_count(&w);
    size_t ny = (size_t)(s.n * s.c_out * s.g.out_h * s.g.out_w);
    float *xd = random_buf(nx), *wd = random_buf(nw), *bd = random_buf((size_t)cc->m);
    float *y = calloc(ny, sizeof *y), *yref = calloc(ny, sizeof *y);
    float *scratch = malloc((lrp_conv_scratch_floats(&s) + 1) * sizeof(float));
    lrp_conv_forward(&s, xd, wd, bd, y, NULL, scratch, NULL, dnnl, NULL);
    conv_direct(&s, xd, wd, bd, yref);
    double max_err = 0.0;
    for (size_t i = 0; i < ny; i++)
        max_err = fmax(max_err, fabs((double)y[i] - yref[i]));
    CHECK(max_err < 1e-4, "%s, %s: conv differs from the direct loop by %g", backend, cc->what,
          max_err);

    /* the fused epilogue: max(conv + b + add, 0) */
    float *add = random_buf(ny);
    lrp_epilogue epi = {.add = add, .relu = true};
    lrp_conv_forward(&s, xd, wd, bd, y, &epi, scratch, NULL, dnnl, NULL);
    max_err = 0.0;
    for (size_t i = 0; i < ny; i++)
        max_err = fmax(max_err, fabs((double)y[i] - fmax(0.0, (double)yref[i] + add[i])));
    CHECK(max_err < 1e-4, "%s, %s: conv + add + relu differs by %g", backend, cc->what,
          max_err);
    free(add);

    /* adjoint: <conv(x) without bias, d> == <x, convT(d)> */
    float *d = random_buf(ny), *dx = calloc(nx, sizeof *dx);
    lrp_conv_forward(&s, xd, wd, NULL, y, NULL, scratch, NULL, dnnl, NULL);
    lrp_conv_backward_add(&s, d, wd, dx, scratch, NULL, dnnl, NULL);
    double lhs = dot(y, d, ny), rhs = dot(xd, dx, nx);
    CHECK(fabs(lhs - rhs) <= 1e-5 * fmax(1.0, abs_dot(y, d, ny)), "%s, %s: adjoint %g vs %g",
          backend, cc->what, lhs, rhs);

    /* the transpose adds into dx: twice from zero is twice once */
    float *dx2 = calloc(nx, sizeof *dx2);
    lrp_conv_backward_add(&s, d, wd, dx2, scratch, NULL, dnnl, NULL);
    lrp_conv_backward_add(&s, d, wd, dx2, scratch, NULL, dnnl, NULL);
    max_err = 0.0;
    for (size_t i = 0; i < nx; i++)
        max_err = fmax(max_err, fabs((double)dx2[i] - 2.0 * dx[i]));
    CHECK(max_err < 1e-4, "%s, %s: the transpose does not add into dx (%g)", backend, cc->what,
          max_err);
    free(dx2);

    /* oneDNN itself, not the fallback, did the blocked convs (its SSE4.1
       kernels have no direct backward-data) */
    if (dnnl && cc->group == 1 && cc->c % 16 == 0 && cc->m % 16 == 0) {
        CHECK(lrp_dnnl_conv_forward(dnnl, &s, xd, wd, NULL, y, NULL, scratch, NULL, NULL) ==
                  s.n,
              "%s: oneDNN declined the forward", cc->what);
        CHECK(lrp_dnnl_conv_backward_add(dnnl, &s, d, wd, dx, scratch, NULL, NULL) == s.n ||
                  strstr(lrp_dnnl_describe(), "sse41"),
              "%s: oneDNN declined the transpose", cc->what);
        lrp_conv_forward(&s, xd, wd, NULL, y, NULL, scratch, NULL, dnnl, NULL);
        memset(dx, 0, nx * sizeof *dx);
        lrp_conv_backward_add(&s, d, wd, dx, scratch, NULL, dnnl, NULL);
    }

    /* the same bits on 2 and 3 threads: tiles depend on the shape only;
       oneDNN's primitives made afresh on the pool's threads */
    for (int threads = 2; threads <= 3; threads++) {
        lrp_pool *pool = NULL;
        lrp_dnnl *fresh = NULL;
        CHECK(lrp_pool_new(threads, &pool, &err) == LRP_OK, "pool: %s", err.message);
        CHECK(!dnnl || lrp_dnnl_new(&fresh, &err) == LRP_OK, "oneDNN: %s", err.message);
        float *yt = calloc(ny, sizeof *yt), *dxt = calloc(nx, sizeof *dxt);
        lrp_conv_forward(&s, xd, wd, NULL, yt, NULL, scratch, pool, fresh, NULL);
        lrp_conv_backward_add(&s, d, wd, dxt, scratch, pool, fresh, NULL);
        CHECK(memcmp(yt, y, ny * sizeof *y) == 0, "%s, %s: forward on %d threads differs",
              backend, cc->what, threads);
        CHECK(memcmp(dxt, dx, nx * sizeof *dx) == 0, "%s, %s: transpose on %d threads differs",
              backend, cc->what, threads);
        free(yt), free(dxt);
        lrp_dnnl_free(fresh);
        lrp_pool_free(pool);
    }
    free(xd), free(wd), free(bd), free(y), free(yref), free(scratch), free(d), free(dx);
    free_node(&node);
}

/* Weights in pages that fault while given back, as rules/weights.c's lazy
 * copies once oneDNN holds them packed: refill_pages copies 'values' in. */
typedef struct given_back {
    float *w; /* 'bytes' of pages, PROT_NONE while given back */
    const float *values;
    size_t count, bytes;
    bool resident;
    int refills; /* refills that found the pages given back */
} given_back;

static void refill_pages(void *ctx)
{
    given_back *g = ctx;
    if (g->resident)
        return;
    CHECK(mprotect(g->w, g->bytes, PROT_READ | PROT_WRITE) == 0, "mprotect");
    memcpy(g->w, g->values, g->count * sizeof *g->w);
    g->resident = true;
    g->refills++;
}

static void give_back(given_back *g)
{
    madvise(g->w, g->bytes, MADV_DONTNEED);
    CHECK(mprotect(g->w, g->bytes, PROT_NONE) == 0, "mprotect");
    g->resident = false;
    g->refills = 0;
}

/* The kernels refill w before they read it: before oneDNN first packs it,
 * before OpenBLAS (all images without oneDNN; oneDNN has no grouped convs),
 * and not at all once oneDNN does every image from its packed copy (a
 * batch of more rounds than one included). A read of w given back faults.
 * The bits are those of the same call on w as ordinary memory. */
static void check_refill(const conv_case *cc, bool with_dnnl)
{
    lrp_dnnl *dnnl = NULL; /* a fresh one: an lrp_dnnl knows weights by address */
    const char *backend = with_dnnl ? "dnnl" : "openblas";
    attr_spec specs[] = {{"strides", 2, {cc->stride, cc->stride}},
                         {"pads", 4, {cc->pad, cc->pad, cc->pad, cc->pad}}};
    lrp_node node = make_node("Conv", specs, 2, cc->group);
    lrp_error err = {0};
    CHECK(node.op->parse(&node, &err) == LRP_OK, "%s: parse: %s", cc->what, err.message);
    CHECK(!with_dnnl || lrp_dnnl_new(&dnnl, &err) == LRP_OK, "oneDNN: %s", err.message);
    lrp_tensor xt = {LRP_FLOAT, 4, {cc->n, cc->c, cc->h, cc->w}, NULL};
    lrp_tensor wt = {LRP_FLOAT, 4, {cc->m, cc->c / cc->group, cc->k, cc->k}, NULL};
    lrp_conv_shape s;
    CHECK(lrp_conv_shape_of(&node, &xt, &wt, &s, &err) == LRP_OK, "%s: %s", cc->what,
          err.message);
    size_t nx = lrp_tensor_count(&xt), nw = lrp_tensor_count(&wt);
    size_t ny = (size_t)(s.n * s.c_out * s.g.out_h * s.g.out_w);
    float *x = random_buf(nx), *values = random_buf(nw), *b = random_buf((size_t)cc->m);
    float *dy = random_buf(ny), *y_want = calloc(ny, sizeof *y_want),
          *y = calloc(ny, sizeof *y);
    float *dx_want = calloc(nx, sizeof *dx_want), *dx = calloc(nx, sizeof *dx);
    float *scratch = malloc((lrp_conv_scratch_floats(&s) + 1) * sizeof(float));
    lrp_conv_forward(&s, x, values, b, y_want, NULL, scratch, NULL, dnnl, NULL);
    lrp_conv_backward_add(&s, dy, values, dx_want, scratch, NULL, dnnl, NULL);
    long page = sysconf(_SC_PAGESIZE);
    given_back g = {.values = values, .count = nw};
    g.bytes = (nw * sizeof(float) + (size_t)page - 1) / (size_t)page * (size_t)page;
    g.w = mmap(NULL, g.bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(g.w != MAP_FAILED, "mmap");
    lrp_conv_refill refill = {refill_pages, &g};
    bool packed = dnnl && s.group == 1; /* after the first call */
    bool packed_backward = packed && !strstr(lrp_dnnl_describe(), "sse41");
    for (int call = 0; call < 2; call++) {
        give_back(&g);
        lrp_conv_forward(&s, x, g.w, b, y, NULL, scratch, NULL, dnnl, &refill);
        CHECK(g.refills == (call && packed ? 0 : 1),
              "%s, %s, call %d: forward refilled %d times", backend, cc->what, call, g.refills);
        CHECK(memcmp(y, y_want, ny * sizeof *y) == 0, "%s, %s: forward differs", backend,
              cc->what);
        give_back(&g);
        memset(dx, 0, nx * sizeof *dx);
        lrp_conv_backward_add(&s, dy, g.w, dx, scratch, NULL, dnnl, &refill);
        CHECK(g.refills == (call && packed_backward ? 0 : 1),
              "%s, %s, call %d: transpose refilled %d times", backend, cc->what, call,
              g.refills);
        CHECK(memcmp(dx, dx_want, nx * sizeof *dx) == 0, "%s, %s: transpose differs", backend,
              cc->what);
    }
    lrp_dnnl_free(dnnl);
    munmap(g.w, g.bytes);
    free(x), free(values), free(b), free(dy), free(scratch), free(y_want), free(dx_want);
    free(y), free(dx);
    free_node(&node);
}

/* m = 1 too (one image through a dense layer: lrp_sgemm takes sgemv
 * there), with leading dimensions wider than the matrices; beta = 0 never
 * reads C, which holds NaN then. */
static void check_sgemm(void)
{
    for (int t = 0; t < 8; t++) {
        bool ta = t & 1, tb = t & 2;
        int m = t & 4 ? 1 : 7, n = 5, k = 9, pad = 3;
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad;
        float *a = random_buf(128), *b = random_buf(128), *c = random_buf(35);
        float *cref = malloc(35 * sizeof *cref), beta = t % 3 == 0 ? 0.0f : 2.0f;
        for (int i = 0; i < 35 && beta == 0.0f; i++)
            c[i] = NAN;
        memcpy(cref, c, 35 * sizeof *c);
        lrp_sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, beta, c, n);
        lrp_sgemm_ref(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, beta, cref, n);
        for (int i = 0; i < m * n; i++)
            CHECK(fabsf(c[i] - cref[i]) < 1e-5f, "sgemm trans %d, m %d: %g vs %g", t & 3, m,
                  c[i], cref[i]);
        free(a), free(b), free(c), free(cref);
    }
}

/* Runs a pool node on one 1x1xHxW plane and compares with 'want'. */
static void check_pool(const char *op, const attr_spec *specs, int n_specs, int64_t include_pad,
                       int h, int w, const float *x, int oh, int ow, const float *want)
{
    lrp_node node = make_node(op, specs, n_specs, 1);
    if (include_pad)
        node.attrs[node.n_attrs++] = (lrp_attr){.name = "count_include_pad",
                                                .type = LRP_ATTR_INT,
                                                .i = 1};
    lrp_error err = {0};
    CHECK(node.op->parse(&node, &err) == LRP_OK, "%s parse: %s", op, err.message);
    lrp_tensor in = {LRP_FLOAT, 4, {1, 1, h, w}, (void *)x}, out = {0};
    lrp_tensor *ins[1] = {&in}, *outs[1] = {&out};
    CHECK(node.op->infer(&node, ins, outs, &err) == LRP_OK, "%s infer: %s", op, err.message);
    CHECK(out.dims[2] == oh && out.dims[3] == ow, "%s: output %lldx%lld, want %dx%d", op,
          (long long)out.dims[2], (long long)out.dims[3], oh, ow);
    float y[64] = {0};
    out.data = y;
    lrp_forward_ctx scratch = {0};
    node.op->forward(&node, (const lrp_tensor *const *)ins, outs, &scratch);
    for (int i = 0; i < oh * ow; i++)
        CHECK(fabsf(y[i] - want[i]) < 1e-6f, "%s: y[%d] = %g, want %g", op, i, y[i], want[i]);
    free_node(&node);
}

static void check_pools(void)
{
    /* 4x4 ramp 0..15 */
    float x[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i;
    attr_spec k3s2p1[] = {{"kernel_shape", 2, {3, 3}},
                          {"strides", 2, {2, 2}},
                          {"pads", 4, {1, 1, 1, 1}}};
    const float max_want[4] = {5, 7, 13, 15};
    check_pool("MaxPool", k3s2p1, 3, 0, 4, 4, x, 2, 2, max_want);
    /* in-bounds windows: {0,1,4,5}, {1,2,3,5,6,7}, {4,5,8,9,12,13}, {5..7,9..11,13..15} */
    const float avg_want[4] = {10.0f / 4, 24.0f / 6, 51.0f / 6, 90.0f / 9};
    check_pool("AveragePool", k3s2p1, 3, 0, 4, 4, x, 2, 2, avg_want);
    /* count_include_pad: every window lies inside the padded 6x6, divisor 9 */
    const float avg_pad_want[4] = {10.0f / 9, 24.0f / 9, 51.0f / 9, 90.0f / 9};
    check_pool("AveragePool", k3s2p1, 3, 1, 4, 4, x, 2, 2, avg_pad_want);
    /* ceil_mode: 5x5 input, kernel 2 stride 2 -> 3x3; last window holds one column */
    float x5[25];
    for (int i = 0; i < 25; i++)
        x5[i] = (float)i;
    attr_spec k2s2[] = {{"kernel_shape", 2, {2, 2}}, {"strides", 2, {2, 2}}};
    lrp_node ceil_node = make_node("MaxPool", k2s2, 2, 1);
    ceil_node.attrs[ceil_node.n_attrs++] = (lrp_attr){.name = "ceil_mode",
                                                      .type = LRP_ATTR_INT,
                                                      .i = 1};
    lrp_error err = {0};
    CHECK(ceil_node.op->parse(&ceil_node, &err) == LRP_OK, "ceil parse");
    lrp_tensor in = {LRP_FLOAT, 4, {1, 1, 5, 5}, x5}, out = {0};
    lrp_tensor *ins[1] = {&in}, *outs[1] = {&out};
    CHECK(ceil_node.op->infer(&ceil_node, ins, outs, &err) == LRP_OK, "ceil infer");
    CHECK(out.dims[2] == 3 && out.dims[3] == 3, "ceil_mode: %lldx%lld, want 3x3",
          (long long)out.dims[2], (long long)out.dims[3]);
    float y[9];
    out.data = y;
    lrp_forward_ctx scratch = {0};
    ceil_node.op->forward(&ceil_node, (const lrp_tensor *const *)ins, outs, &scratch);
    CHECK(y[2] == 9.0f && y[8] == 24.0f, "ceil_mode values %g %g", y[2], y[8]);
    free_node(&ceil_node);
}

static void check_conv_errors(void)
{
    attr_spec none[] = {{"strides", 2, {1, 1}}};
    lrp_node node = make_node("Conv", none, 1, 3);
    lrp_error err = {0};
    node.op->parse(&node, &err);
    lrp_tensor x = {LRP_FLOAT, 4, {1, 4, 8, 8}, NULL}, w = {LRP_FLOAT, 4, {6, 2, 3, 3}, NULL};
    lrp_conv_shape s;
    CHECK(lrp_conv_shape_of(&node, &x, &w, &s, &err) == LRP_ERR_SHAPE,
          "group 3 not dividing 4 channels must fail");
    CHECK(strstr(err.message, "test") && strstr(err.message, "(1, 4, 8, 8)"),
          "message names node and shape: %s", err.message);
    lrp_tensor big = {LRP_FLOAT, 4, {3, 2, 9, 9}, NULL};
    lrp_node n1 = make_node("Conv", none, 1, 1);
    n1.op->parse(&n1, &err);
    lrp_tensor x2 = {LRP_FLOAT, 4, {1, 2, 8, 8}, NULL};
    CHECK(lrp_conv_shape_of(&n1, &x2, &big, &s, &err) == LRP_ERR_SHAPE,
          "kernel larger than the input must fail");
    free_node(&node);
    free_node(&n1);
}

int main(void)
{
    const conv_case cases[] = {
        {"3x3 pad 1", 2, 3, 9, 7, 4, 3, 1, 1, 1, 1, 0},
        {"7x7 stride 2 pad 3", 1, 3, 16, 16, 8, 7, 2, 3, 1, 1, 0},
        {"1x1 pointwise", 2, 8, 5, 5, 6, 1, 1, 0, 1, 1, 0},
        {"1x1 stride 2 (projection)", 1, 8, 6, 6, 4, 1, 2, 0, 1, 1, 0},
        {"grouped 3x3", 2, 8, 6, 6, 8, 3, 1, 1, 1, 4, 0},
        {"depthwise 3x3 stride 2", 1, 4, 7, 7, 4, 3, 2, 1, 1, 4, 0},
        {"dilated 3x3", 1, 2, 9, 9, 3, 3, 1, 2, 2, 1, 0},
        /* big enough to be split into tiles: by output column, by output
           channel (pointwise and im2col), by input channel, the stem */
        {"tiled 3x3 columns", 2, 16, 40, 40, 32, 3, 1, 1, 1, 1, 0},
        {"tiled 1x1 rows", 1, 256, 7, 7, 512, 1, 1, 0, 1, 1, 0},
        {"tiled 3x3 stride 2 rows", 1, 64, 14, 14, 128, 3, 2, 1, 1, 1, 0},
        {"tiled 7x7 stride 2 stem", 1, 3, 64, 64, 16, 7, 2, 3, 1, 1, 0},
        {"grouped 3x3, 8 groups", 1, 64, 20, 20, 64, 3, 1, 1, 1, 8, 0},
        /* oneDNN: 16-channel blocks on both sides, cut by block; a batch
           of more than one round of 8 images */
        {"blocked 3x3 stride 2", 2, 32, 15, 15, 64, 3, 2, 1, 1, 1, 0},
        {"batch of 10, 1x1", 10, 16, 9, 9, 32, 1, 1, 0, 1, 1, 0},
        {"blocked 1x1 stride 2 (projection)", 1, 64, 14, 14, 128, 1, 2, 0, 1, 1, 0},
        {"blocked 3x3, pads 1 before and 2 after", 1, 32, 13, 11, 32, 3, 2, 1, 1, 1, 2},
    };
    lrp_dnnl *dnnl = NULL;
    lrp_error err = {0};
    bool with_dnnl = lrp_dnnl_new(&dnnl, &err) == LRP_OK;
    CHECK(with_dnnl == lrp_dnnl_built(), "oneDNN built in but unusable: %s", err.message);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        check_conv(&cases[i], NULL, "openblas");
        if (with_dnnl)
            check_conv(&cases[i], dnnl, "dnnl");
    }
    const conv_case given_back_cases[] = {
        {"weights given back, blocked 3x3", 2, 32, 9, 9, 32, 3, 1, 1, 1, 1, 0},
        {"weights given back, grouped 3x3", 2, 8, 6, 6, 8, 3, 1, 1, 1, 4, 0},
        {"weights given back, batch of 10 (two rounds)", 10, 16, 5, 5, 16, 1, 1, 0, 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof given_back_cases / sizeof *given_back_cases; i++) {
        check_refill(&given_back_cases[i], false);
        if (with_dnnl)
            check_refill(&given_back_cases[i], true);
    }
    lrp_dnnl_free(dnnl);
    check_sgemm();
    check_pools();
    check_conv_errors();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
