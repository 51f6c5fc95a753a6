/* Tests of the basic ops (elementwise, shape, Constant, Softmax, ...): each
 * builds a node by hand, runs parse / infer / forward and compares against
 * hand-computed values. Returns 0 when every check passes, else 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/broadcast.h"
#include "ops/registry.h"

#include "check.h"

/* ---- checks ----------------------------------------------------------- */

static void check_ok_at(lrp_status st, const lrp_error *err, int line)
{
    if (st != LRP_OK) {
        fprintf(stderr, "test_ops_basic.c:%d: expected OK, got %s: %s\n", line,
                lrp_status_str(st), err->message);
        failures++;
    }
}
#define CHECK_OK(st, err) check_ok_at((st), &(err), __LINE__)

/* A failure with status 'want' whose message names the node and, when
 * 'also' is set, contains that text too (e.g. a shape). */
static void check_fail_at(lrp_status st, lrp_status want, const lrp_error *err,
                          const char *node, const char *also, int line)
{
    char quoted[128];
    snprintf(quoted, sizeof quoted, "node '%s'", node);
    if (st != want || !strstr(err->message, quoted) || (also && !strstr(err->message, also))) {
        fprintf(stderr, "test_ops_basic.c:%d: expected %s naming %s%s%s, got %s: %s\n", line,
                lrp_status_str(want), quoted, also ? " and " : "", also ? also : "",
                lrp_status_str(st), err->message);
        failures++;
    }
}
#define CHECK_FAIL(st, want, err, node, also)                                                  \
    check_fail_at((st), (want), &(err), (node), (also), __LINE__)

/* dims written as DIMS(2, 3): a pointer and a count */
#define DIMS(...)                                                                              \
    (const int64_t[]){__VA_ARGS__}, (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))

static void check_dims_at(const lrp_tensor *t, const int64_t *dims, int rank, int line)
{
    bool ok = t->rank == rank;
    for (int i = 0; ok && i < rank; i++)
        ok = t->dims[i] == dims[i];
    if (!ok) {
        char got[96];
        fprintf(stderr, "test_ops_basic.c:%d: unexpected shape %s\n", line,
                lrp_tensor_shape_str(t, got, sizeof got));
        failures++;
    }
}
#define CHECK_DIMS(t, ...) check_dims_at((t), DIMS(__VA_ARGS__), __LINE__)

static void check_floats_at(const void *got, const float *want, size_t n, float tol, int line)
{
    const float *g = got;
    for (size_t i = 0; g && i < n; i++)
        if (!(fabsf(g[i] - want[i]) <= tol)) {
            fprintf(stderr, "test_ops_basic.c:%d: [%zu] = %.9g, expected %.9g\n", line, i,
                    (double)g[i], (double)want[i]);
            failures++;
            return;
        }
    if (!g) {
        fprintf(stderr, "test_ops_basic.c:%d: no float data\n", line);
        failures++;
    }
}
#define CHECK_FLOATS(got, tol, ...)                                                            \
    check_floats_at((got), (const float[]){__VA_ARGS__},                                       \
                    sizeof((float[]){__VA_ARGS__}) / sizeof(float), (tol), __LINE__)

static void check_ints_at(const void *got, const int64_t *want, size_t n, int line)
{
    const int64_t *g = got;
    if (!g) {
        fprintf(stderr, "test_ops_basic.c:%d: no int64 data\n", line);
        failures++;
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (g[i] != want[i]) {
            fprintf(stderr, "test_ops_basic.c:%d: [%zu] = %lld, expected %lld\n", line, i,
                    (long long)g[i], (long long)want[i]);
            failures++;
            return;
        }
}
#define CHECK_INTS(got, ...)                                                                   \
    check_ints_at((got), (const int64_t[]){__VA_ARGS__},                                       \
                  sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), __LINE__)

/* ---- building nodes and tensors --------------------------------------- */

static lrp_tensor ten(lrp_dtype dtype, void *data, const int64_t *dims, int rank)
{
    lrp_tensor t = {.dtype = dtype, .rank = rank, .data = data};
    for (int i = 0; i < rank; i++)
        t.dims[i] = dims[i];
    return t;
}

static lrp_attr attr_int(const char *name, int64_t v)
{
    return (lrp_attr){.name = (char *)name, .type = LRP_ATTR_INT, .i = v};
}

static lrp_attr attr_float(const char *name, float v)
{
    return (lrp_attr){.name = (char *)name, .type = LRP_ATTR_FLOAT, .f = v};
}

static lrp_attr attr_ints(const char *name, int64_t *v, int n)
{
    return (lrp_attr){.name = (char *)name, .type = LRP_ATTR_INTS, .ints = v, .n = n};
}

static lrp_attr attr_floats(const char *name, float *v, int n)
{
    return (lrp_attr){.name = (char *)name, .type = LRP_ATTR_FLOATS, .floats = v, .n = n};
}

static lrp_attr attr_tensor(const char *name, lrp_tensor t)
{
    return (lrp_attr){.name = (char *)name, .type = LRP_ATTR_TENSOR, .t = t};
}

/* A node as the importer would build it; attrs stay the caller's. */
static lrp_node node(const char *name, const char *op_type, int n_inputs, lrp_attr *attrs,
                     int n_attrs)
{
    return (lrp_node){.name = (char *)name,
                      .op_type = (char *)op_type,
                      .op = lrp_op_find(op_type),
                      .n_inputs = n_inputs,
                      .n_outputs = 1,
                      .attrs = attrs,
                      .n_attrs = n_attrs};
}

/* parse (once) + infer into a zeroed *out. */
static lrp_status infer(lrp_node *n, lrp_tensor **in, lrp_tensor *out, lrp_error *err)
{
    lrp_tensor *outs[1] = {out};
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    if (!n->op)
        return lrp_error_set(err, LRP_ERR_UNSUPPORTED, "no op %s", n->op_type);
    lrp_status st = n->op->parse && !n->params ? n->op->parse(n, err) : LRP_OK;
    return st ? st : n->op->infer(n, in, outs, err);
}

/* forward into freshly allocated out->data (replacing folded data). */
static void forward(lrp_node *n, lrp_tensor **in, lrp_tensor *out)
{
    lrp_tensor *outs[1] = {out};
    lrp_forward_ctx scratch = {0};
    free(out->data);
    out->data = calloc(lrp_tensor_count(out) * lrp_dtype_size(out->dtype) + 1, 1);
    n->op->forward(n, (const lrp_tensor *const *)in, outs, &scratch);
}

static void done(lrp_node *n, lrp_tensor *out)
{
    free(n->params);
    n->params = NULL;
    free(out->data);
    out->data = NULL;
}

/* ---- Relu, Clip ------------------------------------------------------- */

static void test_relu(void)
{
    float xd[] = {-1.5f, 0.0f, 2.0f, -0.0f, 3.25f, -7.0f};
    int64_t id[] = {1, -2};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(2, 3)), xi = ten(LRP_INT64, id, DIMS(2));
    lrp_tensor y, *in[] = {&x}, *in_i[] = {&xi};
    lrp_error err;
    lrp_node n = node("act1", "Relu", 1, NULL, 0);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 2, 3);
    EXPECT(y.dtype == LRP_FLOAT && y.data == NULL);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 0.0f, 0, 0, 2, 0, 3.25f, 0);
    done(&n, &y);
    CHECK_FAIL(infer(&n, in_i, &y, &err), LRP_ERR_UNSUPPORTED, err, "act1", "int64");
    done(&n, &y);
}

static void test_clip_inputs(void)
{
    float xd[] = {-2.0f, -0.5f, 0.0f, 0.5f, 2.0f}, lo = -1.0f, hi = 1.0f;
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(5)), tlo = ten(LRP_FLOAT, &lo, NULL, 0);
    lrp_tensor thi = ten(LRP_FLOAT, &hi, DIMS(1)), y;
    lrp_tensor *in[] = {&x, &tlo, &thi}, *in_max[] = {&x, NULL, &thi};
    lrp_error err;
    lrp_node n = node("clip", "Clip", 3, NULL, 0);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 5);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 0.0f, -1, -0.5f, 0, 0.5f, 1);
    done(&n, &y);
    CHECK_OK(infer(&n, in_max, &y, &err), err); /* min omitted */
    forward(&n, in_max, &y);
    CHECK_FLOATS(y.data, 0.0f, -2, -0.5f, 0, 0.5f, 1);
    done(&n, &y);
    tlo.data = NULL; /* a computed bound */
    CHECK_FAIL(infer(&n, in, &y, &err), LRP_ERR_UNSUPPORTED, err, "clip", "min");
    done(&n, &y);
}

static void test_clip_attrs(void)
{
    float xd[] = {-2.0f, 3.0f, 7.0f};
    lrp_attr attrs[] = {attr_float("min", 0.0f), attr_float("max", 6.0f)};
    lrp_attr bad[] = {attr_int("max", 6)};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(1, 3)), y, *in[] = {&x};
    lrp_error err;
    lrp_node n = node("relu6", "Clip", 1, attrs, 2);
    CHECK_OK(infer(&n, in, &y, &err), err);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 0.0f, 0, 3, 6);
    done(&n, &y);
    lrp_node m = node("relu6b", "Clip", 1, bad, 1);
    CHECK_FAIL(infer(&m, in, &y, &err), LRP_ERR_PARSE, err, "relu6b", "max");
    done(&m, &y);
}

/* ---- Add, Sub, Mul, Div ----------------------------------------------- */

static void test_div_broadcast(void)
{
    float ad[] = {1, 2, 3, 4, 5, 6}, bd[] = {1, 2, 4};
    lrp_tensor a = ten(LRP_FLOAT, ad, DIMS(2, 3)), b = ten(LRP_FLOAT, bd, DIMS(3));
    lrp_tensor y, *in[] = {&a, &b};
    lrp_error err;
    lrp_node n = node("div", "Div", 2, NULL, 0);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 2, 3);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 0.0f, 1, 1, 0.75f, 4, 2.5f, 1.5f);
    done(&n, &y);
}

static void test_binary_fast_paths(void)
{
    float xd[8] = {1, 2, 3, 4, 5, 6, 7, 8}, cd[] = {10, 20}, s = 0.5f;
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(1, 2, 2, 2)), c = ten(LRP_FLOAT, cd, DIMS(2, 1, 1));
    lrp_tensor sc = ten(LRP_FLOAT, &s, NULL, 0), y;
    lrp_tensor *per_channel[] = {&x, &c}, *scalar[] = {&sc, &x}, *same[] = {&x, &x};
    lrp_error err;
    lrp_node add = node("add", "Add", 2, NULL, 0), sub = node("sub", "Sub", 2, NULL, 0);
    lrp_node mul = node("mul", "Mul", 2, NULL, 0);
    CHECK_OK(infer(&add, per_channel, &y, &err), err);
    CHECK_DIMS(&y, 1, 2, 2, 2);
    forward(&add, per_channel, &y);
    CHECK_FLOATS(y.data, 0.0f, 11, 12, 13, 14, 25, 26, 27, 28);
    done(&add, &y);
    CHECK_OK(infer(&sub, scalar, &y, &err), err);
    forward(&sub, scalar, &y);
    CHECK_FLOATS(y.data, 0.0f, -0.5f, -1.5f, -2.5f, -3.5f, -4.5f, -5.5f, -6.5f, -7.5f);
    done(&sub, &y);
    CHECK_OK(infer(&mul, same, &y, &err), err);
    forward(&mul, same, &y);
    CHECK_FLOATS(y.data, 0.0f, 1, 4, 9, 16, 25, 36, 49, 64);
    done(&mul, &y);
}

/* Index of out element 'flat' in operand t (aligned right, size-1 dims
 * broadcast): the slow, obvious reference for the kernel. */
static size_t ref_index(const lrp_tensor *t, const lrp_tensor *out, size_t flat)
{
    size_t idx = 0, stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        size_t coord = flat % (size_t)out->dims[d];
        flat /= (size_t)out->dims[d];
        int k = d - (out->rank - t->rank);
        if (k < 0)
            continue;
        idx += (t->dims[k] == 1 ? 0 : coord) * stride;
        stride *= (size_t)t->dims[k];
    }
    return idx;
}

static void check_broadcast_case(const int64_t *ad, int ar, const int64_t *bd, int br, int line)
{
    float a[120], b[120], y[120];
    lrp_tensor ta = ten(LRP_FLOAT, a, ad, ar), tb = ten(LRP_FLOAT, b, bd, br), ty = {0};
    lrp_node n = node("bc", "Sub", 2, NULL, 0);
    lrp_error err;
    for (int i = 0; i < 120; i++) {
        a[i] = (float)(i * 7 % 13);
        b[i] = (float)(i * 5 % 11) / 4.0f;
    }
    CHECK_OK(lrp_broadcast_shape(&n, &ta, &tb, &ty, &err), err);
    ty.data = y;
    lrp_broadcast_f32(LRP_BINOP_SUB, &ta, &tb, &ty);
    for (size_t i = 0; i < lrp_tensor_count(&ty); i++)
        if (y[i] != a[ref_index(&ta, &ty, i)] - b[ref_index(&tb, &ty, i)]) {
            fprintf(stderr, "test_ops_basic.c:%d: broadcast element %zu wrong\n", line, i);
            failures++;
            return;
        }
}
#define CHECK_BROADCAST(a, b) check_broadcast_case(a, b, __LINE__)

static void test_broadcast_kernel(void)
{
    CHECK_BROADCAST(DIMS(2, 3, 4, 5), DIMS(3, 1, 5));
    CHECK_BROADCAST(DIMS(2, 3, 4, 5), DIMS(1));
    CHECK_BROADCAST(DIMS(4, 1), DIMS(2, 3, 4, 5));
    CHECK_BROADCAST(DIMS(2, 1, 4, 1), DIMS(3, 1, 5));
    CHECK_BROADCAST(DIMS(3, 1), DIMS(1, 4));
    CHECK_BROADCAST(DIMS(1, 3, 1, 1), DIMS(2, 3, 4, 5));
    CHECK_BROADCAST(DIMS(2, 3, 4, 5), DIMS(2, 3, 4, 5));
}

static void test_broadcast_shapes(void)
{
    lrp_node n = node("bs", "Add", 2, NULL, 0);
    lrp_error err;
    lrp_tensor y;
    lrp_tensor a = ten(LRP_FLOAT, NULL, DIMS(-1, 3)), b = ten(LRP_FLOAT, NULL, DIMS(1, 3));
    CHECK_OK(lrp_broadcast_shape(&n, &a, &b, &y, &err), err);
    CHECK_DIMS(&y, -1, 3);
    a = ten(LRP_FLOAT, NULL, DIMS(-1, 1));
    b = ten(LRP_FLOAT, NULL, DIMS(1, -1));
    CHECK_OK(lrp_broadcast_shape(&n, &a, &b, &y, &err), err);
    CHECK_DIMS(&y, -1, -1);
    a = ten(LRP_FLOAT, NULL, DIMS(-1));
    b = ten(LRP_FLOAT, NULL, DIMS(2, 5));
    CHECK_OK(lrp_broadcast_shape(&n, &a, &b, &y, &err), err);
    CHECK_DIMS(&y, 2, 5);
    a = ten(LRP_FLOAT, NULL, DIMS(2, 3));
    b = ten(LRP_FLOAT, NULL, DIMS(4));
    CHECK_FAIL(lrp_broadcast_shape(&n, &a, &b, &y, &err), LRP_ERR_SHAPE, err, "bs",
               "(2, 3) and (4,)");
}

static void test_binary_int64(void)
{
    int64_t ad[] = {2, 3}, bd[] = {4}, zd[] = {0};
    float fd[] = {1, 2};
    lrp_tensor a = ten(LRP_INT64, ad, DIMS(2)), b = ten(LRP_INT64, bd, DIMS(1));
    lrp_tensor z = ten(LRP_INT64, zd, DIMS(1)), f = ten(LRP_FLOAT, fd, DIMS(2)), y;
    lrp_tensor *in[] = {&a, &b}, *by_zero[] = {&a, &z}, *mixed[] = {&a, &f};
    lrp_error err;
    lrp_node mul = node("mul_i", "Mul", 2, NULL, 0), div = node("div_i", "Div", 2, NULL, 0);
    CHECK_OK(infer(&mul, in, &y, &err), err); /* folded at infer time */
    EXPECT(y.dtype == LRP_INT64);
    CHECK_DIMS(&y, 2);
    CHECK_INTS(y.data, 8, 12);
    done(&mul, &y);
    b.data = NULL; /* not known yet: shape only, forward() computes */
    CHECK_OK(infer(&mul, in, &y, &err), err);
    EXPECT(y.data == NULL);
    b.data = bd;
    forward(&mul, in, &y);
    CHECK_INTS(y.data, 8, 12);
    done(&mul, &y);
    CHECK_OK(infer(&div, in, &y, &err), err);
    CHECK_INTS(y.data, 0, 0);
    done(&div, &y);
    CHECK_FAIL(infer(&div, by_zero, &y, &err), LRP_ERR_SHAPE, err, "div_i", "zero");
    CHECK_FAIL(infer(&div, mixed, &y, &err), LRP_ERR_UNSUPPORTED, err, "div_i", "float32");
    done(&div, &y);
}

/* ---- Flatten, Reshape, Identity, Dropout ------------------------------ */

static void check_flatten(int64_t axis, const int64_t *want, int line)
{
    float xd[24];
    lrp_attr attrs[] = {attr_int("axis", axis)};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(2, 3, 4)), y, *in[] = {&x};
    lrp_node n = node("flat", "Flatten", 1, attrs, 1);
    lrp_error err;
    for (int i = 0; i < 24; i++)
        xd[i] = (float)i;
    check_ok_at(infer(&n, in, &y, &err), &err, line);
    check_dims_at(&y, want, 2, line);
    forward(&n, in, &y);
    check_floats_at(y.data, xd, 24, 0.0f, line);
    done(&n, &y);
}

static void test_flatten(void)
{
    check_flatten(1, (int64_t[]){2, 12}, __LINE__);
    check_flatten(0, (int64_t[]){1, 24}, __LINE__);
    check_flatten(-1, (int64_t[]){6, 4}, __LINE__);
    check_flatten(3, (int64_t[]){24, 1}, __LINE__);
    lrp_attr big[] = {attr_int("axis", 4)}, wrong[] = {attr_float("axis", 1.0f)};
    lrp_tensor x = ten(LRP_FLOAT, NULL, DIMS(-1, 512, 1, 1)), y, *in[] = {&x};
    lrp_error err;
    lrp_node n = node("fl", "Flatten", 1, NULL, 0);
    CHECK_OK(infer(&n, in, &y, &err), err); /* unknown batch */
    CHECK_DIMS(&y, -1, 512);
    done(&n, &y);
    lrp_node m = node("fl_big", "Flatten", 1, big, 1);
    x.rank = 3;
    CHECK_FAIL(infer(&m, in, &y, &err), LRP_ERR_SHAPE, err, "fl_big", "(?, 512, 1)");
    done(&m, &y);
    lrp_node w = node("fl_type", "Flatten", 1, wrong, 1);
    CHECK_FAIL(infer(&w, in, &y, &err), LRP_ERR_PARSE, err, "fl_type", "axis");
    done(&w, &y);
}

/* Reshape of X to the shape s[len]; checks Y's dims. */
static void check_reshape(const int64_t *xdims, int xrank, const int64_t *s, int len,
                          const int64_t *want, int line)
{
    lrp_tensor x = ten(LRP_FLOAT, NULL, xdims, xrank);
    lrp_tensor sh = ten(LRP_INT64, (void *)s, &(int64_t){len}, 1);
    lrp_tensor y, *in[] = {&x, &sh};
    lrp_node n = node("rs", "Reshape", 2, NULL, 0);
    lrp_error err;
    check_ok_at(infer(&n, in, &y, &err), &err, line);
    check_dims_at(&y, want, len, line);
    done(&n, &y);
}

static void test_reshape_shapes(void)
{
    check_reshape(DIMS(2, 3, 4), (int64_t[]){0, -1}, 2, (int64_t[]){2, 12}, __LINE__);
    check_reshape(DIMS(2, 3, 4), (int64_t[]){-1, 4}, 2, (int64_t[]){6, 4}, __LINE__);
    check_reshape(DIMS(2, 3, 4), (int64_t[]){4, 0, 2}, 3, (int64_t[]){4, 3, 2}, __LINE__);
    /* The unknown batch is copied by the 0, so it cancels out of the -1. */
    check_reshape(DIMS(-1, 512, 1, 1), (int64_t[]){0, -1}, 2, (int64_t[]){-1, 512}, __LINE__);
    check_reshape(DIMS(-1, 512, 1, 1), (int64_t[]){-1, 512}, 2, (int64_t[]){-1, 512}, __LINE__);
    check_reshape(DIMS(-1, 512), (int64_t[]){-1}, 1, (int64_t[]){-1}, __LINE__);
}

static void test_reshape_run(void)
{
    float xd[6] = {1, 2, 3, 4, 5, 6};
    int64_t sd[] = {3, -1}, bad[] = {5, 5}, two[] = {-1, -1};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(2, 3)), s = ten(LRP_INT64, sd, DIMS(2)), y;
    lrp_tensor *in[] = {&x, &s};
    lrp_attr az[] = {attr_int("allowzero", 1)};
    lrp_error err;
    lrp_node n = node("flat_rs", "Reshape", 2, NULL, 0);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 3, 2);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 0.0f, 1, 2, 3, 4, 5, 6);
    done(&n, &y);
    s.data = bad;
    CHECK_FAIL(infer(&n, in, &y, &err), LRP_ERR_SHAPE, err, "flat_rs",
               "(2, 3) to shape [5, 5]");
    s.data = two;
    CHECK_FAIL(infer(&n, in, &y, &err), LRP_ERR_SHAPE, err, "flat_rs", "-1");
    s.data = NULL; /* X known, shape not computable: data-dependent */
    CHECK_FAIL(infer(&n, in, &y, &err), LRP_ERR_UNSUPPORTED, err, "flat_rs", "shape");
    x.dims[0] = -1; /* before binding: rank from the shape input, dims unknown */
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, -1, -1);
    done(&n, &y);
    int64_t zd[] = {0, 3};
    lrp_tensor e = ten(LRP_FLOAT, NULL, DIMS(0, 3)), sz = ten(LRP_INT64, zd, DIMS(2));
    lrp_tensor *in_z[] = {&e, &sz};
    lrp_node m = node("rs_az", "Reshape", 2, az, 1);
    CHECK_OK(infer(&m, in_z, &y, &err), err);
    CHECK_DIMS(&y, 0, 3);
    done(&m, &y);
}

static void test_identity_dropout(void)
{
    int64_t sd[] = {1, 512};
    float xd[] = {1.5f, -2.5f}, ratio = 0.5f;
    lrp_tensor s = ten(LRP_INT64, sd, DIMS(2)), x = ten(LRP_FLOAT, xd, DIMS(1, 2));
    lrp_tensor r = ten(LRP_FLOAT, &ratio, NULL, 0), y;
    lrp_tensor *in_s[] = {&s}, *in_x[] = {&x, &r, NULL};
    lrp_error err;
    lrp_node id = node("id", "Identity", 1, NULL, 0), dr = node("drop", "Dropout", 3, NULL, 0);
    CHECK_OK(infer(&id, in_s, &y, &err), err);
    EXPECT(y.data != NULL && y.data != s.data);
    CHECK_INTS(y.data, 1, 512);
    done(&id, &y);
    CHECK_OK(infer(&dr, in_x, &y, &err), err);
    CHECK_DIMS(&y, 1, 2);
    EXPECT(y.data == NULL && dr.op->n_outputs == 1);
    forward(&dr, in_x, &y);
    CHECK_FLOATS(y.data, 0.0f, 1.5f, -2.5f);
    done(&dr, &y);
}

/* ---- Constant ---------------------------------------------------------- */

static void test_constant(void)
{
    float vd[] = {1, 2, 3, 4}, fl[] = {0.5f, 0.25f};
    int64_t il[] = {-1, 7, 9};
    lrp_attr tensor[] = {attr_tensor("value", ten(LRP_FLOAT, vd, DIMS(2, 2)))};
    lrp_attr ints[] = {attr_ints("value_ints", il, 3)};
    lrp_attr floats[] = {attr_floats("value_floats", fl, 2)};
    lrp_attr one[] = {attr_int("value_int", 42)}, onef[] = {attr_float("value_float", 1.5f)};
    lrp_attr two[] = {attr_int("value_int", 1), attr_float("value_float", 1.0f)};
    lrp_attr wrong[] = {attr_int("value", 3)};
    lrp_attr str[] = {{.name = "value_string", .type = LRP_ATTR_STRING, .s = "x"}};
    lrp_tensor y;
    lrp_error err;
    lrp_node n = node("c1", "Constant", 0, tensor, 1);
    CHECK_OK(infer(&n, NULL, &y, &err), err);
    EXPECT(y.dtype == LRP_FLOAT && y.data != vd);
    CHECK_DIMS(&y, 2, 2);
    CHECK_FLOATS(y.data, 0.0f, 1, 2, 3, 4);
    done(&n, &y);
    n = node("c2", "Constant", 0, ints, 1);
    CHECK_OK(infer(&n, NULL, &y, &err), err);
    EXPECT(y.dtype == LRP_INT64);
    CHECK_DIMS(&y, 3);
    CHECK_INTS(y.data, -1, 7, 9);
    done(&n, &y);
    n = node("c3", "Constant", 0, floats, 1);
    CHECK_OK(infer(&n, NULL, &y, &err), err);
    CHECK_DIMS(&y, 2);
    CHECK_FLOATS(y.data, 0.0f, 0.5f, 0.25f);
    done(&n, &y);
    n = node("c4", "Constant", 0, one, 1);
    CHECK_OK(infer(&n, NULL, &y, &err), err);
    EXPECT(y.rank == 0 && y.dtype == LRP_INT64);
    CHECK_INTS(y.data, 42);
    done(&n, &y);
    n = node("c5", "Constant", 0, onef, 1);
    CHECK_OK(infer(&n, NULL, &y, &err), err);
    EXPECT(y.rank == 0 && y.dtype == LRP_FLOAT);
    CHECK_FLOATS(y.data, 0.0f, 1.5f);
    done(&n, &y);
    n = node("c6", "Constant", 0, two, 2);
    CHECK_FAIL(infer(&n, NULL, &y, &err), LRP_ERR_PARSE, err, "c6", "exactly one");
    n = node("c7", "Constant", 0, wrong, 1);
    CHECK_FAIL(infer(&n, NULL, &y, &err), LRP_ERR_PARSE, err, "c7", "tensor");
    n = node("c8", "Constant", 0, str, 1);
    CHECK_FAIL(infer(&n, NULL, &y, &err), LRP_ERR_UNSUPPORTED, err, "c8", "value_string");
    EXPECT(n.op->forward == NULL);
}

/* ---- Softmax ----------------------------------------------------------- */

static void test_softmax_last_axis(void)
{
    float xd[] = {1, 2, 3, 1000, 1001, 1002};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(2, 3)), y, *in[] = {&x};
    lrp_attr attrs[] = {attr_int("_opset", 13)};
    lrp_error err;
    lrp_node n = node("prob", "Softmax", 1, attrs, 1);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 2, 3);
    forward(&n, in, &y);
    /* softmax(1, 2, 3); the max is subtracted, so 1000.. gives the same */
    CHECK_FLOATS(y.data, 1e-6f, 0.09003057f, 0.24472847f, 0.66524096f, 0.09003057f, 0.24472847f,
                 0.66524096f);
    const float *p = y.data;
    EXPECT(fabsf(p[0] + p[1] + p[2] - 1.0f) < 1e-6f);
    done(&n, &y);
}

/* LogSoftmax as x - max - log(sum exp(x - max)): exp(-200) underflows in
 * float, so log(softmax) would give -inf where the answer is -200.69. */
static void test_logsoftmax(void)
{
    float xd[] = {1, 2, 3, 0, 0, -200};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(2, 3)), y, *in[] = {&x};
    lrp_attr attrs[] = {attr_int("_opset", 13)};
    lrp_error err;
    lrp_node n = node("logp", "LogSoftmax", 1, attrs, 1);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 2, 3);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 1e-5f, -2.40760596f, -1.40760596f, -0.40760596f, -0.69314718f,
                 -0.69314718f, -200.69314718f);
    done(&n, &y);
}

/* One probability per output kind: softmax of logits, the value, exp. */
static void test_output_probability(void)
{
    const float logits[] = {1, 2, 3}, probs[] = {0.25f, 0.75f}, logp[] = {-0.5f, -2.0f};
    EXPECT(fabs(lrp_output_probability(LRP_OUTPUT_LOGITS, logits, 3, 2) - 0.66524096) < 1e-7);
    EXPECT(lrp_output_probability(LRP_OUTPUT_PROBABILITIES, probs, 2, 1) == 0.75);
    EXPECT(fabs(lrp_output_probability(LRP_OUTPUT_LOG_PROBABILITIES, logp, 2, 1) - exp(-2.0)) <
           1e-12);
}

static void test_softmax_axes(void)
{
    float xd[] = {0, 0, 1, 0, 2, 0, 0, 5};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(2, 2, 2)), y, *in[] = {&x};
    lrp_attr mid[] = {attr_int("_opset", 13), attr_int("axis", 1)};
    lrp_attr legacy[] = {attr_int("_opset", 11)}, bad[] = {attr_int("axis", 3)};
    lrp_error err;
    lrp_node n = node("sm_mid", "Softmax", 1, mid, 2);
    CHECK_OK(infer(&n, in, &y, &err), err);
    forward(&n, in, &y);
    /* pairs along axis 1 with stride 2: (0,1), (0,0), (2,0), (0,5) */
    const float e1 = 0.26894142f, e2 = 0.11920292f, e5 = 0.00669285f;
    CHECK_FLOATS(y.data, 1e-6f, e1, 0.5f, 1 - e1, 0.5f, 1 - e2, e5, e2, 1 - e5);
    done(&n, &y);
    n = node("sm_legacy", "Softmax", 1, legacy, 1); /* axis 1, rows of 4 */
    CHECK_OK(infer(&n, in, &y, &err), err);
    forward(&n, in, &y);
    const float *p = y.data, e = 2.71828183f, r0 = 3 + e;
    EXPECT(fabsf(p[0] + p[1] + p[2] + p[3] - 1) < 1e-6f);
    EXPECT(fabsf(p[4] + p[5] + p[6] + p[7] - 1) < 1e-6f);
    CHECK_FLOATS(y.data, 1e-6f, 1 / r0, 1 / r0, e / r0, 1 / r0);
    done(&n, &y);
    n = node("sm_bad", "Softmax", 1, bad, 1);
    CHECK_FAIL(infer(&n, in, &y, &err), LRP_ERR_SHAPE, err, "sm_bad", "(2, 2, 2)");
    done(&n, &y);
}

/* ---- Concat, Squeeze, Unsqueeze, Shape, Gather ------------------------- */

static void test_concat(void)
{
    float ad[] = {1, 2}, bd[] = {3, 4, 5, 6};
    int64_t nd[] = {2}, md[] = {-1};
    lrp_attr ax1[] = {attr_int("axis", -1)}, ax0[] = {attr_int("axis", 0)};
    lrp_tensor a = ten(LRP_FLOAT, ad, DIMS(2, 1)), b = ten(LRP_FLOAT, bd, DIMS(2, 2));
    lrp_tensor na = ten(LRP_INT64, nd, DIMS(1)), mb = ten(LRP_INT64, md, DIMS(1)), y;
    lrp_tensor *in[] = {&a, &b}, *ints[] = {&na, &mb};
    lrp_error err;
    lrp_node n = node("cat", "Concat", 2, ax1, 1), m = node("cat_i", "Concat", 2, ax0, 1);
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 2, 3);
    forward(&n, in, &y);
    CHECK_FLOATS(y.data, 0.0f, 1, 3, 4, 2, 5, 6);
    done(&n, &y);
    CHECK_OK(infer(&m, ints, &y, &err), err);
    CHECK_DIMS(&y, 2);
    CHECK_INTS(y.data, 2, -1);
    done(&m, &y);
    CHECK_FAIL(infer(&m, in, &y, &err), LRP_ERR_SHAPE, err, "cat_i", "(2, 2)");
    done(&m, &y);
    a.dims[0] = -1; /* an unknown dim takes the known one */
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_DIMS(&y, 2, 3);
    done(&n, &y);
}

static void test_squeeze(void)
{
    float xd[6] = {1, 2, 3, 4, 5, 6};
    int64_t ax0[] = {0}, axm2[] = {-2}, sd[] = {-1};
    lrp_attr attr0[] = {attr_ints("axes", ax0, 1)};
    lrp_tensor x = ten(LRP_FLOAT, xd, DIMS(1, 3, 1, 2)), axes = ten(LRP_INT64, axm2, DIMS(1));
    lrp_tensor s = ten(LRP_INT64, sd, DIMS(1, 1)), y;
    lrp_tensor *in[] = {&x}, *in_axes[] = {&x, &axes}, *in_s[] = {&s};
    lrp_error err;
    lrp_node all = node("sq", "Squeeze", 1, NULL, 0),
             old = node("sq11", "Squeeze", 1, attr0, 1);
    lrp_node new13 = node("sq13", "Squeeze", 2, NULL, 0);
    CHECK_OK(infer(&all, in, &y, &err), err);
    CHECK_DIMS(&y, 3, 2);
    forward(&all, in, &y);
    CHECK_FLOATS(y.data, 0.0f, 1, 2, 3, 4, 5, 6);
    done(&all, &y);
    CHECK_OK(infer(&all, in_s, &y, &err), err); /* int64 folds */
    EXPECT(y.rank == 0);
    CHECK_INTS(y.data, -1);
    done(&all, &y);
    CHECK_OK(infer(&old, in, &y, &err), err);
    CHECK_DIMS(&y, 3, 1, 2);
    done(&old, &y);
    CHECK_OK(infer(&new13, in_axes, &y, &err), err);
    CHECK_DIMS(&y, 1, 3, 2);
    axm2[0] = 1; /* dim of size 3 */
    CHECK_FAIL(infer(&new13, in_axes, &y, &err), LRP_ERR_SHAPE, err, "sq13", "(1, 3, 1, 2)");
    axm2[0] = 4;
    CHECK_FAIL(infer(&new13, in_axes, &y, &err), LRP_ERR_SHAPE, err, "sq13", "axis 4");
    done(&new13, &y);
}

static void test_unsqueeze(void)
{
    int64_t v = 7, ax0[] = {0}, ax2[] = {0, -1}, dup[] = {0, -3};
    float xd[] = {1, 2, 3};
    lrp_attr attr0[] = {attr_ints("axes", ax0, 1)};
    lrp_tensor s = ten(LRP_INT64, &v, NULL, 0), x = ten(LRP_FLOAT, xd, DIMS(3));
    lrp_tensor axes = ten(LRP_INT64, ax2, DIMS(2)), y;
    lrp_tensor *in_s[] = {&s}, *in_x[] = {&x, &axes};
    lrp_error err;
    lrp_node old = node("unsq11", "Unsqueeze", 1, attr0, 1);
    lrp_node new13 = node("unsq13", "Unsqueeze", 2, NULL, 0);
    CHECK_OK(infer(&old, in_s, &y, &err), err);
    CHECK_DIMS(&y, 1);
    CHECK_INTS(y.data, 7);
    done(&old, &y);
    CHECK_OK(infer(&new13, in_x, &y, &err), err);
    CHECK_DIMS(&y, 1, 3, 1);
    forward(&new13, in_x, &y);
    CHECK_FLOATS(y.data, 0.0f, 1, 2, 3);
    done(&new13, &y);
    axes.data = dup;
    CHECK_FAIL(infer(&new13, in_x, &y, &err), LRP_ERR_SHAPE, err, "unsq13", "twice");
    dup[1] = 3;
    CHECK_FAIL(infer(&new13, in_x, &y, &err), LRP_ERR_SHAPE, err, "unsq13", "axis 3");
    done(&new13, &y);
}

static void test_shape(void)
{
    lrp_tensor x = ten(LRP_FLOAT, NULL, DIMS(2, 3, 4)), y, *in[] = {&x};
    lrp_attr from1[] = {attr_int("start", 1)}, to_last[] = {attr_int("end", -1)};
    lrp_error err;
    lrp_node n = node("shp", "Shape", 1, NULL, 0), s1 = node("shp1", "Shape", 1, from1, 1);
    lrp_node e1 = node("shpe", "Shape", 1, to_last, 1);
    CHECK_OK(infer(&n, in, &y, &err), err);
    EXPECT(y.dtype == LRP_INT64);
    CHECK_DIMS(&y, 3);
    CHECK_INTS(y.data, 2, 3, 4);
    done(&n, &y);
    CHECK_OK(infer(&s1, in, &y, &err), err);
    CHECK_DIMS(&y, 2);
    CHECK_INTS(y.data, 3, 4);
    done(&s1, &y);
    CHECK_OK(infer(&e1, in, &y, &err), err);
    CHECK_INTS(y.data, 2, 3);
    done(&e1, &y);
    x.dims[0] = -1; /* the start attribute skips the unknown batch */
    CHECK_OK(infer(&s1, in, &y, &err), err);
    CHECK_INTS(y.data, 3, 4);
    done(&s1, &y);
}

static void test_gather(void)
{
    int64_t sd[] = {2, 512, 1, 1}, i0 = 0, im1 = -1, i2[] = {0, 1}, fi[] = {2, -3};
    float xd[] = {1, 2, 3, 4, 5, 6};
    lrp_attr ax1[] = {attr_int("axis", -1)}, ax2[] = {attr_int("axis", 2)};
    lrp_tensor s = ten(LRP_INT64, sd, DIMS(4)), idx = ten(LRP_INT64, &i0, NULL, 0);
    lrp_tensor idx2 = ten(LRP_INT64, i2, DIMS(2)), x = ten(LRP_FLOAT, xd, DIMS(2, 3));
    lrp_tensor fidx = ten(LRP_INT64, fi, DIMS(2)), y;
    lrp_tensor *in[] = {&s, &idx}, *in2[] = {&s, &idx2}, *inf[] = {&x, &fidx};
    lrp_error err;
    lrp_node n = node("g", "Gather", 2, NULL, 0), f = node("gf", "Gather", 2, ax1, 1);
    lrp_node bad = node("g_ax", "Gather", 2, ax2, 1);
    CHECK_OK(infer(&n, in, &y, &err), err);
    EXPECT(y.rank == 0);
    CHECK_INTS(y.data, 2);
    done(&n, &y);
    idx.data = &im1;
    CHECK_OK(infer(&n, in, &y, &err), err);
    CHECK_INTS(y.data, 1);
    done(&n, &y);
    CHECK_OK(infer(&n, in2, &y, &err), err);
    CHECK_DIMS(&y, 2);
    CHECK_INTS(y.data, 2, 512);
    done(&n, &y);
    i0 = 4;
    idx.data = &i0;
    CHECK_FAIL(infer(&n, in, &y, &err), LRP_ERR_SHAPE, err, "g", "index 4");
    EXPECT(strstr(err.message, "size 4") != NULL);
    done(&n, &y);
    CHECK_OK(infer(&f, inf, &y, &err), err);
    CHECK_DIMS(&y, 2, 2);
    forward(&f, inf, &y);
    CHECK_FLOATS(y.data, 0.0f, 3, 1, 6, 4);
    done(&f, &y);
    CHECK_FAIL(infer(&bad, inf, &y, &err), LRP_ERR_SHAPE, err, "g_ax", "(2, 3)");
    done(&bad, &y);
}

/* ---- the flatten-shape subgraph of a torch export ---------------------- */

/* Shape(X) -> Gather(0) -> Unsqueeze(0) -> Concat(., [-1]) -> Reshape(X).
 * With the batch known it folds at infer time; with it unknown every step
 * keeps its shape, and forward() computes the values once X is bound. */
typedef struct flatten_graph {
    lrp_attr gather_axis[1], unsq_axes[1], cat_axis[1];
    int64_t zero, minus_one[1];
    lrp_node shape, gather, unsq, cat, reshape;
    lrp_tensor idx, minus, s, g, u, c, y;
} flatten_graph;

static void flatten_graph_init(flatten_graph *f)
{
    memset(f, 0, sizeof *f);
    f->zero = 0;
    f->minus_one[0] = -1;
    f->gather_axis[0] = attr_int("axis", 0);
    f->unsq_axes[0] = attr_ints("axes", &f->zero, 1);
    f->cat_axis[0] = attr_int("axis", 0);
    f->shape = node("/Shape", "Shape", 1, NULL, 0);
    f->gather = node("/Gather", "Gather", 2, f->gather_axis, 1);
    f->unsq = node("/Unsqueeze", "Unsqueeze", 1, f->unsq_axes, 1);
    f->cat = node("/Concat", "Concat", 2, f->cat_axis, 1);
    f->reshape = node("/Reshape", "Reshape", 2, NULL, 0);
    f->idx = ten(LRP_INT64, &f->zero, NULL, 0);
    f->minus = ten(LRP_INT64, f->minus_one, DIMS(1));
}

/* Infers the whole chain on X; fails the test at the first error. */
static bool flatten_graph_infer(flatten_graph *f, lrp_tensor *x)
{
    lrp_tensor *in_s[] = {x}, *in_g[] = {&f->s, &f->idx}, *in_u[] = {&f->g};
    lrp_tensor *in_c[] = {&f->u, &f->minus}, *in_r[] = {x, &f->c};
    lrp_error err;
    lrp_status st;
    if ((st = infer(&f->shape, in_s, &f->s, &err)) ||
        (st = infer(&f->gather, in_g, &f->g, &err)) ||
        (st = infer(&f->unsq, in_u, &f->u, &err)) || (st = infer(&f->cat, in_c, &f->c, &err)) ||
        (st = infer(&f->reshape, in_r, &f->y, &err)))
        CHECK_OK(st, err);
    return st == LRP_OK;
}

/* The runtime path: X is bound, the int64 chain runs through forward(). */
static void flatten_graph_forward(flatten_graph *f, lrp_tensor *x)
{
    lrp_tensor *in_s[] = {x}, *in_g[] = {&f->s, &f->idx}, *in_u[] = {&f->g};
    lrp_tensor *in_c[] = {&f->u, &f->minus};
    forward(&f->shape, in_s, &f->s);
    forward(&f->gather, in_g, &f->g);
    forward(&f->unsq, in_u, &f->u);
    forward(&f->cat, in_c, &f->c);
}

static void flatten_graph_free(flatten_graph *f)
{
    done(&f->shape, &f->s);
    done(&f->gather, &f->g);
    done(&f->unsq, &f->u);
    done(&f->cat, &f->c);
    done(&f->reshape, &f->y);
}

static void test_flatten_subgraph(void)
{
    lrp_tensor x = ten(LRP_FLOAT, NULL, DIMS(2, 512, 1, 1));
    flatten_graph f;
    flatten_graph_init(&f);
    if (flatten_graph_infer(&f, &x)) {
        CHECK_INTS(f.s.data, 2, 512, 1, 1);
        CHECK_INTS(f.g.data, 2);
        CHECK_INTS(f.u.data, 2);
        CHECK_INTS(f.c.data, 2, -1);
        CHECK_DIMS(&f.y, 2, 512);
    }
    flatten_graph_free(&f);
    x.dims[0] = -1; /* unknown batch */
    if (flatten_graph_infer(&f, &x)) {
        EXPECT(!f.s.data && !f.g.data && !f.u.data && !f.c.data);
        CHECK_DIMS(&f.s, 4);
        EXPECT(f.g.rank == 0);
        CHECK_DIMS(&f.u, 1);
        CHECK_DIMS(&f.c, 2);
        CHECK_DIMS(&f.y, -1, -1);
        x.dims[0] = 3;
        flatten_graph_forward(&f, &x);
        CHECK_INTS(f.c.data, 3, -1);
    }
    flatten_graph_free(&f);
}

/* ---- registry ---------------------------------------------------------- */

static void test_registry(void)
{
    static const char *const names[] = {
        "Add",     "Clip",     "Concat",    "Constant", "Div",     "Dropout", "Flatten",
        "Gather",  "Identity", "Mul",       "Relu",     "Reshape", "Shape",   "Softmax",
        "Squeeze", "Sub",      "Unsqueeze", "Conv",     "Gemm",    "MaxPool",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const lrp_op *op = lrp_op_find(names[i]);
        CHECK(op != NULL && strcmp(op->name, names[i]) == 0, "lrp_op_find(\"%s\")", names[i]);
    }
    EXPECT(lrp_op_find("Relu") == &lrp_op_relu);
    EXPECT(lrp_op_find("relu") == NULL);
    EXPECT(lrp_op_find("LSTM") == NULL);
    EXPECT(lrp_op_find(NULL) == NULL);
}

int main(void)
{
    test_relu();
    test_clip_inputs();
    test_clip_attrs();
    test_div_broadcast();
    test_binary_fast_paths();
    test_broadcast_kernel();
    test_broadcast_shapes();
    test_binary_int64();
    test_flatten();
    test_reshape_shapes();
    test_reshape_run();
    test_identity_dropout();
    test_constant();
    test_softmax_last_axis();
    test_softmax_axes();
    test_logsoftmax();
    test_output_probability();
    test_concat();
    test_squeeze();
    test_unsqueeze();
    test_shape();
    test_gather();
    test_flatten_subgraph();
    test_registry();
    printf("test_ops_basic: %s\n", failures ? "failed" : "all checks passed");
    return check_finish();
}
