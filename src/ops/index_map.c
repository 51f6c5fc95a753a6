/* The element-moving map of Pad, Slice and Transpose, and its adjoint. */
#include "ops/index_map.h"

#include <stdlib.h>
#include <string.h>

#include "graph/shapes.h"
#include "ops/op.h"

void lrp_index_map_identity(lrp_index_map *m, int rank)
{
    for (int d = 0; d < rank; d++) {
        m->axis[d] = d;
        m->start[d] = 0;
        m->step[d] = 1;
    }
}

/* Walks y's elements in order; calls visit(ctx, j, i) with i = the source
 * element's offset in x, or -1 for a fill. */
typedef void (*visit_fn)(void *ctx, size_t j, int64_t i);

static void walk(const lrp_index_map *m, const lrp_tensor *x, const lrp_tensor *y,
                 visit_fn visit, void *ctx)
{
    int64_t stride[LRP_MAX_RANK], at[LRP_MAX_RANK] = {0};
    int64_t s = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        stride[d] = s;
        s *= x->dims[d];
    }
    size_t count = lrp_tensor_count(y);
    for (size_t j = 0; j < count; j++) {
        int64_t i = 0;
        for (int d = 0; d < y->rank && i >= 0; d++) {
            if (m->step[d] == 0 && m->start[d] == 0)
                continue; /* a repeated or new dim: always its element 0 */
            int a = m->axis[d];
            int64_t c = m->start[d] + m->step[d] * at[d];
            i = c >= 0 && c < x->dims[a] ? i + c * stride[a] : -1;
        }
        visit(ctx, j, i);
        for (int d = y->rank - 1; d >= 0 && ++at[d] == y->dims[d]; d--)
            at[d] = 0;
    }
}

typedef struct copy_ctx {
    const char *x;
    char *y;
    const char *fill;
    size_t size; /* bytes per element */
} copy_ctx;

static void copy_one(void *ctx, size_t j, int64_t i)
{
    copy_ctx *c = ctx;
    if (i >= 0)
        memcpy(c->y + j * c->size, c->x + (size_t)i * c->size, c->size);
    else if (c->fill)
        memcpy(c->y + j * c->size, c->fill, c->size);
    else
        memset(c->y + j * c->size, 0, c->size);
}

void lrp_index_map_forward(const lrp_index_map *m, const lrp_tensor *x, lrp_tensor *y,
                           const void *fill)
{
    copy_ctx c = {x->data, y->data, fill, lrp_dtype_size(x->dtype)};
    walk(m, x, y, copy_one, &c);
}

typedef struct adjoint_ctx {
    const float *r_y;
    float *r_x;
} adjoint_ctx;

static void add_back(void *ctx, size_t j, int64_t i)
{
    adjoint_ctx *c = ctx;
    if (i >= 0)
        c->r_x[i] += c->r_y[j];
}

void lrp_index_map_adjoint(const lrp_index_map *m, const lrp_tensor *x, const lrp_tensor *y,
                           const float *r_y, float *r_x)
{
    adjoint_ctx c = {r_y, r_x};
    walk(m, x, y, add_back, &c);
}

void lrp_index_map_route(lrp_index_map_fn map, const lrp_node *n, const lrp_tensor *const *in,
                         const lrp_tensor *out, const float *r_out, float *const *r_in)
{
    lrp_index_map m;
    if (!r_in[0])
        return;
    map(n, in, out, &m);
    lrp_index_map_adjoint(&m, in[0], out, r_out, r_in[0]);
}

lrp_status lrp_index_map_fold(const lrp_node *n, const lrp_index_map *m, const lrp_tensor *x,
                              lrp_tensor *y, const void *fill, lrp_error *err)
{
    size_t bytes;
    lrp_status st;
    if (!x->data)
        return LRP_OK;
    if ((st = lrp_shapes_check_size(n, y, err)))
        return st;
    if (!lrp_mul_size(lrp_tensor_count(y), lrp_dtype_size(y->dtype), &bytes) ||
        !(y->data = malloc(bytes + 1)))
        return lrp_error_set(err, LRP_ERR_NOMEM, LRP_NODE_FMT "out of memory",
                             LRP_NODE_ARGS(n));
    lrp_index_map_forward(m, x, y, fill);
    return LRP_OK;
}

lrp_status lrp_index_map_check_batch(const lrp_node *n, const lrp_index_map *m,
                                     const lrp_tensor *x, const lrp_tensor *y, lrp_error *err)
{
    if (x->data || x->dtype != LRP_FLOAT || y->rank == 0)
        return LRP_OK;
    bool whole = m->axis[0] == 0 && m->start[0] == 0 && m->step[0] == 1 &&
                 x->dims[0] == y->dims[0];
    char xs[96], ys[96];
    if (!whole)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED,
                             LRP_NODE_FMT
                             "moves elements across "
                             "the batch axis 0 (input %s, output %s): only axes 1 and up "
                             "may be padded, sliced or permuted",
                             LRP_NODE_ARGS(n), lrp_tensor_shape_str(x, xs, sizeof xs),
                             lrp_tensor_shape_str(y, ys, sizeof ys));
    return LRP_OK;
}
