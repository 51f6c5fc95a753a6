/* The gradient kernels of the baselines (gradient, gradient-x-input,
 * grad-cam) against central finite differences of each op's own forward():
 * for L = sum(r_out * op(x)), r_in[k][j] must be dL/dx_k[j]. Inputs keep
 * away from the kinks (Relu at 0, Clip at its bounds, MaxPool ties), so the
 * differences see one linear piece; the forward is deterministic, so only the
 * outputs x_k[j] moves change. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/op.h"
#include "rules/kernels.h"

#include "check.h"

#define H 1e-3f  /* the step of the differences */
#define TOL 2e-3 /* max|kernel - difference| / max|difference| */
#define N_IN 5   /* inputs a case may have (BatchNormalization's) */

static unsigned rng_state = 77u;
static float rnd(void) /* in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* Away from 0 and +-0.5 (the Relu's and the Clip's kinks) by more than H. */
static float smooth_value(void)
{
    float v = rnd();
    if (fabsf(v) < 0.05f || fabsf(fabsf(v) - 0.5f) < 0.05f)
        v = v < 0 ? -0.77f : 0.77f;
    return v;
}

typedef struct ints_attr {
    const char *name;
    int n;
    int64_t v[4];
} ints_attr;

typedef struct grad_case {
    const char *what, *op;
    lrp_rule_kind kind;
    int x_slot; /* GRAD_SCALE: the activation's slot */
    int n_in;
    lrp_tensor in[N_IN]; /* shapes; data: constants (static), NULL: an activation */
    ints_attr attrs[3];
    const char *int_name; /* an INT attribute, or NULL */
    int64_t int_value;
    bool distinct; /* activations of spaced distinct values (MaxPool: no ties) */
} grad_case;

/* clang-format off */
#define X4 {LRP_FLOAT, 4, {1, 2, 4, 4}, NULL}
#define PER_CHANNEL(data) {LRP_FLOAT, 4, {1, 2, 1, 1}, (void *)(data)}
#define VEC2(data) {LRP_FLOAT, 1, {2}, (void *)(data)}
#define SCALAR(data) {LRP_FLOAT, 0, {0}, (void *)(data)}

static const float lo[] = {-0.5f}, hi[] = {0.5f};
static const float scale[] = {1.5f, -0.75f}, bias[] = {0.25f, -0.5f};
static const float mean[] = {0.1f, -0.2f}, var[] = {0.8f, 2.0f};

/* what, op, kind, n_in, inputs; then attributes, GRAD_SCALE's slot, ... */
#define CASE(w, o, k, n, ...) .what = w, .op = o, .kind = k, .n_in = n, .in = {__VA_ARGS__}
#define POOL(k, s) {"kernel_shape", 2, {k, k}}, {"strides", 2, {s, s}}
#define PAD1 {"pads", 4, {1, 1, 1, 1}}

static const grad_case cases[] = {
    {CASE("Relu", "Relu", LRP_RULE_GRAD_RELU, 1, X4)},
    {CASE("Clip to [-0.5, 0.5]", "Clip", LRP_RULE_GRAD_CLIP, 3, X4, SCALAR(lo), SCALAR(hi))},
    {CASE("Sigmoid", "Sigmoid", LRP_RULE_GRAD_SIGMOID, 1, X4)},
    {CASE("AveragePool 2x2 stride 2", "AveragePool", LRP_RULE_GRAD_POOL, 1, X4),
     .attrs = {POOL(2, 2)}},
    {CASE("AveragePool 3x3 pad 1 (count_include_pad 0: border divisors)", "AveragePool",
          LRP_RULE_GRAD_POOL, 1, X4),
     .attrs = {POOL(3, 1), PAD1}},
    {CASE("AveragePool 3x3 pad 1 count_include_pad 1", "AveragePool", LRP_RULE_GRAD_POOL, 1, X4),
     .attrs = {POOL(3, 1), PAD1}, .int_name = "count_include_pad", .int_value = 1},
    {CASE("GlobalAveragePool", "GlobalAveragePool", LRP_RULE_GRAD_POOL, 1, X4)},
    {CASE("ReduceMean over H, W", "ReduceMean", LRP_RULE_GRAD_POOL, 1, X4),
     .attrs = {{"axes", 2, {2, 3}}}, .int_name = "keepdims", .int_value = 1},
    {CASE("MaxPool 2x2 stride 2", "MaxPool", LRP_RULE_WTA, 1, X4), .attrs = {POOL(2, 2)},
     .distinct = true},
    {CASE("Add", "Add", LRP_RULE_GRAD_SUM, 2, X4, X4)},
    {CASE("Sub", "Sub", LRP_RULE_GRAD_SUM, 2, X4, X4)},
    {CASE("Mul x * c", "Mul", LRP_RULE_GRAD_SCALE, 2, X4, PER_CHANNEL(scale))},
    {CASE("Mul c * x", "Mul", LRP_RULE_GRAD_SCALE, 2, PER_CHANNEL(scale), X4), .x_slot = 1},
    {CASE("Div x / c", "Div", LRP_RULE_GRAD_SCALE, 2, X4, PER_CHANNEL(scale))},
    {CASE("Mul of two activations, one broadcast", "Mul", LRP_RULE_GRAD_MUL, 2, X4,
          {LRP_FLOAT, 4, {1, 2, 1, 1}, NULL})},
    {CASE("BatchNormalization (not folded)", "BatchNormalization", LRP_RULE_GRAD_BN, 5, X4,
          VEC2(scale), VEC2(bias), VEC2(mean), VEC2(var))},
};
/* clang-format on */

#define N_CASES (sizeof cases / sizeof *cases)

/* The node, its attributes parsed by its op. */
static lrp_node make_node(const grad_case *gc, lrp_attr *attrs)
{
    lrp_node n = {.name = "grad_node",
                  .op_type = (char *)gc->op,
                  .op = lrp_op_find(gc->op),
                  .n_inputs = gc->n_in,
                  .attrs = attrs};
    for (int i = 0; i < 3 && gc->attrs[i].name; i++)
        attrs[n.n_attrs++] = (lrp_attr){.name = (char *)gc->attrs[i].name,
                                        .type = LRP_ATTR_INTS,
                                        .n = gc->attrs[i].n,
                                        .ints = (int64_t *)gc->attrs[i].v};
    if (gc->int_name)
        attrs[n.n_attrs++] = (lrp_attr){.name = (char *)gc->int_name,
                                        .type = LRP_ATTR_INT,
                                        .i = gc->int_value};
    lrp_error err = {0};
    CHECK(n.op, "%s: no op %s", gc->what, gc->op);
    if (n.op && n.op->parse)
        CHECK(n.op->parse(&n, &err) == LRP_OK, "%s: parse: %s", gc->what, err.message);
    return n;
}

/* sum(r_out * op(in)) in double, from the op's forward(). */
static double loss(const lrp_node *n, lrp_tensor *const *in, lrp_tensor *out,
                   const float *r_out)
{
    lrp_forward_ctx ctx = {0};
    lrp_tensor *outs[1] = {out};
    n->op->forward(n, (const lrp_tensor *const *)in, outs, &ctx);
    double l = 0.0;
    const float *y = out->data;
    for (size_t i = 0; i < lrp_tensor_count(out); i++)
        l += (double)r_out[i] * y[i];
    return l;
}

static void check_case(const grad_case *gc)
{
    lrp_attr attrs[4];
    lrp_node n = make_node(gc, attrs);
    if (!n.op)
        return;
    lrp_tensor t[N_IN], out = {0};
    lrp_tensor *in[N_IN] = {0};
    float *data[N_IN] = {0}, *r_in[N_IN] = {0};
    for (int k = 0; k < gc->n_in; k++) {
        t[k] = gc->in[k];
        in[k] = &t[k];
    }
    lrp_tensor *outs[1] = {&out};
    lrp_error err = {0};
    CHECK(n.op->infer(&n, in, outs, &err) == LRP_OK, "%s: infer: %s", gc->what, err.message);
    for (int k = 0; k < gc->n_in; k++) { /* the activations: values, gradient buffers */
        if (gc->in[k].data)
            continue;
        size_t count = lrp_tensor_count(&t[k]);
        data[k] = malloc(count * sizeof *data[k]);
        r_in[k] = calloc(count, sizeof *r_in[k]);
        for (size_t i = 0; i < count; i++)
            data[k][i] = gc->distinct ? (float)((i * 7) % count) * 0.05f - 0.8f
                                      : smooth_value();
        t[k].data = data[k];
    }
    size_t ny = lrp_tensor_count(&out);
    out.data = malloc(ny * sizeof(float));
    float *r_out = malloc(ny * sizeof *r_out);
    for (size_t i = 0; i < ny; i++)
        r_out[i] = rnd();
    loss(&n, in, &out, r_out); /* the forward values the kernel reads */

    lrp_rule rule = {.kind = gc->kind, .name = "gradient", .x_slot = gc->x_slot};
    const lrp_tensor *cin[N_IN] = {0};
    for (int k = 0; k < gc->n_in; k++)
        cin[k] = in[k];
    size_t s = lrp_rule_scratch_floats(&rule, &n, cin, &out);
    float *scratch = malloc((s ? s : 1) * sizeof *scratch);
    double absorbed = 0.0;
    lrp_rule_ctx ctx = {.node = &n,
                        .rule = &rule,
                        .in = cin,
                        .out = &out,
                        .r_out = r_out,
                        .r_in = r_in,
                        .scratch = scratch,
                        .n_images = 1,
                        .absorbed = &absorbed};
    lrp_rule_kernel(gc->kind)(&ctx);

    lrp_tensor probe = out;
    probe.data = malloc(ny * sizeof(float));
    double diff = 0.0, scale_fd = 0.0;
    for (int k = 0; k < gc->n_in; k++) {
        for (size_t j = 0; data[k] && j < lrp_tensor_count(&t[k]); j++) {
            float x = data[k][j];
            data[k][j] = x + H;
            double up = loss(&n, in, &probe, r_out);
            data[k][j] = x - H;
            double down = loss(&n, in, &probe, r_out);
            data[k][j] = x;
            double fd = (up - down) / (2.0 * (double)H);
            diff = fmax(diff, fabs(r_in[k][j] - fd));
            scale_fd = fmax(scale_fd, fabs(fd));
        }
    }
    double rel = scale_fd > 0 ? diff / scale_fd : diff;
    CHECK(scale_fd > 0, "%s: the differences are all zero", gc->what);
    CHECK(rel <= TOL, "%s: gradient off by %.3g of max|dL/dx| (tolerance %g)", gc->what, rel,
          TOL);
    printf("%-62s max rel. error %.2e\n", gc->what, rel);
    for (int k = 0; k < N_IN; k++) {
        free(data[k]);
        free(r_in[k]);
    }
    free(out.data);
    free(probe.data);
    free(r_out);
    free(scratch);
    free(n.params);
}

int main(void)
{
    for (size_t c = 0; c < N_CASES; c++)
        check_case(&cases[c]);
    return check_finish();
}
