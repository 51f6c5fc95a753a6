/* Insertion / Deletion through a real ONNX model: tests/eval/region.onnx,
 * whose label-0 probability is sigmoid(K (sum of the 3x3 region R - OFFSET))
 * (tests/eval/gen_region_model.py). A perfect map (R first) and a reversed
 * one (R last) against curves computed here from that closed form.
 * argv[1]: scratch directory (unused), argv[2]: region.onnx. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/insdel.h"
#include "lrp.h"

#include "check.h"


#define TOL 1e-5

/* As in gen_region_model.py: R = rows 2..4, cols 5..7; logits [K s, 0], s = sum_R x - OFFSET.
 */
enum { H = 8, W = 8, N = H * W, LABEL = 0 };
static const double K = 1.5, OFFSET = 4.5;

static int in_region(int p)
{
    int y = p / W, x = p % W;
    return y >= 2 && y <= 4 && x >= 5 && x <= 7;
}

static float image01[N];
static const float mean0 = 0.0f, std1 = 1.0f;

/* R: 9 distinct bright values; elsewhere a pattern in [0, 1]. */
static void make_image(void)
{
    int r = 0;
    for (int p = 0; p < N; p++)
        image01[p] = in_region(p) ? 0.95f - 0.03f * (float)r++ : (float)((p * 37) % 17) / 16.0f;
}

/* The model's label-0 probability for a region sum, in double. */
static double closed_form(double region_sum)
{
    return 1.0 / (1.0 + exp(-K * (region_sum - OFFSET)));
}

typedef struct forward_ctx {
    lrp_model *m;
    int calls, max_b;
} forward_ctx;

/* lrp_prob_fn: the batch through the model, the softmax probability of 'label'. */
static lrp_status model_prob(void *ctx, const float *batch, int b, int label, float *prob,
                             lrp_error *err)
{
    forward_ctx *f = ctx;
    f->calls++;
    f->max_b = b > f->max_b ? b : f->max_b;
    lrp_array x = {.rank = 4, .dims = {b, 1, H, W}, .data = (float *)batch}, y = {0};
    lrp_status st = lrp_model_forward(f->m, &x, &y, err);
    if (st)
        return st;
    CHECK(y.rank == 2 && y.dims[0] == b && y.dims[1] == 2, "output of rank %d (%lld, %lld)",
          y.rank, (long long)y.dims[0], (long long)y.dims[1]);
    for (int i = 0; i < b; i++) {
        const float *row = y.data + (size_t)i * 2;
        double mx = row[0] > row[1] ? row[0] : row[1];
        double e0 = exp(row[0] - mx), e1 = exp(row[1] - mx);
        prob[i] = (float)((label == 0 ? e0 : e1) / (e0 + e1));
    }
    lrp_array_free(&y);
    return LRP_OK;
}

/* rank[p]: R first (row-major) for the perfect map, R last for the reversed
 * one; map[p] = N - rank[p], all distinct. */
static void ranked_map(int reversed, int *rank, float *map)
{
    int r = 0;
    for (int pass = 0; pass < 2; pass++) /* the first group, then the other */
        for (int p = 0; p < N; p++)
            if (in_region(p) == (pass == (reversed ? 1 : 0)))
                rank[p] = r++;
    for (int p = 0; p < N; p++)
        map[p] = (float)(N - rank[p]);
}

/* §7 by hand: point k shows the pixels of rank <= min(s (k+1), N-1). */
static int expected_curves(const int *rank, int s, double *ins, double *del)
{
    int n = (N + s - 1) / s;
    for (int k = 0; k < n; k++) {
        int t = s * (k + 1) < N - 1 ? s * (k + 1) : N - 1;
        double shown = 0.0, hidden = 0.0;
        for (int p = 0; p < N; p++)
            if (in_region(p))
                *(rank[p] <= t ? &shown : &hidden) += image01[p];
        ins[k] = closed_form(shown);
        del[k] = closed_form(hidden);
    }
    return n;
}

static double auc(const double *y, int n)
{
    double sum = 0.0;
    for (int k = 0; k < n; k++)
        sum += y[k];
    return n == 1 ? y[0] : (sum - y[0] / 2 - y[n - 1] / 2) / (n - 1);
}

static lrp_insdel_result run(lrp_model *m, const float *map, int step, int max_batch,
                             forward_ctx *f)
{
    lrp_insdel_config cfg = {step, max_batch};
    lrp_insdel_result res = {0};
    lrp_error err = {0};
    *f = (forward_ctx){.m = m};
    lrp_status st = lrp_insdel_run(image01, 1, H, W, &mean0, &std1, map, LABEL, &cfg,
                                   model_prob, f, &res, &err);
    CHECK(st == LRP_OK, "insdel step %d batch %d: %s", step, max_batch, err.message);
    CHECK(f->max_b <= max_batch, "a batch of %d > max_batch %d", f->max_b, max_batch);
    return res;
}

/* The unperturbed image and an all-black one through the model match the closed form. */
static void test_closed_form(lrp_model *m)
{
    float batch[2 * N] = {0};
    double sum = 0.0;
    for (int p = 0; p < N; p++) {
        batch[p] = image01[p];
        sum += in_region(p) ? image01[p] : 0.0;
    }
    forward_ctx f = {.m = m};
    float prob[2];
    lrp_error err = {0};
    CHECK(model_prob(&f, batch, 2, LABEL, prob, &err) == LRP_OK, "forward: %s", err.message);
    CHECK(fabs(prob[0] - closed_form(sum)) <= TOL, "image: p = %.9g, closed form %.9g",
          (double)prob[0], closed_form(sum));
    CHECK(fabs(prob[1] - closed_form(0.0)) <= TOL, "black: p = %.9g, closed form %.9g",
          (double)prob[1], closed_form(0.0));
    CHECK(closed_form(sum) > 0.95 && closed_form(0.0) < 0.01, "the toy spans (0, 1): %g %g",
          closed_form(sum), closed_form(0.0));
}

static void check_curve(const double *got, const double *want, int n, const char *what)
{
    for (int k = 0; k < n; k++)
        CHECK(fabs(got[k] - want[k]) <= TOL, "%s[%d] = %.9g, closed form %.9g", what, k, got[k],
              want[k]);
}

/* Perfect vs reversed at step s: the closed form, and perfect is better on both AUCs. */
static void test_perfect_vs_reversed(lrp_model *m, int s)
{
    int rank[2][N];
    float map[2][N];
    double ins[N], del[N];
    lrp_insdel_result r[2];
    forward_ctx f;
    for (int rev = 0; rev < 2; rev++) {
        char what[64];
        ranked_map(rev, rank[rev], map[rev]);
        int n = expected_curves(rank[rev], s, ins, del);
        r[rev] = run(m, map[rev], s, 16, &f);
        CHECK(r[rev].n == n, "step %d: n = %d, want %d", s, r[rev].n, n);
        if (r[rev].n != n)
            continue;
        snprintf(what, sizeof what, "step %d %s ins", s, rev ? "reversed" : "perfect");
        check_curve(r[rev].ins, ins, n, what);
        snprintf(what, sizeof what, "step %d %s del", s, rev ? "reversed" : "perfect");
        check_curve(r[rev].del, del, n, what);
        CHECK(fabs(r[rev].ins_auc - auc(ins, n)) <= TOL,
              "step %d rev %d: ins AUC %.9g, want %.9g", s, rev, r[rev].ins_auc, auc(ins, n));
        CHECK(fabs(r[rev].del_auc - auc(del, n)) <= TOL,
              "step %d rev %d: del AUC %.9g, want %.9g", s, rev, r[rev].del_auc, auc(del, n));
    }
    CHECK(r[0].ins_auc > r[1].ins_auc, "step %d: perfect ins %.6f <= reversed %.6f", s,
          r[0].ins_auc, r[1].ins_auc);
    CHECK(r[0].del_auc < r[1].del_auc, "step %d: perfect del %.6f >= reversed %.6f", s,
          r[0].del_auc, r[1].del_auc);
    lrp_insdel_result_free(&r[0]);
    lrp_insdel_result_free(&r[1]);
}

/* One perturbed input per forward pass or sixteen: the same bits. At step 1
 * the last two points both have rank N-1 (64 is clipped to 63), so 63
 * distinct thresholds make 126 inputs for 64 points. */
static void test_batches(lrp_model *m)
{
    int rank[N];
    float map[N];
    forward_ctx f1, f16;
    ranked_map(0, rank, map);
    lrp_insdel_result a = run(m, map, 1, 1, &f1);
    lrp_insdel_result b = run(m, map, 1, 16, &f16);
    CHECK(f1.max_b == 1 && f1.calls == 2 * (N - 1) && a.forwards == f1.calls,
          "batch 1: %d calls (%d reported), max %d", f1.calls, a.forwards, f1.max_b);
    CHECK(f16.max_b == 16 && f16.calls == (2 * (N - 1) + 15) / 16, "batch 16: %d calls, max %d",
          f16.calls, f16.max_b);
    CHECK(a.n == b.n && a.n > 0, "n %d vs %d", a.n, b.n);
    if (a.n == b.n && a.n > 0) {
        CHECK(!memcmp(a.ins, b.ins, sizeof *a.ins * (size_t)a.n), "ins differs by batch size");
        CHECK(!memcmp(a.del, b.del, sizeof *a.del * (size_t)a.n), "del differs by batch size");
        CHECK(a.ins_auc == b.ins_auc && a.del_auc == b.del_auc, "AUCs differ by batch size");
    }
    lrp_insdel_result_free(&a);
    lrp_insdel_result_free(&b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test-insdel-onnx SCRATCH_DIR region.onnx\n");
        return 77;
    }
    lrp_model *m = NULL;
    lrp_error err = {0};
    if (lrp_model_load(argv[2], &m, &err) != LRP_OK) {
        fprintf(stderr, "%s: %s\n", argv[2], err.message);
        return 1;
    }
    make_image();
    test_closed_form(m);
    test_perfect_vs_reversed(m, 1);
    test_perfect_vs_reversed(m, 4);
    test_batches(m);
    lrp_model_free(m);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
