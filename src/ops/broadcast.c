/* numpy broadcasting: output shapes, a loop plan that merges dims, and the
 * float32 / int64 elementwise kernels that run the plan. */
#include "ops/broadcast.h"

/* Dim i of t once aligned from the right to 'rank' dims (missing ones = 1). */
static int64_t aligned_dim(const lrp_tensor *t, int rank, int i)
{
    int k = i - (rank - t->rank);
    return k < 0 ? 1 : t->dims[k];
}

/* The broadcast of dims x and y; false when they clash. */
static bool merge_dim(int64_t x, int64_t y, int64_t *out)
{
    if (x == y || y == 1)
        *out = x;
    else if (x == 1)
        *out = y;
    else if (x < 0 || y < 0)
        *out = x < 0 ? y : x; /* the unknown side must equal the known one */
    else
        return false;
    return true;
}

lrp_status lrp_broadcast_shape(const lrp_node *n, const lrp_tensor *a, const lrp_tensor *b,
                               lrp_tensor *out, lrp_error *err)
{
    int rank = a->rank > b->rank ? a->rank : b->rank;
    char as[96], bs[96];
    for (int i = 0; i < rank; i++) {
        if (!merge_dim(aligned_dim(a, rank, i), aligned_dim(b, rank, i), &out->dims[i]))
            return lrp_error_set(err, LRP_ERR_SHAPE,
                                 LRP_NODE_FMT "shapes %s and %s do not broadcast "
                                              "(output dim %d: %lld vs %lld)",
                                 LRP_NODE_ARGS(n), lrp_tensor_shape_str(a, as, sizeof as),
                                 lrp_tensor_shape_str(b, bs, sizeof bs), i,
                                 (long long)aligned_dim(a, rank, i),
                                 (long long)aligned_dim(b, rank, i));
    }
    out->rank = rank;
    return LRP_OK;
}

/* Strides from the innermost merged dim out; a broadcast dim has stride 0
 * and does not advance the operand's contiguous offset. */
static void plan_strides(lrp_broadcast_plan *p, const int *bcast_a, const int *bcast_b)
{
    size_t sa = 1, sb = 1;
    for (int d = p->rank - 1; d >= 0; d--) {
        p->stride_a[d] = bcast_a[d] ? 0 : sa;
        p->stride_b[d] = bcast_b[d] ? 0 : sb;
        sa *= bcast_a[d] ? 1 : p->dims[d];
        sb *= bcast_b[d] ? 1 : p->dims[d];
    }
}

void lrp_broadcast_plan_make(const lrp_tensor *a, const lrp_tensor *b, const lrp_tensor *out,
                             lrp_broadcast_plan *p)
{
    int ba[LRP_MAX_RANK], bb[LRP_MAX_RANK];
    p->rank = 0;
    for (int i = 0; i < out->rank; i++) {
        size_t d = (size_t)out->dims[i];
        if (d == 1)
            continue; /* a size-1 dim is no loop at all */
        int xa = aligned_dim(a, out->rank, i) == 1, xb = aligned_dim(b, out->rank, i) == 1;
        if (p->rank > 0 && ba[p->rank - 1] == xa && bb[p->rank - 1] == xb) {
            p->dims[p->rank - 1] *= d;
            continue;
        }
        ba[p->rank] = xa;
        bb[p->rank] = xb;
        p->dims[p->rank++] = d;
    }
    if (p->rank == 0) { /* every dim is 1: a single element */
        ba[0] = bb[0] = 0;
        p->dims[p->rank++] = 1;
    }
    plan_strides(p, ba, bb);
}

/* y[0..len) = a op b where each operand steps by 1 or stays (stride 0):
 * one loop per stride pattern, so each vectorizes without branches. */
#define SPAN_LOOPS(T, EXPR)                                                                    \
    do {                                                                                       \
        if (sa && sb) {                                                                        \
            for (size_t i = 0; i < len; i++) {                                                 \
                T x = a[i], z = b[i];                                                          \
                y[i] = EXPR;                                                                   \
            }                                                                                  \
        } else if (sa) {                                                                       \
            T z = b[0];                                                                        \
            for (size_t i = 0; i < len; i++) {                                                 \
                T x = a[i];                                                                    \
                y[i] = EXPR;                                                                   \
            }                                                                                  \
        } else {                                                                               \
            T x = a[0];                                                                        \
            for (size_t i = 0; i < len; i++) {                                                 \
                T z = b[sb ? i : 0];                                                           \
                y[i] = EXPR;                                                                   \
            }                                                                                  \
        }                                                                                      \
    } while (0)

static void span_f32(lrp_binop op, const void *av, size_t sa, const void *bv, size_t sb,
                     void *yv, size_t len)
{
    const float *a = av, *b = bv;
    float *y = yv;
    switch (op) {
    case LRP_BINOP_ADD: SPAN_LOOPS(float, x + z); break;
    case LRP_BINOP_SUB: SPAN_LOOPS(float, x - z); break;
    case LRP_BINOP_MUL: SPAN_LOOPS(float, x *z); break;
    case LRP_BINOP_DIV: SPAN_LOOPS(float, x / z); break;
    }
}

/* int64 arithmetic wraps (through uint64) instead of overflowing, and
 * division by zero or INT64_MIN / -1 are defined, so no input is UB. */
static int64_t div_i64(int64_t x, int64_t z)
{
    if (z == 0)
        return 0;
    if (z == -1)
        return (int64_t)(0u - (uint64_t)x);
    return x / z;
}

static void span_i64(lrp_binop op, const void *av, size_t sa, const void *bv, size_t sb,
                     void *yv, size_t len)
{
    const int64_t *a = av, *b = bv;
    int64_t *y = yv;
    switch (op) {
    case LRP_BINOP_ADD: SPAN_LOOPS(int64_t, (int64_t)((uint64_t)x + (uint64_t)z)); break;
    case LRP_BINOP_SUB: SPAN_LOOPS(int64_t, (int64_t)((uint64_t)x - (uint64_t)z)); break;
    case LRP_BINOP_MUL: SPAN_LOOPS(int64_t, (int64_t)((uint64_t)x * (uint64_t)z)); break;
    case LRP_BINOP_DIV: SPAN_LOOPS(int64_t, div_i64(x, z)); break;
    }
}

typedef void (*span_fn)(lrp_binop op, const void *a, size_t sa, const void *b, size_t sb,
                        void *y, size_t len);

/* Runs span over the inner dim for every index of the outer dims
 * (an odometer over plan dims 0..rank-2); offsets count elements. */
static void plan_run(const lrp_broadcast_plan *p, lrp_binop op, const char *a, const char *b,
                     char *y, size_t esize, span_fn span)
{
    int last = p->rank - 1;
    size_t len = p->dims[last], outer = 1, idx[LRP_MAX_RANK] = {0}, oa = 0, ob = 0;
    for (int d = 0; d < last; d++)
        outer *= p->dims[d];
    for (size_t o = 0; o < outer; o++) {
        span(op, a + oa * esize, p->stride_a[last], b + ob * esize, p->stride_b[last],
             y + o * len * esize, len);
        for (int d = last - 1; d >= 0; d--) {
            oa += p->stride_a[d];
            ob += p->stride_b[d];
            if (++idx[d] < p->dims[d])
                break;
            oa -= p->stride_a[d] * p->dims[d];
            ob -= p->stride_b[d] * p->dims[d];
            idx[d] = 0;
        }
    }
}

static void run(lrp_binop op, const lrp_tensor *a, const lrp_tensor *b, lrp_tensor *out,
                size_t esize, span_fn span)
{
    size_t count = lrp_tensor_count(out);
    if (count == 0)
        return;
    /* Fast paths without a plan: equal shapes, or a scalar operand. */
    if (lrp_tensor_count(a) == count && lrp_tensor_count(b) == count &&
        lrp_tensor_same_shape(a, b)) {
        span(op, a->data, 1, b->data, 1, out->data, count);
        return;
    }
    if (lrp_tensor_count(a) == 1 || lrp_tensor_count(b) == 1) {
        span(op, a->data, lrp_tensor_count(a) != 1, b->data, lrp_tensor_count(b) != 1,
             out->data, count);
        return;
    }
    lrp_broadcast_plan plan;
    lrp_broadcast_plan_make(a, b, out, &plan);
    plan_run(&plan, op, a->data, b->data, out->data, esize, span);
}

void lrp_broadcast_f32(lrp_binop op, const lrp_tensor *a, const lrp_tensor *b, lrp_tensor *out)
{
    run(op, a, b, out, sizeof(float), span_f32);
}

typedef struct span_job {
    lrp_binop op;
    const float *a, *b; /* NULL: y = max(y, 0) only */
    float *y;
    bool relu;
} span_job;

static void span_range(void *ctx, int range, size_t begin, size_t end)
{
    (void)range;
    const span_job *j = ctx;
    if (j->a)
        span_f32(j->op, j->a + begin, 1, j->b + begin, 1, j->y + begin, end - begin);
    if (j->relu)
        for (size_t i = begin; i < end; i++)
            j->y[i] = j->y[i] > 0.0f ? j->y[i] : 0.0f;
}

void lrp_broadcast_f32_on(lrp_pool *pool, lrp_binop op, const lrp_tensor *a,
                          const lrp_tensor *b, lrp_tensor *out, bool relu)
{
    size_t count = lrp_tensor_count(out);
    span_job j = {op, a->data, b->data, out->data, relu};
    if (lrp_tensor_count(a) != count || lrp_tensor_count(b) != count) {
        lrp_broadcast_f32(op, a, b, out);
        j.a = j.b = NULL;
    }
    if (j.a || relu)
        lrp_pool_for(pool, count, span_range, &j);
}

void lrp_broadcast_i64(lrp_binop op, const lrp_tensor *a, const lrp_tensor *b, lrp_tensor *out)
{
    run(op, a, b, out, sizeof(int64_t), span_i64);
}
