/* The kernels that zero the buffers they start and add up what they write
 * (lrp_rule_ctx.unzeroed, in_sum): on buffers full of garbage they give the
 * bits of the zeroed run, and sums in the ledger's order (per image, per
 * lrp_pool_for range, blocks of 512 in eight float lanes), for the pass rule
 * and every residual split, on 1 and 2 threads, across several ranges. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parallel/pool.h"
#include "rules/kernels.h"

#include "check.h"

enum { IMAGES = 2, PER_IMAGE = 70001 }; /* 3 ranges per image, odd tails */
enum { N = IMAGES * PER_IMAGE };

static unsigned rng_state = 13u;
static float rnd(void) /* in [-1, 1) */
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)(rng_state >> 8) / (float)(1u << 23) - 1.0f;
}

/* The ledger's sum of image i's slice, written out here as docs/method.md's
 * report describes it: ranges [n r / R, n (r+1) / R), in each blocks of 512
 * from the range's start, lane j of a block adds elements j, j + 8, ...
 * (lane 0 also the tail), the lanes in order into a double. */
static double ledger_sum(const float *v, int image)
{
    const float *p = v + (size_t)image * PER_IMAGE;
    size_t ranges = (PER_IMAGE + 32767) / 32768;
    double total = 0.0;
    for (size_t r = 0; r < ranges; r++) {
        size_t begin = PER_IMAGE * r / ranges, end = PER_IMAGE * (r + 1) / ranges;
        double part = 0.0;
        for (size_t b = begin; b < end; b += 512) {
            size_t stop = b + 512 < end ? b + 512 : end, k = b;
            float lane[8] = {0};
            for (; k + 8 <= stop; k += 8)
                for (int j = 0; j < 8; j++)
                    lane[j] += p[k + (size_t)j];
            for (; k < stop; k++)
                lane[0] += p[k];
            for (int j = 0; j < 8; j++)
                part += lane[j];
        }
        total += part;
    }
    return total;
}

static lrp_tensor tensor_of(float *data)
{
    return (lrp_tensor){LRP_FLOAT, 4, {IMAGES, 1, 1, PER_IMAGE}, data};
}

/* One kernel run on r_in[0..slots): zeroed first (fused = false), or full of
 * NaN and left to the kernel, with its sums asked for (fused = true). */
typedef struct run {
    float *r_in[2];
    double absorbed[IMAGES], sums[2][IMAGES];
    bool summed[2];
} run;

static void run_kernel(lrp_rule_fn fn, const lrp_node *node, const lrp_rule *rule,
                       const lrp_tensor *const *in, const lrp_tensor *out, const float *r_out,
                       bool one_buffer, bool fused, lrp_pool *pool, run *rn)
{
    int slots = node->n_inputs;
    for (int k = 0; k < slots; k++) {
        rn->r_in[k] = one_buffer && k ? rn->r_in[0] : malloc(N * sizeof(float));
        for (size_t i = 0; i < N; i++)
            rn->r_in[k][i] = fused ? NAN : 0.0f;
    }
    memset(rn->absorbed, 0, sizeof rn->absorbed);
    memset(rn->summed, 0, sizeof rn->summed);
    bool unzeroed[2] = {fused, fused};
    double *in_sum[2] = {fused ? rn->sums[0] : NULL, fused && !one_buffer ? rn->sums[1] : NULL};
    lrp_rule_ctx c = {.node = node,
                      .rule = rule,
                      .in = in,
                      .out = out,
                      .r_out = r_out,
                      .r_in = rn->r_in,
                      .unzeroed = fused ? unzeroed : NULL,
                      .pool = pool,
                      .n_images = IMAGES,
                      .absorbed = rn->absorbed,
                      .in_sum = in_sum,
                      .in_summed = rn->summed};
    fn(&c);
}

static void free_run(run *rn, int slots, bool one_buffer)
{
    for (int k = 0; k < (one_buffer ? 1 : slots); k++)
        free(rn->r_in[k]);
}

/* The fused run against the zeroed one: same bits, same absorbed, and
 * each asked-for sum as the ledger adds it up. */
static void compare(const char *what, int slots, bool one_buffer, const run *plain,
                    const run *fused)
{
    for (int k = 0; k < (one_buffer ? 1 : slots); k++) {
        CHECK(memcmp(plain->r_in[k], fused->r_in[k], N * sizeof(float)) == 0,
              "%s: slot %d differs from the zeroed run", what, k);
        CHECK(fused->summed[k], "%s: slot %d's sums not given", what, k);
        for (int i = 0; i < IMAGES && fused->summed[k]; i++) {
            double want = ledger_sum(plain->r_in[k], i);
            CHECK(fused->sums[k][i] == want, "%s: slot %d image %d sum %.17g, ledger's %.17g",
                  what, k, i, fused->sums[k][i], want);
        }
    }
    if (one_buffer)
        CHECK(!fused->summed[1], "%s: a buffer read twice summed twice", what);
    for (int i = 0; i < IMAGES; i++)
        CHECK(plain->absorbed[i] == fused->absorbed[i], "%s: absorbed %.17g, zeroed run %.17g",
              what, fused->absorbed[i], plain->absorbed[i]);
}

static void check_kernel(const char *what, lrp_rule_fn fn, const lrp_node *node,
                         const lrp_rule *rule, const lrp_tensor *const *in,
                         const lrp_tensor *out, const float *r_out, bool one_buffer)
{
    lrp_pool *pool = NULL;
    lrp_error err;
    CHECK(lrp_pool_new(2, &pool, &err) == LRP_OK, "no pool of 2 threads");
    for (int threads = 1; threads <= 2; threads++) {
        run plain, fused;
        lrp_pool *p = threads == 2 ? pool : NULL;
        run_kernel(fn, node, rule, in, out, r_out, one_buffer, false, p, &plain);
        run_kernel(fn, node, rule, in, out, r_out, one_buffer, true, p, &fused);
        char label[96];
        snprintf(label, sizeof label, "%s, %d thread(s)%s", what, threads,
                 one_buffer ? ", one buffer for both inputs" : "");
        compare(label, node->n_inputs, one_buffer, &plain, &fused);
        free_run(&plain, node->n_inputs, one_buffer);
        free_run(&fused, node->n_inputs, one_buffer);
    }
    lrp_pool_free(pool);
}

int main(void)
{
    float *m = malloc(N * sizeof *m), *s = malloc(N * sizeof *s), *y = malloc(N * sizeof *y);
    float *r = malloc(N * sizeof *r);
    for (size_t i = 0; i < N; i++) {
        m[i] = i % 97 == 0 ? 0.0f : rnd(); /* some m + s = 0 and |m| + |s| = 0 */
        s[i] = i % 97 == 0 ? 0.0f : i % 89 == 0 ? -m[i] : rnd();
        y[i] = m[i] + s[i];
        r[i] = rnd();
    }
    lrp_tensor mt = tensor_of(m), st = tensor_of(s), yt = tensor_of(y);

    lrp_node relu = {.name = "relu", .op_type = "Relu", .n_inputs = 1};
    lrp_rule pass = {.kind = LRP_RULE_PASS, .name = "pass"};
    const lrp_tensor *pass_in[1] = {&mt};
    CHECK(lrp_rule_zeroes_inputs(LRP_RULE_PASS), "the pass rule does not zero its inputs");
    check_kernel("pass", lrp_pass_apply, &relu, &pass, pass_in, &mt, r, false);

    static const struct {
        const char *name;
        lrp_split split;
    } splits[] = {{"proportional", LRP_SPLIT_PROPORTIONAL},
                  {"ratio", LRP_SPLIT_RATIO},
                  {"symmetric", LRP_SPLIT_SYMMETRIC},
                  {"symmetric-projection-only", LRP_SPLIT_SYMMETRIC_PROJECTION_ONLY}};
    lrp_node add = {.name = "add", .op_type = "Add", .n_inputs = 2};
    lrp_residual res = {.kind = LRP_SHORTCUT_IDENTITY, .shortcut_conv = -1};
    const lrp_tensor *add_in[2] = {&mt, &st}, *twice[2] = {&mt, &mt};
    CHECK(lrp_rule_zeroes_inputs(LRP_RULE_SPLIT), "the split does not zero its inputs");
    for (size_t k = 0; k < sizeof splits / sizeof *splits; k++)
        for (int ms = 0; ms < 2; ms++) {
            lrp_rule rule = {.kind = LRP_RULE_SPLIT,
                             .stab = {false, 1e-6f},
                             .split = splits[k].split,
                             .mainstream_slot = ms,
                             .residual = &res};
            char what[64];
            snprintf(what, sizeof what, "split %s, M in slot %d", splits[k].name, ms);
            check_kernel(what, lrp_split_apply, &add, &rule, add_in, &yt, r, false);
            check_kernel(what, lrp_split_apply, &add, &rule, twice, &yt, r, true);
        }
    free(m), free(s), free(y), free(r);
    return check_finish();
}
