/* The ledger's per-slot flows around one kernel, against sums computed here
 * from the rule's formula: a residual Add split proportionally with M in
 * slot 1 and S's buffer already holding another consumer's relevance (fan
 * out), a Concat of three inputs (every slot is recorded, not only 0 and 1),
 * an Add reading one value twice (counted once), and a pass step handed
 * its output's buffer. Two images each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain/ledger.h"
#include "rules/kernels.h"

#include "check.h"

#define N_IMG 2
#define EPS 1e-6f
#define REL_TOL 1e-6 /* of the magnitudes involved: kernels and buffers are float */

static unsigned rng_state = 15u;
static float rnd(void) /* in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / (float)(1u << 23) - 1.0f;
}

static float *random_floats(size_t n)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = rnd();
    return v;
}

/* |got - want| within REL_TOL of 'scale': the sum of |relevance| in the
 * buffers concerned (a buffer in use rounds what is added to its values). */
static void expect_close(const char *what, int image, double got, double want, double scale)
{
    CHECK(fabs(got - want) <= REL_TOL * scale, "%s, image %d: ledger %.9g, formula %.9g", what,
          image, got, want);
}

/* stab(z) = z + eps sign(z), sign(0) = +1 (zennit's) */
static double stab(double z)
{
    return z + (z >= 0 ? EPS : -EPS);
}

/* The ledger of one step: c's kernel run between lrp_ledger_open and
 * lrp_ledger_close over the buffers of[] (per value); fresh[k] as the
 * executor would say (input k's buffer just zeroed). */
static lrp_ledger run_step(lrp_rule_ctx *c, float *const *of, int n_values, const bool *fresh)
{
    lrp_ledger l;
    int n_slots[1] = {c->node->n_inputs};
    CHECK(lrp_ledger_init(&l, 1, N_IMG, n_values, n_slots), "ledger: out of memory");
    lrp_ledger_reset(&l, of, NULL);
    lrp_ledger_open(&l, 0, c, fresh);
    lrp_rule_kernel(c->rule->kind)(c);
    lrp_ledger_close(&l, 0, c);
    return l;
}

/* Add(S, M) at a residual split, proportional: M gets m R / stab(m + s),
 * S gets s R / stab(m + s); S's buffer holds relevance already (B's other
 * consumer's, as at an identity shortcut), M's is fresh. */
static void residual_split(void)
{
    enum { PER = 6, N = N_IMG * PER };
    float *s = random_floats(N), *m = random_floats(N), *y = malloc(N * sizeof *y);
    float *r_y = random_floats(N), *r_s = random_floats(N), *r_m = calloc(N, sizeof *r_m);
    for (int i = 0; i < N; i++)
        y[i] = s[i] + m[i];
    lrp_tensor ts = {LRP_FLOAT, 2, {N_IMG, PER}, s}, tm = {LRP_FLOAT, 2, {N_IMG, PER}, m};
    lrp_tensor ty = {LRP_FLOAT, 2, {N_IMG, PER}, y};
    int inputs[2] = {0, 1}, outputs[1] = {2};
    lrp_node node = {.name = "add",
                     .op_type = "Add",
                     .op = lrp_op_find("Add"),
                     .inputs = inputs,
                     .n_inputs = 2,
                     .outputs = outputs,
                     .n_outputs = 1};
    lrp_residual res = {.node = 0,
                        .mainstream = 1,
                        .shortcut = 0,
                        .block_input = 0,
                        .shortcut_conv = -1,
                        .kind = LRP_SHORTCUT_IDENTITY};
    lrp_rule rule = {.kind = LRP_RULE_SPLIT,
                     .name = "proportional",
                     .stab = {false, EPS},
                     .mainstream_slot = 1,
                     .split = LRP_SPLIT_PROPORTIONAL,
                     .residual = &res};
    const lrp_tensor *in[2] = {&ts, &tm};
    float *r_in[2] = {r_s, r_m}, *of[3] = {r_s, r_m, r_y};
    bool fresh[2] = {false, true};
    lrp_rule_ctx c = {.node = &node,
                      .rule = &rule,
                      .in = in,
                      .out = &ty,
                      .r_out = r_y,
                      .r_in = r_in,
                      .n_images = N_IMG};
    lrp_ledger l = run_step(&c, of, 3, fresh);
    for (int i = 0; i < N_IMG; i++) {
        double to_m = 0, to_s = 0, received = 0, scale = 0;
        for (int j = i * PER; j < (i + 1) * PER; j++) {
            double z = stab((double)m[j] + s[j]);
            to_m += m[j] * (double)r_y[j] / z;
            to_s += s[j] * (double)r_y[j] / z;
            received += r_y[j];
            scale += fabs(r_s[j]) + fabs(m[j] * r_y[j] / z) + fabs(r_y[j]);
        }
        expect_close("split: to M (slot 1)", i, lrp_ledger_passed(&l, 0, 1, i), to_m, scale);
        expect_close("split: to S (slot 0, a buffer in use)", i, lrp_ledger_passed(&l, 0, 0, i),
                     to_s, scale);
        expect_close("split: received", i, l.step_in[i], received, scale);
        expect_close("split: passed on", i, l.step_out[i], to_m + to_s, scale);
        expect_close("split: passed on + kept", i, l.step_out[i] + l.absorbed[i], received,
                     scale);
    }
    lrp_ledger_free(&l);
    float *owned[] = {s, m, y, r_y, r_s, r_m};
    for (size_t k = 0; k < sizeof owned / sizeof *owned; k++)
        free(owned[k]);
}

/* Concat along axis 1 of (2, 1, 2), (2, 2, 2), (2, 1, 2): slot k gets the
 * relevance of its channels, slot 2 included. */
static void concat_three(void)
{
    enum { W = 2 };
    static const int channels[3] = {1, 2, 1};
    lrp_tensor t[3];
    float *x[3], *r_x[3], *of[4];
    const lrp_tensor *in[3];
    for (int k = 0; k < 3; k++) {
        size_t n = (size_t)N_IMG * channels[k] * W;
        x[k] = random_floats(n);
        r_x[k] = calloc(n, sizeof(float));
        t[k] = (lrp_tensor){LRP_FLOAT, 3, {N_IMG, channels[k], W}, x[k]};
        in[k] = &t[k];
        of[k] = r_x[k];
    }
    float *r_y = random_floats(N_IMG * 4 * W);
    of[3] = r_y;
    lrp_tensor ty = {LRP_FLOAT, 3, {N_IMG, 4, W}, NULL};
    lrp_attr axis = {.name = "axis", .type = LRP_ATTR_INT, .i = 1};
    int inputs[3] = {0, 1, 2}, outputs[1] = {3};
    lrp_node node = {.name = "cat",
                     .op_type = "Concat",
                     .op = lrp_op_find("Concat"),
                     .inputs = inputs,
                     .n_inputs = 3,
                     .outputs = outputs,
                     .n_outputs = 1,
                     .attrs = &axis,
                     .n_attrs = 1};
    lrp_error err = {0};
    CHECK(node.op->parse(&node, &err) == LRP_OK, "Concat parse: %s", err.message);
    lrp_rule rule = {.kind = LRP_RULE_ROUTE, .name = "route"};
    bool fresh[3] = {true, true, true};
    lrp_rule_ctx c = {.node = &node,
                      .rule = &rule,
                      .in = in,
                      .out = &ty,
                      .r_out = r_y,
                      .r_in = r_x,
                      .n_images = N_IMG};
    lrp_ledger l = run_step(&c, of, 4, fresh);
    for (int i = 0; i < N_IMG; i++)
        for (int k = 0, first = 0; k < 3; first += channels[k++]) {
            double want = 0, scale = 0;
            for (int ch = first; ch < first + channels[k]; ch++)
                for (int w = 0; w < W; w++) {
                    want += r_y[(i * 4 + ch) * W + w];
                    scale += fabs(r_y[(i * 4 + ch) * W + w]);
                }
            char what[32];
            snprintf(what, sizeof what, "concat: slot %d", k);
            expect_close(what, i, lrp_ledger_passed(&l, 0, k, i), want, scale);
        }
    lrp_ledger_free(&l);
    free(node.params);
    free(r_y);
    for (int k = 0; k < 3; k++) {
        free(x[k]);
        free(r_x[k]);
    }
}

/* Add(x, x) by the Norm rule: slot 0 carries both halves, slot 1 nothing. */
static void same_value_twice(void)
{
    enum { PER = 5, N = N_IMG * PER };
    float *x = random_floats(N), *y = malloc(N * sizeof *y), *r_y = random_floats(N);
    float *r_x = calloc(N, sizeof *r_x);
    for (int i = 0; i < N; i++)
        y[i] = 2 * x[i];
    lrp_tensor tx = {LRP_FLOAT, 2, {N_IMG, PER}, x}, ty = {LRP_FLOAT, 2, {N_IMG, PER}, y};
    int inputs[2] = {0, 0}, outputs[1] = {1};
    lrp_node node = {.name = "twice",
                     .op_type = "Add",
                     .op = lrp_op_find("Add"),
                     .inputs = inputs,
                     .n_inputs = 2,
                     .outputs = outputs,
                     .n_outputs = 1};
    lrp_rule rule = {.kind = LRP_RULE_NORM_SUM, .name = "norm", .stab = {false, EPS}};
    const lrp_tensor *in[2] = {&tx, &tx};
    float *r_in[2] = {r_x, r_x}, *of[2] = {r_x, r_y};
    bool fresh[2] = {true, false};
    lrp_rule_ctx c = {.node = &node,
                      .rule = &rule,
                      .in = in,
                      .out = &ty,
                      .r_out = r_y,
                      .r_in = r_in,
                      .n_images = N_IMG};
    lrp_ledger l = run_step(&c, of, 2, fresh);
    for (int i = 0; i < N_IMG; i++) {
        double want = 0, scale = 0;
        for (int j = i * PER; j < (i + 1) * PER; j++) {
            want += 2 * x[j] * (double)r_y[j] / stab(y[j]);
            scale += fabs(r_y[j]);
        }
        expect_close("Add(x, x): slot 0", i, lrp_ledger_passed(&l, 0, 0, i), want, scale);
        CHECK(lrp_ledger_passed(&l, 0, 1, i) == 0.0, "Add(x, x), image %d: slot 1 got %g", i,
              lrp_ledger_passed(&l, 0, 1, i));
        expect_close("Add(x, x): passed on", i, l.step_out[i], want, scale);
    }
    lrp_ledger_free(&l);
    free(x);
    free(y);
    free(r_y);
    free(r_x);
}

/* A Relu's pass step whose R_in was given R's own buffer by the planner
 * (explain/relevance.c): the kernel neither zeroes nor copies, R stays as
 * it was, and the ledger records all of R passed on to slot 0. */
static void handed_on_pass(void)
{
    enum { PER = 7, N = N_IMG * PER };
    float *x = random_floats(N), *r = random_floats(N), *want_r = malloc(N * sizeof *want_r);
    memcpy(want_r, r, N * sizeof *r);
    lrp_tensor tx = {LRP_FLOAT, 2, {N_IMG, PER}, x}, ty = {LRP_FLOAT, 2, {N_IMG, PER}, NULL};
    int inputs[1] = {0}, outputs[1] = {1};
    lrp_node node = {.name = "relu",
                     .op_type = "Relu",
                     .op = lrp_op_find("Relu"),
                     .inputs = inputs,
                     .n_inputs = 1,
                     .outputs = outputs,
                     .n_outputs = 1};
    lrp_rule rule = {.kind = LRP_RULE_PASS, .name = "pass", .x_slot = 0};
    const lrp_tensor *in[1] = {&tx};
    float *r_in[1] = {r}, *of[2] = {r, r};
    bool fresh[1] = {true};
    lrp_rule_ctx c = {.node = &node,
                      .rule = &rule,
                      .in = in,
                      .out = &ty,
                      .r_out = r,
                      .r_in = r_in,
                      .unzeroed = fresh,
                      .n_images = N_IMG};
    lrp_ledger l = run_step(&c, of, 2, fresh);
    CHECK(memcmp(r, want_r, N * sizeof *r) == 0, "handed-on pass: R changed");
    for (int i = 0; i < N_IMG; i++) {
        double want = 0, scale = 0;
        for (int j = i * PER; j < (i + 1) * PER; j++) {
            want += want_r[j];
            scale += fabs(want_r[j]);
        }
        expect_close("handed-on pass: slot 0", i, lrp_ledger_passed(&l, 0, 0, i), want, scale);
        expect_close("handed-on pass: received", i, l.step_in[i], want, scale);
        expect_close("handed-on pass: passed on", i, l.step_out[i], want, scale);
    }
    lrp_ledger_free(&l);
    free(x);
    free(r);
    free(want_r);
}

int main(void)
{
    residual_split();
    concat_three();
    same_value_twice();
    handed_on_pass();
    return check_finish();
}
